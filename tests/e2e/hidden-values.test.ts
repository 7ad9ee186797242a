// Values hidden by the disclosure rules, in a real browser: the page shows a hidden rate as "<minCount" (or "all but
// <minCount", or "hidden"), a suppressed group as "<k" (or "hidden"), each with its reason as a tooltip, sorts hidden
// rates last, and names the rules in force in its footer, in English and Finnish. The service is the real app with
// the serve tests' fake bundle, its cohort paths replaced by ones made to hold every kind of hidden value under
// rules other than the defaults (k 15, minCount 6), so nothing the page shows can come from a hard-coded default.
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explainPath } from '../../src/explain/index.js';
import type { CohortPath, CohortPathsFile } from '../../src/schemas/cohort-paths.js';
import type { Candidate } from '../../src/schemas/interventions.js';
import type { ExplainFn } from '../../src/serve/types.js';
import { COHORT_PATHS, fakeApp, fakeLoader, tempDir, TOKENS, writeFakeBundle } from '../unit/serve/helpers.js';
import { ARTIFACTS, launchBrowser, REPO } from './world.js';

const RULES = { k: 15, minCount: 6, roundTo: 5 };
const FOOTER_EN = 'Groups under 15 children are not shown; outcome counts under 6 show as <6; counts are rounded to 5.';
const FOOTER_FI = 'Alle 15 lapsen ryhmiä ei näytetä; alle 6 toteutuneen tapahtuman määrät näkyvät muodossa <6; lukumäärät on pyöristetty 5:n tarkkuuteen.';

const cohortPath = (id: string, persons: number, meanPredictedRisk: number, cell: Pick<CohortPath, 'outcomeRate' | 'outcomeSuppressed'>, followedBy: CohortPath['followedBy'] = []): CohortPath => ({
  id,
  throughBand: '0-1y',
  steps: [{ band: '0-1y', groups: [`self:${id}`] }],
  persons,
  ...cell,
  meanPredictedRisk,
  followedBy,
  representative: { events: [{ code: 'VISIT', domain: 'health', relation: 'self', ageDays: 100 }] },
});

const HIDDEN_PATHS: CohortPathsFile = {
  ...COHORT_PATHS,
  privacy: RULES,
  paths: [
    cohortPath('cp-shown', 50, 0.3, { outcomeRate: 0.4 }),
    cohortPath('cp-numerator', 40, 0.1, { outcomeRate: null, outcomeSuppressed: 'numerator' }, [
      { code: 'FAMILY_WORK', label: 'Family work', received: { suppressed: true, reason: 'group' }, notReceived: { suppressed: true, reason: 'group' } },
      { code: 'HOME_HELP', label: 'Home help', received: { persons: 15, outcomeRate: null, outcomeSuppressed: 'numerator' }, notReceived: { persons: 20, outcomeRate: 0.5 } },
    ]),
    cohortPath('cp-complement', 30, 0.5, { outcomeRate: null, outcomeSuppressed: 'complement' }, [
      { code: 'FAMILY_WORK', label: 'Family work', received: { suppressed: true, reason: 'secondary' }, notReceived: { suppressed: true, reason: 'secondary' } },
      {
        code: 'HOME_HELP',
        label: 'Home help',
        received: { persons: 15, outcomeRate: null, outcomeSuppressed: 'complement' },
        notReceived: { persons: 15, outcomeRate: null, outcomeSuppressed: 'secondary' },
      },
    ]),
    // A tampered rate: 0.1 of 20 implies 2 children with the outcome. The service's last guard hides it.
    cohortPath('cp-leak', 20, 0.2, { outcomeRate: 0.1 }),
  ],
};

/** Every candidate's support: a cohort path with its rate hidden, one side's rate hidden, the other side suppressed. */
const SUPPORT: NonNullable<Candidate['support']> = {
  cohortPathId: 'cp-numerator',
  throughBand: '0-1y',
  persons: 40,
  outcomeRate: null,
  outcomeSuppressed: 'numerator',
  received: { persons: 15, outcomeRate: null, outcomeSuppressed: 'numerator' },
  notReceived: { suppressed: true, reason: 'group' },
};
const explain: ExplainFn = async (scorer, path, catalogue, opts) => {
  const result = await explainPath(scorer, path, catalogue, opts);
  return { ...result, candidates: result.candidates.map((c) => ({ ...c, support: SUPPORT })) };
};

let app: FastifyInstance;
let url: string;
let temp: { dir: string; cleanup: () => void };
let browser: Browser;
let context: BrowserContext | null = null;
let problems: string[] = [];

beforeAll(async () => {
  temp = tempDir('sp-e2e-hidden-');
  writeFakeBundle(temp.dir, 'cw-hidden', '1');
  app = await fakeApp(temp.dir, {
    loader: async (dir) => ({ ...(await fakeLoader(dir)), cohortPaths: HIDDEN_PATHS }),
    explain,
    webRoot: join(REPO, 'src', 'web', 'public'),
  });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  temp?.cleanup();
});

afterEach(async () => {
  await context?.close();
  context = null;
});

async function plannerPage(locale: string): Promise<Page> {
  context = await browser.newContext({ locale, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['127.0.0.1', ''].includes(u.hostname) && !['data:', 'about:', 'blob:'].includes(u.protocol)) problems.push(`external request: ${r.url()}`);
  });
  await page.goto(url);
  await page.locator('#token').fill(TOKENS.planner);
  await page.locator('#token').press('Enter');
  await page.locator('#cohort-table tbody tr').first().waitFor();
  return page;
}

