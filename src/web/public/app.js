// @ts-check
// The planners' and auditors' page: sign in with a bearer token, then browse cohort paths, score a path and
// read its intervention candidates (planner.js), or read model cards and the audit log (auditor.js).
// This entry holds sign-in, the language switch and the switch between the views, and wires them up.
// Plain ES modules, no build step, type-checked with `npm run typecheck:web`; every text from the API is set as
// text, never parsed as HTML. The API's endpoints, shapes and limits live in api.js.
import { ApiError, getModels, getWhoami } from './api.js';
import { loadAudit, renderAudit, renderCard, renderModelTable, wireAuditor } from './auditor.js';
import { LANGS, translate } from './i18n.js';
import { $, keyOf, LANG_KEY, renderFooter, safeGet, session, setStatus, showError, state, t, TOKEN_KEY } from './page.js';
import { loadCohort, loadKnownCodes, renderCohort, renderEditor, renderModelSelect, renderResult, wirePlanner } from './planner.js';

// ---------- language ----------
function applyStaticText() {
  document.documentElement.lang = state.lang;
  document.title = `servicepath – ${t('tagline')}`;
  // The keys the HTML names (tests/e2e/i18n.test.ts checks that each exists).
  for (const node of document.querySelectorAll('[data-i18n]')) {
    if (node instanceof HTMLElement) node.textContent = translate(state.lang, node.dataset.i18n ?? '');
  }
  for (const node of document.querySelectorAll('[data-i18n-aria]')) {
    if (node instanceof HTMLElement) node.setAttribute('aria-label', translate(state.lang, node.dataset.i18nAria ?? ''));
  }
  $('lang', HTMLSelectElement).value = state.lang;
}

/** @param {string} lang */
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
/**
 * The caller's role from `GET /v1/whoami` (any valid token; 401 for an unknown one).
 * @param {string} token
 */
async function fetchRole(token) {
  const { role } = await getWhoami({ ...session(), token });
  return role;
}

/**
 * @param {string} token
 * @param {{ quiet?: boolean }} [options]
 */
async function signIn(token, { quiet = false } = {}) {
  const tokenInput = $('token', HTMLInputElement);
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
    tokenInput.value = '';
    state.view = role === 'planner' ? 'planner' : 'auditor';
    await enter();
  } catch (err) {
    try {
      sessionStorage.removeItem(TOKEN_KEY);
    } catch {}
    if (quiet) return;
    const refused = err instanceof ApiError && (err.status === 401 || err.status === 403);
    $('signin-error').textContent = refused ? t('wrongToken') : err instanceof Error ? err.message : String(err);
    tokenInput.setAttribute('aria-invalid', 'true');
    tokenInput.focus();
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
  const { models } = await getModels(session());
  state.models = models;
  const servable = models.filter((m) => m.versions.some((v) => v.status === 'ready'));
  state.model = servable[0]?.name ?? null;
  // The disclosure rules in force: the chosen model's (its description's until its cohort paths are loaded).
  state.cohort.privacy = null;
  renderAll();
  setStatus('');
  await loadKnownCodes();
  if (state.view === 'planner') await loadCohort();
  else await loadAudit();
  $('main').focus();
}

// ---------- view switching ----------
function renderShell() {
  const role = state.role;
  const signedIn = role !== null;
  $('signin').hidden = signedIn;
  $('sign-out').hidden = !signedIn;
  $('whoami').hidden = !signedIn;
  if (signedIn) $('whoami').textContent = t('signedInAs', { role: t(keyOf('role', role)) });
  const auditorish = role === 'auditor' || role === 'admin';
  $('tabs').hidden = !auditorish;
  $('planner').hidden = !signedIn || state.view !== 'planner';
  $('auditor').hidden = !signedIn || !auditorish || state.view !== 'auditor';
  for (const b of document.querySelectorAll('#tabs button')) {
    if (b instanceof HTMLElement) b.setAttribute('aria-pressed', String(b.dataset.view === state.view));
  }
}

/** @param {string | undefined} view */
async function switchView(view) {
  state.view = view === 'auditor' ? 'auditor' : 'planner';
  renderShell();
  if (state.view === 'planner' && state.cohort.paths.length === 0) await loadCohort();
  if (state.view === 'auditor' && state.audit === null) await loadAudit();
}

function renderAll() {
  renderShell();
  renderFooter();
  if (state.role === null) return;
  renderModelSelect();
  renderCohort();
  renderEditor();
  renderResult();
  renderModelTable();
  renderCard();
  renderAudit();
}

// ---------- wiring ----------
function wire() {
  const lang = $('lang', HTMLSelectElement);
  lang.addEventListener('change', () => setLang(lang.value));
  const tokenInput = $('token', HTMLInputElement);
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const token = tokenInput.value.trim();
    if (!token) {
      $('signin-error').textContent = t('emptyToken');
      tokenInput.focus();
      return;
    }
    void signIn(token);
  });
  $('sign-out').addEventListener('click', signOut);
  for (const b of document.querySelectorAll('#tabs button')) {
    if (b instanceof HTMLElement) b.addEventListener('click', () => void switchView(b.dataset.view));
  }
  wirePlanner();
  wireAuditor();
}

wire();
applyStaticText();
renderAll();
const saved = safeGet(sessionStorage, TOKEN_KEY);
if (saved) void signIn(saved, { quiet: true });
