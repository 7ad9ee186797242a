// @ts-check
// The auditor view: every served model version with its status, the model card of one version in a sandboxed
// frame, and the audit log's newest entries with the verification of its hash chain.
import { auditQuery, getAudit, getAuditVerify, getCardHtml } from './api.js';
import { $, AUDIT_PAGE, h, headCells, num, session, showError, state, t } from './page.js';

/** @typedef {import('./i18n.js').MessageKey} MessageKey */

export function renderModelTable() {
  const rows = [];
  for (const m of state.models) {
    for (const v of m.versions) {
      const aliases = Object.entries(m.aliases)
        .filter(([, ver]) => ver === v.version)
        .map(([a]) => a)
        .join(', ');
      const ready = v.status === 'ready';
      rows.push(
        h(
          'tr',
          { 'data-model': `${m.name}@${v.version}` },
          h('td', {}, m.name),
          h('td', {}, v.version),
          h('td', {}, h('span', { class: ready ? 'ok' : 'bad' }, t(ready ? 'statusReady' : 'statusRefused')), v.error ? h('div', { class: 'muted' }, v.error.code) : null),
          h('td', {}, v.modelKind ?? '–'),
          h('td', {}, v.createdAt ? new Date(v.createdAt).toLocaleString(state.lang) : '–'),
          h('td', {}, aliases || '–'),
          h('td', {}, m.defaultVersion === v.version ? '✓' : ''),
          h(
            'td',
            {},
            ready
              ? h('button', { type: 'button', class: 'small', 'aria-label': t('showCardFor', { name: m.name, version: v.version }), onclick: () => loadCard(m.name, v.version) }, t('showCard'))
              : null,
          ),
        ),
      );
    }
  }
  /** @type {MessageKey[]} */
  const cols = ['colName', 'colVersion', 'colStatus', 'colKind', 'colCreated', 'colAliases', 'colDefault', 'colAction'];
  $('model-table').replaceChildren(
    rows.length === 0
      ? h('p', { class: 'help' }, t('noModels'))
      : h(
          'div',
          { class: 'scroll' },
          h('table', { class: 'data', id: 'models-table' }, h('thead', {}, h('tr', {}, headCells(cols))), h('tbody', {}, rows)),
        ),
  );
}

/**
 * @param {string} name
 * @param {string} version
 */
async function loadCard(name, version) {
  showError('auditor-error', null);
  try {
    const html = await getCardHtml(`${name}@${version}`, session());
    state.card = { name, version, html };
    renderCard();
  } catch (err) {
    showError('auditor-error', err);
  }
}

export function renderCard() {
  const box = $('card-box');
  const c = state.card;
  if (c === null) {
    box.replaceChildren(h('p', { class: 'help' }, t('cardNone')));
    return;
  }
  // Fully sandboxed (no scripts, forms, navigation or same-origin access); the card scrolls inside its frame.
  const frame = h('iframe', { sandbox: '', title: t('cardFrame', { name: c.name, version: c.version }), class: 'card-frame', id: 'card-frame' });
  frame.srcdoc = c.html;
  box.replaceChildren(frame);
}

export async function loadAudit() {
  showError('auditor-error', null);
  try {
    const verify = await getAuditVerify(session());
    const log = await getAudit(auditQuery(verify.lastSeq, AUDIT_PAGE), session());
    state.audit = { verify, entries: log.entries.slice().reverse() };
  } catch (err) {
    showError('auditor-error', err);
  }
  renderAudit();
}

export function renderAudit() {
  const a = state.audit;
  const verifyBox = $('audit-verify');
  $('audit-help').textContent = t('auditHelp', { n: AUDIT_PAGE });
  if (a === null) {
    verifyBox.textContent = '';
    $('audit-table').replaceChildren();
    return;
  }
  const v = a.verify;
  verifyBox.className = `verify ${v.ok ? 'ok' : 'bad'}`;
  verifyBox.dataset.ok = String(v.ok);
  verifyBox.textContent = v.ok ? `✓ ${t('verifyOk', { entries: num(v.entries) })}` : `✗ ${t('verifyBroken', { seq: v.brokenSeq ?? '?', reason: v.reason ?? '' })}`;
  if (a.entries.length === 0) {
    $('audit-table').replaceChildren(h('p', { class: 'help' }, t('noAudit')));
    return;
  }
  /** @type {MessageKey[]} */
  const cols = ['colSeq', 'colTime', 'colToken', 'colRole', 'colRequest', 'colModel', 'colStatusCode', 'colLatency'];
  $('audit-table').replaceChildren(
    h(
      'div',
      { class: 'scroll tall' },
      h(
        'table',
        { class: 'data compact', id: 'audit-entries' },
        h('caption', { class: 'visually-hidden' }, t('auditHeading')),
        h('thead', {}, h('tr', {}, headCells(cols))),
        h(
          'tbody',
          {},
          a.entries.map((e) =>
            h(
              'tr',
              { title: `hash ${e.hash}` },
              h('td', { class: 'num' }, e.seq),
              h('td', {}, new Date(e.time).toLocaleString(state.lang)),
              h('td', {}, e.tokenId ?? '–'),
              h('td', {}, e.role ?? '–'),
              h('td', {}, h('code', {}, `${e.method} ${e.route}`)),
              h('td', {}, e.model ? `${e.model}@${e.version}` : '–'),
              h('td', { class: e.status >= 400 ? 'num bad' : 'num' }, e.status),
              h('td', { class: 'num' }, num(e.latencyMs)),
            ),
          ),
        ),
      ),
    ),
  );
}

/** Listens to the auditor view's controls. */
export function wireAuditor() {
  $('audit-refresh').addEventListener('click', () => void loadAudit());
}
