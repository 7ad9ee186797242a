// The planners' and auditors' page: sign in with a bearer token, then browse cohort paths, score a path and
// read its intervention candidates (planner), or read model cards and the audit log (auditor).
// Plain ES modules, no build step; every text from the API is set as text, never parsed as HTML.
import { dropBar, trajectoryChart } from './chart.js';
import { LANGS, initialLang, translate } from './i18n.js';

const TOKEN_KEY = 'servicepath.token';
const LANG_KEY = 'servicepath.lang';
const RELATIONS = ['self', 'mother', 'father', 'guardian', 'sibling', 'partner'];
const COHORT_PAGE = 20;
const AUDIT_PAGE = 50;

const state = {
  lang: initialLang(safeGet(localStorage, LANG_KEY), navigator.language),
  token: null,
  role: null,
  view: 'planner',
  models: [],
  model: null,
  cohort: { sort: 'persons', limit: COHORT_PAGE, paths: [], total: 0, privacy: { k: 10, roundTo: 5 } },
  /** The path in the editor; cohortPath is set when it was opened from one. */
  path: { label: '', events: [], sex: undefined, indexAgeDays: undefined, cohortPath: null },
  /** code -> domain for the editor's suggestions: the model's catalogue route, then cohort paths and answers. */
  knownCodes: new Map(),
  result: null,
  card: null,
  audit: null,
};

const $ = (id) => document.getElementById(id);
const t = (key, params) => translate(state.lang, key, params);

function safeGet(storage, key) {
  try {
    return storage.getItem(key);
  } catch {
    return null;
  }
}

/** Creates an element: h('td', { class: 'x', onclick: fn }, 'text', child). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'class') node.className = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

// ---------- formatting ----------
const pct = (r) => new Intl.NumberFormat(state.lang, { style: 'percent', maximumFractionDigits: 1 }).format(r);
const num = (n) => new Intl.NumberFormat(state.lang).format(n);
const pp = (d) => t('pp', { v: new Intl.NumberFormat(state.lang, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(d * 100) });
function age(days) {
  if (days < 0) return t('beforeBirth', { d: num(-days) });
  if (days < 61) return t('days', { d: num(days) });
  const y = Math.floor(days / 365.25);
  const m = Math.floor((days - y * 365.25) / 30.44);
  return y === 0 ? t('months', { m }) : t('yearsMonths', { y, m });
}
const relation = (r) => t(`rel${r[0].toUpperCase()}${r.slice(1)}`);
const suppressed = () => `<${state.cohort.privacy.k}`;
/** A group's size and rate, or <k when the group is too small to show. */
const groupStat = (g) => ('suppressed' in g ? suppressed() : t('groupStat', { persons: num(g.persons), rate: pct(g.outcomeRate) }));

// ---------- API ----------
class ApiError extends Error {
  constructor(status, code, message, options) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

async function api(path, { method = 'GET', body, token = state.token, as = 'json' } = {}) {
  const headers = { accept: as === 'json' ? 'application/json' : 'text/html' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', t('networkError'), { cause: err });
  }
  if (!res.ok) {
    const payload = await res.json().catch(() => null);
    const e = payload?.error;
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e ? `${e.message}${e.path ? ` (${e.path})` : ''}` : `HTTP ${res.status}`);
  }
  return as === 'json' ? res.json() : res.text();
}

const modelPath = (name) => `/v1/models/${encodeURIComponent(name)}`;

function showError(id, err) {
  const box = $(id);
  box.textContent = err ? (err instanceof ApiError && err.code !== 'NETWORK' ? `${err.message} [${err.code}]` : err.message) : '';
}

function setStatus(text) {
  $('status').textContent = text;
}

// ---------- language ----------
function applyStaticText() {
  document.documentElement.lang = state.lang;
  document.title = `servicepath – ${t('tagline')}`;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll('[data-i18n-aria]')) node.setAttribute('aria-label', t(node.dataset.i18nAria));
  $('lang').value = state.lang;
}

function setLang(lang) {
  if (!LANGS.includes(lang)) return;
  state.lang = lang;
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    // Private windows may refuse storage: the choice then lasts for this page only.
  }
  applyStaticText();
  renderAll();
}