const row = (page: Page, id: string) => page.locator(`#cohort-table tbody tr[data-cohort-id="${id}"]`);
/** The observed outcome rate cell of a cohort path's row: its text and its tooltip. */
async function rateCell(page: Page, id: string): Promise<{ text: string; title: string | null }> {
  const cell = row(page, id).locator('td:nth-child(3)');
  return { text: (await cell.textContent()) ?? '', title: await cell.locator('abbr.hidden-value').getAttribute('title', { timeout: 1000 }).catch(() => null) };
}
const rowIds = (page: Page) => page.locator('#cohort-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-cohort-id')));

describe('web page: values hidden by the disclosure rules', () => {
  it('shows hidden rates as <minCount and suppressed groups as <k, with their reasons, and the rules in the footer', async () => {
    const page = await plannerPage('en-GB');
    expect(await page.locator('#footer-rules').textContent()).toBe(FOOTER_EN);
    const help = (await page.locator('#cohort-help').textContent()) ?? '';
    expect(help).toContain('at least 15 children');
    expect(help).toContain('smaller groups show as <15');
    expect(help).toContain('fewer than 6 children with the outcome shows as <6');
    expect(help).toContain('as all but <6');

    expect(await rateCell(page, 'cp-shown')).toEqual({ text: '40%', title: null });
    const numerator = await rateCell(page, 'cp-numerator');
    expect(numerator.text).toBe('<6');
    expect(numerator.title).toBe('Fewer than 6 of these children had the outcome, so the rate is not shown.');
    const complement = await rateCell(page, 'cp-complement');
    expect(complement.text).toBe('all but <6');
    expect(complement.title).toBe('Fewer than 6 of these children did not have the outcome, so the rate is not shown.');
    // The tampered rate reaches the page hidden (the service's guard), never as 10%.
    expect((await rateCell(page, 'cp-leak')).text).toBe('<6');
    expect(await row(page, 'cp-leak').textContent()).not.toContain('10%');

    // Highest observed outcome rate first: the hidden rates come last.
    await page.locator('#cohort-sort').selectOption('outcomeRate');
    await expect.poll(() => rowIds(page)).toEqual(['cp-shown', 'cp-complement', 'cp-leak', 'cp-numerator']);

    // What followed: a side under k (and its partner) as <15, a side's hidden rate as <6 beside a shown one.
    await row(page, 'cp-numerator').getByRole('button', { name: /^Open path/ }).click();
    await page.locator('#candidates-table tbody tr').first().waitFor();
    expect(await page.locator('#cohort-origin p.origin').textContent()).toBe('From cohort path cp-numerator: 40 children, observed outcome rate <6.');
    await page.getByText('What followed in this cohort path').click();
    const followed = async () =>
      page.locator('#followed-table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
    expect(await followed()).toEqual([
      ['Family work', '<15', '<15'],
      ['Home help', '15 children, <6', '20 children, 50%'],
    ]);
    expect(await page.locator('#followed-table abbr').first().getAttribute('title')).toBe(
      'Not shown: this group, or the one beside it, has fewer than 15 children (either would reveal the other).',
    );
    // Candidate support carries the same forms.
    const support = await page.locator('#candidates-table tbody tr td.support').allTextContents();
    expect(support.length).toBeGreaterThan(0);
    for (const s of support) expect(s).toBe('path cp-numerator (40 children): received 15 children, <6; did not <15');

    // Secondary suppression: "hidden", a group and a rate, each with its reason.
    await row(page, 'cp-complement').getByRole('button', { name: /^Open path/ }).click();
    await page.locator('#cohort-origin p.origin').filter({ hasText: 'cp-complement' }).waitFor();
    await page.getByText('What followed in this cohort path').click();
    expect(await followed()).toEqual([
      ['Family work', 'hidden', 'hidden'],
      ['Home help', '15 children, all but <6', '15 children, hidden'],
    ]);
    const titles = await page.locator('#followed-table abbr').evaluateAll((as) => as.map((a) => a.getAttribute('title')));
    expect(titles).toEqual([
      'Hidden so that a group under 15 children cannot be worked out from the published numbers.',
      'Hidden so that a group under 15 children cannot be worked out from the published numbers.',
      'Fewer than 6 of these children did not have the outcome, so the rate is not shown.',
      'Hidden so that another hidden number cannot be worked out from the published ones.',
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'hidden-values.png'), fullPage: true });
    expect(problems).toEqual([]);
  });

  it('says the same in Finnish', async () => {
    const page = await plannerPage('fi-FI');
    expect(await page.locator('#footer-rules').textContent()).toBe(FOOTER_FI);
    expect((await rateCell(page, 'cp-numerator')).text).toBe('<6');
    const complement = await rateCell(page, 'cp-complement');
    expect(complement.text).toBe('kaikki paitsi <6');
    expect(complement.title).toBe('Tapahtuma jäi toteutumatta alle 6 lapsella, joten osuutta ei näytetä.');
    await row(page, 'cp-complement').getByRole('button', { name: /^Avaa polku/ }).click();
    await page.locator('#candidates-table tbody tr').first().waitFor();
    await page.getByText('Mitä tässä kohorttipolussa seurasi').click();
    const cells = await page.locator('#followed-table tbody td').allTextContents();
    expect(cells).toEqual(['Family work', 'piilotettu', 'piilotettu', 'Home help', '15 lasta, kaikki paitsi <6', '15 lasta, piilotettu']);
    expect(await page.locator('#candidates-table tbody tr td.support').first().textContent()).toBe('polku cp-numerator (40 lasta): saivat 15 lasta, <6; eivät saaneet <15');
    // Switching the language rewrites the footer.
    await page.locator('#lang').selectOption('en');
    expect(await page.locator('#footer-rules').textContent()).toBe(FOOTER_EN);
    expect(problems).toEqual([]);
  });
});
