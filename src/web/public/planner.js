// @ts-check
// The planner view: choose a model, browse its cohort paths, open one or compose a path in the editor, and read
// its risk trajectory (chart and table) and intervention candidates.
import {
  asCohortSort,
  asRelation,
  cohortPathsQuery,
  getCatalogue,
  getCohortPaths,
  interventionsRequest,
  LIMITS,
  PATH_RELATIONS,
  postInterventions,
} from './api.js';
import { dropBar, trajectoryChart } from './chart.js';
import {
  $,
  age,
  COHORT_PAGE,
  groupStat,
  h,
  headCells,
  hiddenTexts,
  num,
  pct,
  pp,
  rate,
  relation,
  renderFooter,
  rules,
  session,
  setStatus,
  showError,
  state,
  t,
  tParts,
} from './page.js';

/** @typedef {import('./api.js').CohortPath} CohortPath */
/** @typedef {import('./api.js').Path} Path */
/** @typedef {import('./api.js').PathEvent} PathEvent */
/** @typedef {import('./api.js').InterventionsResponse} InterventionsResponse */
/** @typedef {import('./api.js').CandidateSupport} CandidateSupport */
/** @typedef {import('./api.js').Estimator} Estimator */
/** @typedef {import('./i18n.js').MessageKey} MessageKey */

// ---------- model and cohort paths ----------
export function renderModelSelect() {
  const select = $('model', HTMLSelectElement);
  select.replaceChildren(
    ...state.models
      .filter((m) => m.versions.some((v) => v.status === 'ready'))
      .map((m) => h('option', { value: m.name, selected: m.name === state.model }, m.defaultVersion ? `${m.name} (${m.defaultVersion})` : m.name)),
  );
  if (state.models.length === 0) $('planner-error').textContent = t('noModels');
  renderSigningBadge();
}

/** A small badge beside the model picker: whether the served version's bundle is signed by a trusted key. */
function renderSigningBadge() {
  let badge = document.getElementById('model-signing');
  if (badge === null) {
    badge = h('span', { id: 'model-signing' });
    $('model', HTMLSelectElement).after(badge);
  }
  const m = state.models.find((x) => x.name === state.model);
  const v = m?.versions.find((x) => x.version === m.defaultVersion && x.status === 'ready');
  if (v === undefined || v.signed === null) {
    badge.className = '';
    badge.textContent = '';
    badge.removeAttribute('title');
    return;
  }
  badge.className = v.signed ? 'ok' : 'bad';
  badge.textContent = v.signed ? t('signedBadge') : t('unsignedBadge');
  badge.title = v.signed ? t('signedHelp', { keyId: v.signingKeyId ?? '' }) : t('unsignedHelp');
}

export async function loadCohort() {
  if (state.model === null) return;
  showError('planner-error', null);
  const c = state.cohort;
  try {
    const res = await getCohortPaths(state.model, cohortPathsQuery(c.sort, c.limit), session());
    Object.assign(c, { paths: res.paths, total: res.total, privacy: res.privacy });
    for (const p of res.paths) for (const e of p.representative.events) if (!state.knownCodes.has(e.code)) state.knownCodes.set(e.code, e.domain);
  } catch (err) {
    showError('planner-error', err);
  }
  renderCohort();
  renderCodeList();
  renderFooter();
}

/** @param {CohortPath} p */
function stepsSummary(p) {
  return h(
    'ul',
    { class: 'steps' },
    p.steps.map((s) => h('li', {}, h('span', { class: 'band' }, `${s.band}:`), ' ', s.groups.join(', '))),
  );
}

export function renderCohort() {
  const c = state.cohort;
  const r = rules();
  $('cohort-help').textContent = r === null ? '' : t('cohortHelp', { k: num(r.k), roundTo: num(r.roundTo), minCount: num(r.minCount), ...hiddenTexts() });
  $('cohort-sort', HTMLSelectElement).value = c.sort;
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
      h('td', { class: 'num' }, rate(p)),
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
        h('thead', {}, h('tr', {}, headCells(['colPath', 'colPersons', 'colOutcome', 'colMeanRisk', 'colAction']))),
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
  state.cohort.limit = Math.min(LIMITS.maxCohortPage, state.cohort.limit + COHORT_PAGE);
  await loadCohort();
}

/** @param {CohortPath} p */
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

// ---------- path editor ----------
/**
 * Suggestions for the code field: the services of the model's catalogue and the codes its vocabulary knows
 * (`GET /v1/models/:name/catalogue`; no counts, nothing about any person). A failure leaves the suggestions
 * from cohort paths and answers, so the editor still works.
 */
