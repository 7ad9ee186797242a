// @ts-check
// What the page's views share: the page state, the DOM helpers, text in the chosen language, number and age
// formatting, and the status and error lines. Imported by app.js, planner.js and auditor.js.
import { ApiError, PAGE_SIZES } from './api.js';
import { initialLang, translate } from './i18n.js';

/** @typedef {import('./api.js').Role} Role */
/** @typedef {import('./api.js').ModelSummary} ModelSummary */
/** @typedef {import('./api.js').CohortSort} CohortSort */
/** @typedef {import('./api.js').CohortPath} CohortPath */
/** @typedef {import('./api.js').DisclosureRules} DisclosureRules */
/** @typedef {import('./api.js').OutcomeCell} OutcomeCell */
/** @typedef {import('./api.js').OutcomeSuppression} OutcomeSuppression */
/** @typedef {import('./api.js').GroupSuppression} GroupSuppression */
/** @typedef {import('./api.js').PathEvent} PathEvent */
/** @typedef {import('./api.js').Sex} Sex */
/** @typedef {import('./api.js').InterventionsResponse} InterventionsResponse */
/** @typedef {import('./api.js').AuditEntry} AuditEntry */
/** @typedef {import('./api.js').AuditVerifyResponse} AuditVerifyResponse */
/** @typedef {import('./api.js').GroupStat} GroupStat */
/** @typedef {import('./api.js').Relation} Relation */
/** @typedef {import('./api.js').Session} Session */
/** @typedef {import('./i18n.js').MessageKey} MessageKey */

export const TOKEN_KEY = 'servicepath.token';
export const LANG_KEY = 'servicepath.lang';
/** Cohort paths per "Show more", and audit entries shown. */
export const COHORT_PAGE = PAGE_SIZES.cohortPaths;
export const AUDIT_PAGE = PAGE_SIZES.audit;

/**
 * The path in the editor; cohortPath is set when it was opened from one.
 * @typedef {object} EditorPath
 * @property {string} label
 * @property {PathEvent[]} events
 * @property {Sex} [sex]
 * @property {number} [indexAgeDays]
 * @property {CohortPath | null} cohortPath
 */

/**
 * @typedef {object} PageState
 * @property {string} lang
 * @property {string | null} token
 * @property {Role | null} role
 * @property {'planner' | 'auditor'} view
 * @property {ModelSummary[]} models
 * @property {string | null} model  the chosen model's name
 * @property {{ sort: CohortSort, limit: number, paths: CohortPath[], total: number, privacy: DisclosureRules | null }} cohort  privacy: the rules the
 *   loaded cohort paths came with (null until loaded)
 * @property {EditorPath} path
 * @property {Map<string, string>} knownCodes  code -> domain for the editor's suggestions: the model's catalogue route, then cohort paths and answers
 * @property {InterventionsResponse | null} result
 * @property {{ name: string, version: string, html: string } | null} card
 * @property {{ verify: AuditVerifyResponse, entries: AuditEntry[] } | null} audit
 */

/**
 * @param {Storage} storage
 * @param {string} key
 */
export function safeGet(storage, key) {
  try {
    return storage.getItem(key);
  } catch {
    return null;
  }
}

/** @type {PageState} */
export const state = {
  lang: initialLang(safeGet(localStorage, LANG_KEY), navigator.language),
  token: null,
  role: null,
  view: 'planner',
  models: [],
  model: null,
  cohort: { sort: 'persons', limit: COHORT_PAGE, paths: [], total: 0, privacy: null },
  path: { label: '', events: [], sex: undefined, indexAgeDays: undefined, cohortPath: null },
  knownCodes: new Map(),
  result: null,
  card: null,
  audit: null,
};

/**
 * The element with this id, checked to be of the given kind (HTMLElement unless named).
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @param {{ new (): T, prototype: T }} [kind]
 * @returns {T}
 */
export function $(id, kind) {
  const node = document.getElementById(id);
  if (!(node instanceof (kind ?? HTMLElement))) throw new Error(`the page has no #${id}`);
  return /** @type {T} */ (node);
}

/**
 * Text in the page's language.
 * @param {MessageKey} key
 * @param {Record<string, unknown>} [params]
 */
export const t = (key, params) => translate(state.lang, key, params);

/** The API session of the signed-in token. */
export function session() {
  return { token: state.token, networkMessage: t('networkError') };
}

/** @typedef {Node | string | number | null | undefined} Child */
/** @typedef {string | number | boolean | null | undefined | ((event: Event) => void)} Attr */

/**
 * Creates an element: h('td', { class: 'x', onclick: fn }, 'text', child).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, Attr>} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') {
      if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    } else if (k === 'class') node.className = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

// ---------- formatting ----------
/** @param {number} r */
export const pct = (r) => new Intl.NumberFormat(state.lang, { style: 'percent', maximumFractionDigits: 1 }).format(r);
/** @param {number} n */
export const num = (n) => new Intl.NumberFormat(state.lang).format(n);
/** @param {number} d a risk difference, shown in percentage points */
export const pp = (d) => t('pp', { v: new Intl.NumberFormat(state.lang, { maximumFractionDigits: 1, signDisplay: 'exceptZero' }).format(d * 100) });

/** @param {number} days */
export function age(days) {
  if (days < 0) return t('beforeBirth', { d: num(-days) });
  if (days < 61) return t('days', { d: num(days) });
  const y = Math.floor(days / 365.25);
  const m = Math.floor((days - y * 365.25) / 30.44);
  return y === 0 ? t('months', { m }) : t('yearsMonths', { y, m });
}