// ---------- sign-in ----------
/** The caller's role from `GET /v1/whoami` (any valid token; 401 for an unknown one). */
async function fetchRole(token) {
  const { role } = await api('/v1/whoami', { token });
  return role;
}

async function signIn(token, { quiet = false } = {}) {
  showError('signin-error', null);
  try {
    const role = await fetchRole(token);
    state.token = token;
    state.role = role;
    try {
      sessionStorage.setItem(TOKEN_KEY, token);
    } catch {
      // Without session storage the token lives in memory until the page is left.
    }
    $('token').value = '';
    state.view = role === 'planner' ? 'planner' : 'auditor';
    await enter();
  } catch (err) {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {}
    if (quiet) return;
    const refused = err instanceof ApiError && (err.status === 401 || err.status === 403);
    $('signin-error').textContent = refused ? t('wrongToken') : err.message;
    $('token').setAttribute('aria-invalid', 'true');
    $('token').focus();
  }
}

function signOut() {
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {}
  Object.assign(state, { token: null, role: null, models: [], model: null, result: null, card: null, audit: null });
  state.path = { label: '', events: [], cohortPath: null };
  renderAll();
  $('token').focus();
}

async function enter() {
  $('token').removeAttribute('aria-invalid');
  setStatus(t('loading'));
  const { models } = await api('/v1/models');
  state.models = models;
  const servable = models.filter((m) => m.versions.some((v) => v.status === 'ready'));
  state.model = servable[0]?.name ?? null;
  renderAll();
  setStatus('');
  await loadKnownCodes();
  if (state.view === 'planner') await loadCohort();
  else await loadAudit();
  $('main').focus();
}

// ---------- view switching ----------
function renderShell() {
  const signedIn = state.role !== null;
  $('signin').hidden = signedIn;
  $('sign-out').hidden = !signedIn;
  $('whoami').hidden = !signedIn;
  if (signedIn) $('whoami').textContent = t('signedInAs', { role: t(`role${state.role[0].toUpperCase()}${state.role.slice(1)}`) });
  const auditorish = state.role === 'auditor' || state.role === 'admin';
  $('tabs').hidden = !auditorish;
  $('planner').hidden = !signedIn || state.view !== 'planner';
  $('auditor').hidden = !signedIn || !auditorish || state.view !== 'auditor';
  for (const b of document.querySelectorAll('#tabs button')) b.setAttribute('aria-pressed', String(b.dataset.view === state.view));
}

async function switchView(view) {
  state.view = view;
  renderShell();
  if (view === 'planner' && state.cohort.paths.length === 0) await loadCohort();
  if (view === 'auditor' && state.audit === null) await loadAudit();
}

function renderAll() {
  renderShell();
  if (state.role === null) return;
  renderModelSelect();
  renderCohort();
  renderEditor();
  renderResult();
  renderModelTable();
  renderCard();
  renderAudit();
}

// ---------- planner: model and cohort paths ----------
function renderModelSelect() {
  const select = $('model');
  select.replaceChildren(
    ...state.models
      .filter((m) => m.versions.some((v) => v.status === 'ready'))
      .map((m) => h('option', { value: m.name, selected: m.name === state.model }, m.defaultVersion ? `${m.name} (${m.defaultVersion})` : m.name)),
  );
  if (state.models.length === 0) $('planner-error').textContent = t('noModels');
}

async function loadCohort() {
  if (state.model === null) return;
  showError('planner-error', null);
  const c = state.cohort;
  try {
    const q = new URLSearchParams({ sort: c.sort, order: 'desc', limit: String(c.limit) });
    const res = await api(`${modelPath(state.model)}/cohort-paths?${q}`);
    Object.assign(c, { paths: res.paths, total: res.total, privacy: res.privacy });
    for (const p of res.paths) for (const e of p.representative.events) if (!state.knownCodes.has(e.code)) state.knownCodes.set(e.code, e.domain);
  } catch (err) {
    showError('planner-error', err);
  }
  renderCohort();
  renderCodeList();
}

function stepsSummary(p) {
  return h(
    'ul',
    { class: 'steps' },
    p.steps.map((s) => h('li', {}, h('span', { class: 'band' }, `${s.band}:`), ' ', s.groups.join(', '))),
  );
}

