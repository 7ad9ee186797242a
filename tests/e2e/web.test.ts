// The web page in a real browser (Debian's Chromium via playwright-core) against the real service: a planner
// opens a cohort path and reads its risk chart and candidates, an auditor reads the card and the audit log,
// a wrong token is refused, and the page speaks Finnish. Screenshots go to test-artifacts/e2e/.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, buildWorld, launchBrowser, MODEL_NAME, REPO, UNADJUSTED_MODEL, type World } from './world.js';

let world: World;
let browser: Browser;
let context: BrowserContext | null = null;
/** Problems the page reported: console errors (CSP violations included) and requests leaving 127.0.0.1. */
let problems: string[] = [];

beforeAll(async () => {
  world = await buildWorld();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

afterEach(async () => {
  await context?.close();
  context = null;
});

async function openPage(locale = 'en-GB'): Promise<Page> {
  context = await browser.newContext({ locale, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', ''].includes(u.hostname) && !['data:', 'about:', 'blob:'].includes(u.protocol)) problems.push(`external request: ${r.url()}`);
  });
  await page.goto(world.url);
  return page;
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.getByLabel(/Access token|Käyttöavain/).fill(token);
  await page.getByLabel(/Access token|Käyttöavain/).press('Enter');
}

/** Numbers in a column, read back from the page's formatted cells ("12.5%" -> 12.5). */
async function columnNumbers(page: Page, table: string, col: number): Promise<number[]> {
  const cells = await page.locator(`${table} tbody tr td:nth-child(${col})`).allTextContents();
  return cells.map((c) => Number(c.replace(/[^\d.,-]/g, '').replace(',', '.')));
}

describe('web page', () => {
  it('refuses a wrong token with a visible, accessible error and shows nothing behind it', async () => {
    const page = await openPage();
    await signIn(page, 'sp_this-is-not-a-valid-token');
    const alert = page.getByRole('alert').filter({ hasText: 'The token was not accepted' });
    await alert.waitFor();
    expect(await alert.isVisible()).toBe(true);
    expect(await page.getByLabel('Access token').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#planner').isHidden()).toBe(true);
    expect(await page.locator('#auditor').isHidden()).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'wrong-token.png') });
    expect(problems).toEqual([]);
  });

  it("labels an unadjusted bundle's candidates as unadjusted associations, in English and Finnish", async () => {
    const page = await openPage();
    await signIn(page, world.tokens.planner);
    await page.locator('#cohort-table tbody tr').first().waitFor();
    await page.locator('#model').selectOption(UNADJUSTED_MODEL);
    await page.locator('#cohort-table tbody tr').first().getByRole('button', { name: /^Open path/ }).click();
    const note = page.locator('#estimator-note');
    await note.waitFor();
    expect(await note.getAttribute('class')).toBe('warning');
    expect(await note.textContent()).toMatch(/^Unadjusted associations: this model was trained without any adjustment/);
    expect(await page.locator('#candidates-table tbody td.drop .interval').count()).toBe(0);
    await page.getByLabel('Language').selectOption('fi');
    await expect.poll(async () => (await page.locator('#estimator-note').textContent()) ?? '').toMatch(/^Vakioimattomia yhteyksiä/);
    expect(problems).toEqual([]);
  });

  it('lets a planner open a cohort path and read its risk chart, turning points and candidates', async () => {
    const page = await openPage();
    const apiCalls: string[] = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/v1/')) apiCalls.push(u.pathname);
    });
    await signIn(page, world.tokens.planner);
    await page.locator('#cohort-table tbody tr').first().waitFor();
    expect(await page.locator('#whoami').textContent()).toContain('planner');
    // The role comes from /v1/whoami: no probing of auditor routes.
    expect(apiCalls).toContain('/v1/whoami');
    expect(apiCalls).not.toContain('/v1/audit/verify');
    // The editor suggests the catalogue's services and the codes the model knows (GET .../catalogue).
    const served = (await (
      await fetch(`${world.url}/v1/models/${MODEL_NAME}/catalogue`, { headers: { authorization: `Bearer ${world.tokens.planner}` } })
    ).json()) as { catalogue: { services: { code: string }[] }; knownCodes: { code: string }[] };
    expect(served.knownCodes.length).toBeGreaterThan(0);
    const suggested = new Set(await page.locator('#known-codes option').evaluateAll((os) => os.map((o) => o.getAttribute('value') ?? '')));
    for (const s of served.catalogue.services) expect(suggested.has(s.code), s.code).toBe(true);
    for (const c of served.knownCodes) expect(suggested.has(c.code), c.code).toBe(true);
    // Planners get no auditor view.
    expect(await page.locator('#tabs').isHidden()).toBe(true);
    expect(await page.locator('#model').inputValue()).toBe(MODEL_NAME);

    // Largest first, then longest first, then riskiest first; open the riskiest.
    const sizes = await columnNumbers(page, '#cohort-table', 2);
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(10);
    await page.getByLabel('Order').selectOption('steps');
    await expect.poll(async () => {
      const bands = await page.locator('#cohort-table tbody tr').evaluateAll((rows) => rows.map((r) => r.querySelectorAll('ul.steps li').length));
      return bands.length > 1 && bands[0]! > 1 && bands.every((b, i) => i === 0 || b <= bands[i - 1]!);
    }).toBe(true);
    await page.getByLabel('Order').selectOption('meanPredictedRisk');
    await expect.poll(async () => {
      const risks = await columnNumbers(page, '#cohort-table', 4);
      return risks.length > 1 && risks[0]! > risks[risks.length - 1]! && risks.every((r, i) => i === 0 || r <= risks[i - 1]!);
    }).toBe(true);
    await page.locator('#cohort-table tbody tr').first().getByRole('button', { name: /^Open path/ }).click();
    const chart = page.getByRole('img', { name: 'Predicted risk after each event' });
    await chart.waitFor();
    const desc = await page.locator('svg.chart desc').textContent();
    expect(desc).toMatch(/Turning points: event \d+/);
    const markers = await page.locator('svg.chart .turning-point').count();
    expect(markers).toBeGreaterThanOrEqual(1);
    const eventsInEditor = await page.locator('#events tr').count();
    expect(await page.locator('svg.chart .points circle').count()).toBe(eventsInEditor);
    // The data-table alternative marks the same turning points.
    await page.getByText('Show the data as a table').click();
    expect(await page.locator('#chart-table tr.tp-row').count()).toBe(markers);

    const candidates = page.locator('#candidates-table tbody tr');
    expect(await candidates.count()).toBeGreaterThan(0);
    const headers = await page.locator('#candidates-table thead th').allTextContents();
    expect(headers).toEqual(expect.arrayContaining(['Service', 'Risk before', 'Risk after', 'Cohort-path support']));
    const before = await columnNumbers(page, '#candidates-table', 5);
    const after = await columnNumbers(page, '#candidates-table', 6);
    expect(after.every((a, i) => a <= before[i]!)).toBe(true);
    expect(await page.locator('#caveat').textContent()).toMatch(/associations .* not proven effects/);
    // The default (treatment-aware) bundle: adjusted, every drop with its 90% interval.
    const note = page.locator('#estimator-note');
    expect(await note.getAttribute('class')).toBe('help');
    expect(await note.textContent()).toMatch(/^Estimates adjusted for who gets which service \(treatment\)\. Each drop shows its 90% interval \(50 bootstrap/);
    expect(await page.locator('#candidates-table tbody td.drop .interval').count()).toBe(await candidates.count());
    // Trained without --truth: the page says the estimates were not checked against known effects.
    expect(await page.locator('#truth-check').textContent()).toBe('Not checked against known effects (only generated populations have them).');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'planner-full.png'), fullPage: true });
    await page.locator('#results').screenshot({ path: join(ARTIFACTS, 'planner.png') });
    if (process.env.SERVICEPATH_UPDATE_SCREENSHOTS === '1') copyFileSync(join(ARTIFACTS, 'planner.png'), join(REPO, 'docs', 'img', 'planner.png'));
    expect(problems).toEqual([]);
  });

  it('shows suppressed cohort groups as <k and hidden rates as <minCount, never their numbers, and the rules in force', async () => {
    const page = await openPage();
    await signIn(page, world.tokens.planner);
    await page.locator('#cohort-table tbody tr').first().waitFor();
    // The same page of cohort paths, through the API the page uses.
    type Stat = { suppressed?: true; reason?: string; persons?: number; outcomeRate?: number | null; outcomeSuppressed?: string };
    const res = await page.evaluate(async (token) => {
      const r = await fetch('/v1/models/cw-demo/cohort-paths?limit=20', { headers: { authorization: `Bearer ${token}` } });
      return (await r.json()) as {
        privacy: { k: number; minCount: number; roundTo: number };
        paths: { id: string; outcomeRate: number | null; outcomeSuppressed?: string; followedBy: { received: Stat; notReceived: Stat }[] }[];
      };
    }, world.tokens.planner);
    const { k, minCount, roundTo } = res.privacy;
    expect(await page.locator('#footer-rules').textContent()).toBe(
      `Groups under ${k} children are not shown; outcome counts under ${minCount} show as <${minCount}; counts are rounded to ${roundTo}.`,
    );
    // Every row's observed outcome rate: a percentage, or the hidden form the API's reason calls for.
    const hiddenText = (why: string | undefined) => (why === 'numerator' ? `<${minCount}` : why === 'complement' ? `all but <${minCount}` : 'hidden');
    const shown = await page.locator('#cohort-table tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-cohort-id'), r.querySelector('td:nth-child(3)')?.textContent ?? '']));
    expect(shown.map(([id]) => id)).toEqual(res.paths.map((p) => p.id));
    for (const [i, p] of res.paths.entries()) {
      const text = shown[i]![1];
      if (p.outcomeRate === null) expect(text, p.id).toBe(hiddenText(p.outcomeSuppressed));
      else expect(text, p.id).toMatch(/^\d+(\.\d)?%$/);
    }
    // A followed-by group suppressed under k shows as <k.
    const index = res.paths.findIndex((p) => p.followedBy.some((f) => f.received.suppressed === true && f.received.reason !== 'secondary'));
    expect(index).toBeGreaterThanOrEqual(0);
    await page.locator(`#cohort-table tbody tr[data-cohort-id="${res.paths[index]!.id}"]`).getByRole('button').click();
    await page.getByText('What followed in this cohort path').click();
    expect(await page.locator('#followed-table').textContent()).toContain(`<${k}`);
    // Each side as the API sends it: its size and rate, or the hidden forms.
    const cells = await page.locator('#followed-table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent ?? '')));
    const sideText = (g: Stat) =>
      g.suppressed === true ? (g.reason === 'secondary' ? 'hidden' : `<${k}`) : g.outcomeRate === null ? `${g.persons!.toLocaleString('en')} children, ${hiddenText(g.outcomeSuppressed)}` : null;
    for (const [j, f] of res.paths[index]!.followedBy.entries()) {
      for (const [side, g] of [f.received, f.notReceived].entries()) {
        const want = sideText(g);
        if (want === null) expect(cells[j]![side]).toMatch(new RegExp(`^${g.persons!.toLocaleString('en')} children, \\d+(\\.\\d)?%$`));
        else expect(cells[j]![side]).toBe(want);
      }
    }
    expect(problems).toEqual([]);
  });

  it('lets a planner compose a path from codes with the keyboard and score it', async () => {
    const page = await openPage();
    await signIn(page, world.tokens.planner);
    await page.locator('#cohort-table tbody tr').first().waitFor();
    await page.getByRole('button', { name: 'Clear' }).click();
    // A known code fills its domain; Enter in a field submits the form.
    const known = await page.locator('#known-codes option').first().getAttribute('value');
    expect(known).toMatch(/\S/);
    await page.getByRole('button', { name: 'Add event' }).click();
    await page.keyboard.type(known!);
    expect(await page.getByLabel('Event 1: Domain').inputValue()).not.toBe('');
    await page.getByLabel('Event 1: Age (days)').fill('100');
    await page.getByRole('button', { name: 'Add event' }).click();
    await page.getByLabel('Event 2: Service code').fill('MY_OWN_CODE');
    await page.getByLabel('Event 2: Domain').fill('social_work');
    await page.getByLabel('Event 2: Whose event').selectOption('mother');
    await page.getByLabel('Event 2: Age (days)').fill('400');
    await page.getByLabel('Event 2: Age (days)').press('Enter');
    await page.getByRole('img', { name: 'Predicted risk after each event' }).waitFor();
    expect(await page.locator('svg.chart .points circle').count()).toBe(2);
    expect(await page.locator('#chart-table tbody tr').count()).toBe(2);
    expect(problems).toEqual([]);
  });

  it('lets an auditor read the models, the model card and the verified audit log', async () => {
    const page = await openPage();
    await signIn(page, world.tokens.auditor);
    await page.locator('#audit-entries tbody tr').first().waitFor();
    expect(await page.locator('#whoami').textContent()).toContain('auditor');
    const verify = page.locator('#audit-verify');
    expect(await verify.getAttribute('data-ok')).toBe('true');
    expect(await verify.textContent()).toMatch(/Chain verified: \d+ entries, intact/);
    // The log holds this session's own requests (the sign-in's /v1/whoami among them), tokens by id only.
    const log = await page.locator('#audit-entries').textContent();
    expect(log).toContain('GET /v1/models');
    expect(log).toContain('auditor-e2e');
    expect(log).not.toContain(world.tokens.auditor);

    const row = page.locator(`#models-table tr[data-model^="${MODEL_NAME}@"]`);
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain('ready');
    expect(await row.textContent()).toContain('logreg');
    await row.getByRole('button', { name: /^Show the model card of/ }).click();
    const frame = page.frameLocator('#card-frame');
    await frame.locator('h1').waitFor();
    expect(await frame.locator('h1').textContent()).toContain(`Model card: ${MODEL_NAME}`);
    expect(await frame.locator('figure svg[role="img"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#card-frame').getAttribute('sandbox')).toBe('');

    // A viewport shot: full-page shots leave the sandboxed (out-of-process) card frame blank.
    await page.setViewportSize({ width: 1200, height: 1300 });
    await page.screenshot({ path: join(ARTIFACTS, 'auditor.png') });
    if (process.env.SERVICEPATH_UPDATE_SCREENSHOTS === '1') copyFileSync(join(ARTIFACTS, 'auditor.png'), join(REPO, 'docs', 'img', 'auditor.png'));
    // Auditors may also use the planner view.
    await page.getByRole('button', { name: 'Planner' }).click();
    await page.locator('#cohort-table tbody tr').first().waitFor();
    expect(await page.locator('#auditor').isHidden()).toBe(true);
    expect(problems).toEqual([]);
  });

  it('speaks Finnish: from the browser language, by the switch, and remembers the choice', async () => {
    const fiPage = await openPage('fi-FI');
    expect(await fiPage.locator('html').getAttribute('lang')).toBe('fi');
    expect(await fiPage.getByLabel('Käyttöavain').count()).toBe(1);
    await context!.close();

    const page = await openPage('en-GB');
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(1);
    await page.getByLabel('Language').selectOption('fi');
    expect(await page.locator('html').getAttribute('lang')).toBe('fi');
    await signIn(page, world.tokens.planner);
    await page.getByRole('heading', { name: 'Kohorttipolut' }).waitFor();
    expect(await page.getByLabel('Järjestys').count()).toBe(1);
    await page.locator('#cohort-table tbody tr').first().getByRole('button', { name: /^Avaa polku/ }).click();
    await page.getByRole('img', { name: 'Ennustettu riski kunkin tapahtuman jälkeen' }).waitFor();
    expect(await page.locator('#caveat').textContent()).toContain('eivät todistettuja');
    expect(await page.locator('#candidates-table thead').textContent()).toContain('Riski jälkeen');
    await page.screenshot({ path: join(ARTIFACTS, 'planner-fi.png'), fullPage: true });

    // The choice survives a reload; the token (session storage) signs the tab back in.
    await page.reload();
    await page.getByRole('heading', { name: 'Kohorttipolut' }).waitFor();
    expect(await page.locator('#lang').inputValue()).toBe('fi');
    expect(problems).toEqual([]);
  });
});