export async function loadKnownCodes() {
  state.knownCodes = new Map();
  if (state.model === null) return;
  try {
    const res = await getCatalogue(state.model, session());
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

export function renderEditor() {
  const p = state.path;
  $('path-label', HTMLInputElement).value = p.label ?? '';
  const rows = p.events.map((e, i) => {
    const n = i + 1;
    /** @param {MessageKey} key */
    const label = (key) => `${t('eventN', { n })}: ${t(key)}`;
    const code = h('input', {
      value: e.code,
      list: 'known-codes',
      'aria-label': label('colCode'),
      required: true,
      maxlength: LIMITS.codeMaxLength,
      class: 'code',
      autocomplete: 'off',
    });
    const domain = h('input', { value: e.domain, 'aria-label': label('colDomain'), required: true, maxlength: LIMITS.domainMaxLength, autocomplete: 'off' });
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
      { 'aria-label': label('colRelation') },
      PATH_RELATIONS.map((r) => h('option', { value: r, selected: (e.relation ?? 'self') === r }, relation(r))),
    );
    rel.addEventListener('change', () => {
      e.relation = asRelation(rel.value);
    });
    const ageInput = h('input', {
      type: 'number',
      step: 1,
      min: LIMITS.minAgeDays,
      max: LIMITS.maxAgeDays,
      value: e.ageDays,
      'aria-label': label('colAgeDays'),
      class: 'age',
    });
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
          h('thead', {}, h('tr', {}, headCells(['colService', 'colReceived', 'colNotReceived']))),
          h(
            'tbody',
            {},
            cp.followedBy.map((f) => h('tr', {}, h('td', {}, f.label), h('td', {}, groupStat(f.received)), h('td', {}, groupStat(f.notReceived)))),
          ),
        ),
      )
    : null;
  const origin = h('p', { class: 'origin' }, tParts('fromCohort', { id: cp.id, persons: num(cp.persons), rate: rate(cp) }));
  box.replaceChildren(...(followed === null ? [origin] : [origin, followed]));
}

/** The editor's code inputs, in row order. */
const codeInputs = () => [...$('events').querySelectorAll('input.code')].filter((x) => x instanceof HTMLInputElement);

function addEvent() {
  const last = state.path.events[state.path.events.length - 1];
  state.path.events.push({ code: '', domain: '', relation: 'self', ageDays: last ? last.ageDays + 30 : 0 });
  state.path.cohortPath = null;
  renderEditor();
  const inputs = codeInputs();
  inputs[inputs.length - 1]?.focus();
}

/** @param {number} i */
function removeEvent(i) {
  state.path.events.splice(i, 1);
  state.path.cohortPath = null;
  renderEditor();
  const codes = codeInputs();
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

/**
 * The editor's path as the API takes it, or an error message naming the first bad event.
 * @returns {{ path: Path, error?: undefined } | { path?: undefined, error: string }}
 */
function pathForRequest() {
  const p = state.path;
  /** @type {PathEvent[]} */
  const events = p.events.map((e) => ({
    code: String(e.code ?? '').trim(),
    domain: String(e.domain ?? '').trim(),
    relation: e.relation ?? 'self',
    ageDays: e.ageDays,
    ...(e.immutable === undefined ? {} : { immutable: e.immutable }),
  }));
  if (events.length === 0) return { error: t('addEvent') };
  if (events.length > LIMITS.maxPathEvents) return { error: t('tooManyEvents', { n: num(LIMITS.maxPathEvents) }) };
  for (const [i, e] of events.entries()) {
    if (e.code === '') return { error: `${t('eventN', { n: i + 1 })}: ${t('colCode')}` };
    if (e.domain === '') return { error: `${t('eventN', { n: i + 1 })}: ${t('colDomain')}` };
    if (!Number.isInteger(e.ageDays)) return { error: `${t('eventN', { n: i + 1 })}: ${t('colAgeDays')}` };
  }
  // Events go in time order (the API requires it); a stable sort keeps same-day events as entered.
  events.sort((a, b) => a.ageDays - b.ageDays);
  const last = events[events.length - 1]?.ageDays ?? 0;
  /** @type {Path} */
  const path = { events };
  const label = $('path-label', HTMLInputElement).value.trim();
  if (label) path.label = label;
  if (p.sex) path.sex = p.sex;
  if (p.indexAgeDays !== undefined && Number.isInteger(p.indexAgeDays) && p.indexAgeDays >= last) path.indexAgeDays = p.indexAgeDays;
  return { path };
}

async function analyse() {
  showError('editor-error', null);
  const { path, error } = pathForRequest();
  if (error !== undefined) {
    $('editor-error').textContent = error;
    return;
  }
  if (state.model === null) {
    $('editor-error').textContent = t('noModels');
    return;
  }
  state.path.events = path.events.map((e) => ({ ...e }));
  state.path.label = path.label ?? '';
  renderEditor();
  const button = $('analyse', HTMLButtonElement);
  button.disabled = true;
  setStatus(t('loading'));
  try {
    const result = await postInterventions(state.model, interventionsRequest(path), session());
    state.result = result;
    for (const c of result.candidates) if (!state.knownCodes.has(c.code)) state.knownCodes.set(c.code, c.domain);
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

// ---------- results ----------
export function renderResult() {
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
      h('thead', {}, h('tr', {}, headCells(['colStep', 'colAge', 'colEvent', 'colRisk', 'colChange', 'turningPoint']))),
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

/**
 * How the estimates were made: adjusted (with the intervals' level) or a warning that they are unadjusted.
 * @param {Estimator} e
 */
function estimatorNote(e) {
  const c = e.truthCheck;
  /** @param {number | null} x */
  const fig = (x) => (x === null ? '–' : new Intl.NumberFormat(state.lang, { maximumFractionDigits: 2 }).format(x));
  const check = h(
    'p',
    { class: 'help', id: 'truth-check' },
    c === null
      ? t('truthCheckNone')
      : t('truthCheck', {
          children: num(c.children),
          top3: fig(c.top3HitRate.estimate),
          spearman: fig(c.meanSpearman.estimate),
          regret: c.meanRegretShare.estimate === null ? '–' : pct(c.meanRegretShare.estimate),
          coverage: c.intervalCoverage === null ? '–' : pct(c.intervalCoverage),
        }),
  );
  if (!e.adjusted) return h('div', {}, h('p', { class: 'warning', id: 'estimator-note', role: 'note' }, t('estimatorUnadjusted')), check);
  const intervals = e.intervals === null ? t('estimatorNoIntervals') : t('estimatorIntervals', { level: pct(e.intervals.level), replicates: num(e.intervals.replicates) });
  return h('div', {}, h('p', { class: 'help', id: 'estimator-note' }, `${t('estimatorAdjusted', { adjustment: e.adjustment })} ${intervals}`), check);
}

/** @param {InterventionsResponse} r */
function renderCandidates(r) {
  const box = $('candidates');
  const est = estimatorNote(r.estimator);
  if (r.candidates.length === 0) {
    box.replaceChildren(est, h('p', { class: 'help' }, t('noCandidates')));
    return;
  }
  const maxDrop = Math.max(...r.candidates.map((c) => c.riskDrop));
  /** @param {CandidateSupport | null} s */
  const support = (s) =>
    s === null
      ? h('span', { class: 'muted' }, t('noSupport'))
      : tParts('supportText', { id: s.cohortPathId, persons: num(s.persons), received: groupStat(s.received), notReceived: groupStat(s.notReceived) });
  box.replaceChildren(
    est,
    h(
      'div',
      { class: 'scroll' },
      h(
        'table',
        { class: 'data', id: 'candidates-table' },
        h('caption', { class: 'visually-hidden' }, t('candidatesHeading')),
        h('thead', {}, h('tr', {}, headCells(['colRank', 'colService', 'colRelation', 'colWhen', 'colBefore', 'colAfter', 'colDrop', 'colSupport']))),
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
              h(
                'td',
                {},
                t('positionAge', { position: c.position + 1, age: age(c.ageDays) }),
                c.seldomGiven === true ? h('span', { class: 'seldom' }, h('br'), t('seldomGiven')) : '',
              ),
              h('td', { class: 'num' }, pct(r.finalRisk)),
              h('td', { class: 'num' }, pct(c.finalRisk)),
              h(
                'td',
                { class: 'num drop' },
                dropBar(c.riskDrop, maxDrop),
                ' ',
                pp(-c.riskDrop),
                c.riskDropInterval === null
                  ? ''
                  : h('span', { class: 'interval' }, ' (', t('dropInterval', { from: pp(-c.riskDropInterval.upper), to: pp(-c.riskDropInterval.lower) }), ')'),
              ),
              h('td', { class: 'support' }, support(c.support)),
            ),
          ),
        ),
      ),
    ),
  );
}

// ---------- wiring ----------
/** Listens to the planner view's controls. */
export function wirePlanner() {
  const model = $('model', HTMLSelectElement);
  model.addEventListener('change', () => {
    state.model = model.value;
    state.result = null;
    renderSigningBadge();
    // The rules come with the new model's cohort paths; until then, those its description names.
    Object.assign(state.cohort, { limit: COHORT_PAGE, privacy: null });
    renderResult();
    renderFooter();
    void loadKnownCodes().then(loadCohort);
  });
  const sort = $('cohort-sort', HTMLSelectElement);
  sort.addEventListener('change', () => {
    state.cohort.sort = asCohortSort(sort.value);
    state.cohort.limit = COHORT_PAGE;
    void loadCohort();
  });
  const label = $('path-label', HTMLInputElement);
  label.maxLength = LIMITS.labelMaxLength;
  label.addEventListener('input', () => {
    state.path.label = label.value;
  });
  $('add-event').addEventListener('click', addEvent);
  $('clear-path').addEventListener('click', clearPath);
  $('editor').addEventListener('submit', (e) => {
    e.preventDefault();
    void analyse();
  });
  $('results-h').setAttribute('tabindex', '-1');
}