function renderCohort() {
  const c = state.cohort;
  $('cohort-help').textContent = t('cohortHelp', { k: c.privacy.k, roundTo: c.privacy.roundTo, suppressed: suppressed() });
  $('cohort-sort').value = c.sort;
  const box = $('cohort-list');
  if (c.paths.length === 0) {
    box.replaceChildren(h('p', { class: 'help' }, state.model === null ? '' : t('noCohortPaths')));
    return;
  }
  const rows = c.paths.map((p) =>
    h(
      'tr',
      { 'data-cohort-id': p.id, class: state.path.cohortPath?.id === p.id ? 'selected' : undefined },
      h('td', {}, stepsSummary(p)),
      h('td', { class: 'num' }, num(p.persons)),
      h('td', { class: 'num' }, pct(p.outcomeRate)),
      h('td', { class: 'num' }, pct(p.meanPredictedRisk)),
      h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': t('openPath', { id: p.id }), onclick: () => openCohortPath(p) }, t('open'))),
    ),
  );
  box.replaceChildren(
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'data', id: 'cohort-table' },
        h('caption', { class: 'visually-hidden' }, t('cohortHeading')),
        h('thead', {}, h('tr', {}, ['colPath', 'colPersons', 'colOutcome', 'colMeanRisk', 'colAction'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h('tbody', {}, rows),
      ),
    ),
    h(
      'p',
      { class: 'row' },
      t('shownOf', { shown: num(c.paths.length), total: num(c.total) }),
      c.paths.length < c.total
        ? h('button', { type: 'button', class: 'secondary small', onclick: () => moreCohort() }, t('showMore'))
        : null,
    ),
  );
}

async function moreCohort() {
  state.cohort.limit = Math.min(200, state.cohort.limit + COHORT_PAGE);
  await loadCohort();
}

async function openCohortPath(p) {
  const rep = p.representative;
  state.path = {
    label: p.id,
    events: rep.events.map((e) => ({ ...e })),
    sex: rep.sex,
    indexAgeDays: rep.indexAgeDays,
    cohortPath: p,
  };
  renderCohort();
  renderEditor();
  await analyse();
}

// ---------- planner: path editor ----------
/**
 * Suggestions for the code field: the services of the model's catalogue and the codes its vocabulary knows
 * (`GET /v1/models/:name/catalogue`; no counts, nothing about any person). A failure leaves the suggestions
 * from cohort paths and answers, so the editor still works.
 */
async function loadKnownCodes() {
  state.knownCodes = new Map();
  if (state.model === null) return;
  try {
    const res = await api(`${modelPath(state.model)}/catalogue`);
    for (const s of res.catalogue.services) if (!state.knownCodes.has(s.code)) state.knownCodes.set(s.code, s.domain);
    for (const c of res.knownCodes) if (!state.knownCodes.has(c.code)) state.knownCodes.set(c.code, c.domain);
  } catch (err) {
    showError('planner-error', err);
  }
  renderCodeList();
}

function renderCodeList() {
  $('known-codes').replaceChildren(...[...state.knownCodes.keys()].sort().map((code) => h('option', { value: code })));
}