/**
 * A prefix and a word capitalised: keyOf('rel', 'self') is relSelf. Typed as such, so a relation or role without
 * its text fails the type check.
 * @template {string} P
 * @template {string} W
 * @param {P} prefix
 * @param {W} word
 */
export const keyOf = (prefix, word) => /** @type {`${P}${Capitalize<W>}`} */ (`${prefix}${word.charAt(0).toUpperCase()}${word.slice(1)}`);

/**
 * The header cells of a table, one per column's text.
 * @param {MessageKey[]} keys
 */
export const headCells = (keys) => keys.map((k) => h('th', { scope: 'col' }, t(k)));

/** @param {Relation} r */
export const relation = (r) => t(keyOf('rel', r));

/**
 * Text in the page's language with nodes (or text) in place of its placeholders, for sentences that hold a hidden
 * value with its explanation.
 * @param {MessageKey} key
 * @param {Record<string, Node | string | number>} params
 * @returns {(Node | string)[]}
 */
export function tParts(key, params) {
  return translate(state.lang, key)
    .split(/(\{\w+\})/)
    .filter((part) => part !== '')
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1];
      const value = name === undefined ? undefined : params[name];
      return value === undefined ? part : value instanceof Node ? value : String(value);
    });
}

// ---------- hidden values (the disclosure rules in force) ----------
/**
 * The disclosure rules in force for the chosen model: those its loaded cohort paths came with, else those of the
 * version its name serves (GET /v1/models); null before either is known.
 * @returns {DisclosureRules | null}
 */
export function rules() {
  if (state.cohort.privacy !== null) return state.cohort.privacy;
  const m = state.models.find((x) => x.name === state.model);
  return m?.versions.find((v) => v.version === m.defaultVersion)?.privacy ?? null;
}

/** "<n" for a count under n; "<?" when the rules are not known yet (never a guessed number). */
const under = (/** @type {number | undefined} */ n) => t('valueUnder', { n: n === undefined ? '?' : num(n) });

/**
 * What each kind of hidden rate, and of suppressed group, shows in the rules in force, and why (its tooltip).
 * @type {Record<OutcomeSuppression, { text: (r: DisclosureRules | null) => string, why: MessageKey }>}
 */
const HIDDEN_RATE = {
  numerator: { text: (r) => under(r?.minCount), why: 'whyNumerator' },
  complement: { text: (r) => t('valueAllBut', { under: under(r?.minCount) }), why: 'whyComplement' },
  secondary: { text: () => t('valueHidden'), why: 'whySecondary' },
};
/** @type {Record<GroupSuppression, { text: (r: DisclosureRules | null) => string, why: MessageKey }>} */
const HIDDEN_GROUP = {
  group: { text: (r) => under(r?.k), why: 'whyGroup' },
  secondary: { text: () => t('valueHidden'), why: 'whyGroupSecondary' },
};

/**
 * A hidden value: its short text with the reason as its expansion (tooltip).
 * @param {{ text: (r: DisclosureRules | null) => string, why: MessageKey }} kind
 */
function hiddenValue(kind) {
  const r = rules();
  const params = { k: r === null ? '?' : num(r.k), minCount: r === null ? '?' : num(r.minCount) };
  return h('abbr', { class: 'hidden-value', title: t(kind.why, params) }, kind.text(r));
}

/** The short texts of the hidden values, for the help line: <k, <minCount, all but <minCount, hidden. */
export function hiddenTexts() {
  const r = rules();
  return {
    suppressed: HIDDEN_GROUP.group.text(r),
    under: HIDDEN_RATE.numerator.text(r),
    allBut: HIDDEN_RATE.complement.text(r),
    hidden: HIDDEN_RATE.secondary.text(r),
  };
}

/**
 * An outcome rate as a percentage, or its hidden form: "<minCount" (too few with the outcome), "all but
 * <minCount" (too few without), "hidden" (to protect another hidden value; also when the reason is not given).
 * @param {OutcomeCell} cell
 * @returns {Node | string}
 */
export const rate = (cell) => (cell.outcomeRate === null ? hiddenValue(HIDDEN_RATE[cell.outcomeSuppressed ?? 'secondary']) : pct(cell.outcomeRate));

/**
 * A group's size and rate, or "<k" when it is suppressed as (or beside) a group under k, "hidden" when suppressed
 * to protect another group.
 * @param {GroupStat} g
 * @returns {Node}
 */
export const groupStat = (g) =>
  'suppressed' in g ? hiddenValue(HIDDEN_GROUP[g.reason ?? 'group']) : h('span', {}, tParts('groupStat', { persons: num(g.persons), rate: rate(g) }));

/** The footer's line: the disclosure rules in force for the chosen model (empty when none is known). */
export function renderFooter() {
  const r = state.role === null ? null : rules();
  $('footer-rules').textContent = r === null ? '' : t('footerRules', { k: num(r.k), minCount: num(r.minCount), roundTo: num(r.roundTo) });
}

// ---------- status and errors ----------
/**
 * Shows an error (with the service's code) in an error line, or empties it.
 * @param {string} id
 * @param {unknown} err
 */
export function showError(id, err) {
  const box = $(id);
  if (!err) {
    box.textContent = '';
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  box.textContent = err instanceof ApiError && err.code !== 'NETWORK' ? `${message} [${err.code}]` : message;
}

/** @param {string} text */
export function setStatus(text) {
  $('status').textContent = text;
}