function renderEditor() {
  const p = state.path;
  $('path-label').value = p.label ?? '';
  const rows = p.events.map((e, i) => {
    const n = i + 1;
    const label = (key) => `${t('eventN', { n })}: ${t(key)}`;
    const code = h('input', { value: e.code, list: 'known-codes', 'aria-label': label('colCode'), required: true, maxlength: 128, class: 'code', autocomplete: 'off' });
    const domain = h('input', { value: e.domain, 'aria-label': label('colDomain'), required: true, maxlength: 64, autocomplete: 'off' });
    code.addEventListener('input', () => {
      e.code = code.value.trim();
      const known = state.knownCodes.get(e.code);
      if (known !== undefined) {
        e.domain = known;
        domain.value = known;
      }
    });
    domain.addEventListener('input', () => {
      e.domain = domain.value.trim();
    });
    const rel = h(
      'select',
      { 'aria-label': label('colRelation'), onchange: (ev) => (e.relation = ev.target.value) },
      RELATIONS.map((r) => h('option', { value: r, selected: (e.relation ?? 'self') === r }, relation(r))),
    );
    const ageInput = h('input', { type: 'number', step: 1, min: -36525, max: 36525, value: e.ageDays, 'aria-label': label('colAgeDays'), class: 'age' });
    const ageText = h('span', { class: 'age-text', 'aria-hidden': 'true' }, age(e.ageDays));
    ageInput.addEventListener('input', () => {
      e.ageDays = Number.parseInt(ageInput.value, 10);
      ageText.textContent = Number.isFinite(e.ageDays) ? age(e.ageDays) : '';
    });
    const remove = h('button', { type: 'button', class: 'secondary small', 'aria-label': t('removeEvent', { n }), onclick: () => removeEvent(i) }, '×');
    return h('tr', {}, h('td', { class: 'num' }, n), h('td', {}, code), h('td', {}, domain), h('td', {}, rel), h('td', {}, ageInput, ' ', ageText), h('td', {}, remove));
  });
  $('events').replaceChildren(...rows);
  renderOrigin();
}

function renderOrigin() {
  const cp = state.path.cohortPath;
  const box = $('cohort-origin');
  if (!cp) {
    box.replaceChildren();
    return;
  }
  const followed = cp.followedBy.length
    ? h(
        'details',
        {},
        h('summary', {}, t('followedHeading')),
        h(
          'table',
          { class: 'data compact', id: 'followed-table' },
          h('thead', {}, h('tr', {}, ['colService', 'colReceived', 'colNotReceived'].map((k) => h('th', { scope: 'col' }, t(k))))),
          h(
            'tbody',
            {},
            cp.followedBy.map((f) => h('tr', {}, h('td', {}, f.label), h('td', {}, groupStat(f.received)), h('td', {}, groupStat(f.notReceived)))),
          ),
        ),
      )
    : null;
  box.replaceChildren(h('p', { class: 'origin' }, t('fromCohort', { id: cp.id, persons: num(cp.persons), rate: pct(cp.outcomeRate) })), followed);
}

function addEvent() {
  const last = state.path.events[state.path.events.length - 1];
  state.path.events.push({ code: '', domain: '', relation: 'self', ageDays: last ? last.ageDays + 30 : 0 });
  state.path.cohortPath = null;
  renderEditor();
  const inputs = $('events').querySelectorAll('input.code');
  inputs[inputs.length - 1]?.focus();
}

function removeEvent(i) {
  state.path.events.splice(i, 1);
  state.path.cohortPath = null;
  renderEditor();
  const codes = $('events').querySelectorAll('input.code');
  (codes[Math.min(i, codes.length - 1)] ?? $('add-event')).focus();
}

function clearPath() {
  state.path = { label: '', events: [], cohortPath: null };
  state.result = null;
  renderEditor();
  renderResult();
  renderCohort();
  $('add-event').focus();
}

/** The editor's path as the API takes it, or an error message naming the first bad event. */
function pathForRequest() {
  const p = state.path;
  const events = p.events.map((e) => ({
    code: String(e.code ?? '').trim(),
    domain: String(e.domain ?? '').trim(),
    relation: e.relation ?? 'self',
    ageDays: e.ageDays,
    ...(e.immutable === undefined ? {} : { immutable: e.immutable }),
  }));
  if (events.length === 0) return { error: t('addEvent') };
  for (const [i, e] of events.entries()) {
    if (e.code === '') return { error: `${t('eventN', { n: i + 1 })}: ${t('colCode')}` };
    if (e.domain === '') return { error: `${t('eventN', { n: i + 1 })}: ${t('colDomain')}` };
    if (!Number.isInteger(e.ageDays)) return { error: `${t('eventN', { n: i + 1 })}: ${t('colAgeDays')}` };
  }
  // Events go in time order (the API requires it); a stable sort keeps same-day events as entered.
  events.sort((a, b) => a.ageDays - b.ageDays);
  const last = events[events.length - 1].ageDays;
  const path = { events };
  const label = $('path-label').value.trim();
  if (label) path.label = label;
  if (p.sex) path.sex = p.sex;
  if (Number.isInteger(p.indexAgeDays) && p.indexAgeDays >= last) path.indexAgeDays = p.indexAgeDays;
  return { path };
}

async function analyse() {
  showError('editor-error', null);
  const { path, error } = pathForRequest();
  if (error) {
    $('editor-error').textContent = error;
    return;
  }
  state.path.events = path.events.map((e) => ({ ...e }));
  state.path.label = path.label ?? '';
  renderEditor();
  const button = $('analyse');
  button.disabled = true;
  setStatus(t('loading'));
  try {
    state.result = await api(`${modelPath(state.model)}/interventions`, { method: 'POST', body: { path, topK: 10, turningPoints: 3 } });
    for (const c of state.result.candidates) if (!state.knownCodes.has(c.code)) state.knownCodes.set(c.code, c.domain);
    renderCodeList();
    renderResult();
    setStatus('');
    $('results-h').focus();
  } catch (err) {
    setStatus('');
    showError('editor-error', err);
  } finally {
    button.disabled = false;
  }
}

// ---------- planner: results ----------
function renderResult() {
  const r = state.result;
  $('results').hidden = r === null;
  if (r === null) return;
  $('final-risk').textContent = t('finalRisk', { age: age(r.indexAgeDays), risk: pct(r.finalRisk) });
  const tpSet = new Map(r.turningPoints.map((tp, i) => [tp.step, i + 1]));
  const tpText = r.turningPoints.length
    ? r.turningPoints.map((tp) => t('chartTp', { step: tp.step + 1, code: tp.code, age: age(tp.ageDays), delta: pp(tp.deltaRisk) })).join('; ')
    : t('chartNoTps');
  const traj = r.trajectory;
  $('chart').replaceChildren(
    trajectoryChart({
      trajectory: traj,
      turningPoints: r.turningPoints,
      title: t('chartTitle'),
      desc: t('chartDesc', { n: traj.length, first: pct(traj[0]?.risk ?? 0), last: pct(r.finalRisk), tps: tpText }),
      fmtPct: pct,
      fmtAge: age,
      labels: { axisRisk: t('axisRisk'), axisAge: t('axisAge'), turningPoint: t('turningPoint') },
    }),
  );
  $('chart-table').replaceChildren(
    h(
      'table',
      { class: 'data compact' },
      h('caption', { class: 'visually-hidden' }, t('chartTitle')),
      h('thead', {}, h('tr', {}, ['colStep', 'colAge', 'colEvent', 'colRisk', 'colChange', 'turningPoint'].map((k) => h('th', { scope: 'col' }, t(k))))),
      h(
        'tbody',
        {},
        traj.map((s) =>
          h(
            'tr',
            { class: tpSet.has(s.step) ? 'tp-row' : undefined },
            h('td', { class: 'num' }, s.step + 1),
            h('td', {}, age(s.ageDays)),
            h('td', {}, `${relation(s.relation)}: ${s.domain} / ${s.code}`),
            h('td', { class: 'num' }, pct(s.risk)),
            h('td', { class: 'num' }, pp(s.deltaRisk)),
            h('td', {}, tpSet.has(s.step) ? `◆ ${tpSet.get(s.step)}` : ''),
          ),
        ),
      ),
    ),
  );
  renderCandidates(r);
}

function renderCandidates(r) {
  const box = $('candidates');
  if (r.candidates.length === 0) {
    box.replaceChildren(h('p', { class: 'help' }, t('noCandidates')));
    return;
  }
  const maxDrop = Math.max(...r.candidates.map((c) => c.riskDrop));
  const support = (s) =>
    s === null
      ? h('span', { class: 'muted' }, t('noSupport'))
      : t('supportText', { id: s.cohortPathId, persons: num(s.persons), received: groupStat(s.received), notReceived: groupStat(s.notReceived) });
  box.replaceChildren(
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'data', id: 'candidates-table' },
        h('caption', { class: 'visually-hidden' }, t('candidatesHeading')),
        h('thead', {}, h('tr', {}, ['colRank', 'colService', 'colRelation', 'colWhen', 'colBefore', 'colAfter', 'colDrop', 'colSupport'].map((k) => h('th', { scope: 'col' }, t(k))))),
        h(
          'tbody',
          {},
          r.candidates.map((c) =>
            h(
              'tr',
              {},
              h('td', { class: 'num' }, c.rank),
              h('td', {}, h('span', { lang: state.lang }, state.lang === 'fi' ? c.labelFi : c.label), h('br'), h('code', {}, c.code)),
              h('td', {}, relation(c.relation)),
              h('td', {}, t('positionAge', { position: c.position + 1, age: age(c.ageDays) })),
              h('td', { class: 'num' }, pct(r.finalRisk)),
              h('td', { class: 'num' }, pct(c.finalRisk)),
              h('td', { class: 'num drop' }, dropBar(c.riskDrop, maxDrop), ' ', pp(-c.riskDrop)),
              h('td', { class: 'support' }, support(c.support)),
            ),
          ),
        ),
      ),
    ),
  );
}

// ---------- auditor ----------
function renderModelTable() {
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
  const cols = ['colName', 'colVersion', 'colStatus', 'colKind', 'colCreated', 'colAliases', 'colDefault', 'colAction'];
  $('model-table').replaceChildren(
    rows.length === 0
      ? h('p', { class: 'help' }, t('noModels'))
      : h(
          'div',
          { class: 'scroll' },
          h('table', { class: 'data', id: 'models-table' }, h('thead', {}, h('tr', {}, cols.map((k) => h('th', { scope: 'col' }, t(k))))), h('tbody', {}, rows)),
        ),
  );
}

async function loadCard(name, version) {
  showError('auditor-error', null);
  try {
    const html = await api(`${modelPath(`${name}@${version}`)}/card?format=html`, { as: 'html' });
    state.card = { name, version, html };
    renderCard();
  } catch (err) {
    showError('auditor-error', err);
  }
}

function renderCard() {
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

async function loadAudit() {
  showError('auditor-error', null);
  try {
    const verify = await api('/v1/audit/verify');
    const afterSeq = Math.max(0, verify.lastSeq - AUDIT_PAGE);
    const log = await api(`/v1/audit?${new URLSearchParams({ afterSeq: String(afterSeq), limit: String(AUDIT_PAGE) })}`);
    state.audit = { verify, entries: log.entries.slice().reverse() };
  } catch (err) {
    showError('auditor-error', err);
  }
  renderAudit();
}

function renderAudit() {
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
  const cols = ['colSeq', 'colTime', 'colToken', 'colRole', 'colRequest', 'colModel', 'colStatusCode', 'colLatency'];
  $('audit-table').replaceChildren(
    h(
      'div',
      { class: 'scroll tall' },
      h(
        'table',
        { class: 'data compact', id: 'audit-entries' },
        h('caption', { class: 'visually-hidden' }, t('auditHeading')),
        h('thead', {}, h('tr', {}, cols.map((k) => h('th', { scope: 'col' }, t(k))))),
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

// ---------- wiring ----------
function wire() {
  $('lang').addEventListener('change', (e) => setLang(e.target.value));
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = $('token').value.trim();
    if (!token) {
      $('signin-error').textContent = t('emptyToken');
      $('token').focus();
      return;
    }
    void signIn(token);
  });
  $('sign-out').addEventListener('click', signOut);
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => void switchView(b.dataset.view));
  $('model').addEventListener('change', (e) => {
    state.model = e.target.value;
    state.result = null;
    state.cohort.limit = COHORT_PAGE;
    renderResult();
    void loadKnownCodes().then(loadCohort);
  });
  $('cohort-sort').addEventListener('change', (e) => {
    state.cohort.sort = e.target.value;
    state.cohort.limit = COHORT_PAGE;
    void loadCohort();
  });
  $('path-label').addEventListener('input', (e) => {
    state.path.label = e.target.value;
  });
  $('add-event').addEventListener('click', addEvent);
  $('clear-path').addEventListener('click', clearPath);
  $('editor').addEventListener('submit', (e) => {
    e.preventDefault();
    void analyse();
  });
  $('audit-refresh').addEventListener('click', () => void loadAudit());
  $('results-h').setAttribute('tabindex', '-1');
}

wire();
applyStaticText();
renderAll();
const saved = safeGet(sessionStorage, TOKEN_KEY);
if (saved) void signIn(saved, { quiet: true });
