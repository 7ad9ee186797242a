// The explain commands through the CLI dispatcher: cohort-paths on a mined file, errors with catalogued codes.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBundle, readManifest } from '../../src/bundle/load.js';
import { runCli } from '../../src/cli/main.js';
import { isServicepathError } from '../../src/errors/index.js';
import { mineCohortPaths } from '../../src/explain/cohort-paths.js';
import { CatalogueSchema, type Path, PathSchema } from '../../src/schemas/index.js';
import { InterventionsResultSchema } from '../../src/schemas/interventions.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false }, out, err };
}

const catalogue = CatalogueSchema.parse({
  services: [
    { code: 'FAMILY_WORK', domain: 'social_work', relation: 'mother', label: 'Family work', labelFi: 'Perhetyö' },
    { code: 'EE_ENROL', domain: 'early_education', label: 'Early education', labelFi: 'Varhaiskasvatus', minAgeDays: 240 },
  ],
});

function examples(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const events: Path['events'] = [{ code: 'BIRTH', domain: 'health', relation: 'self', ageDays: 0 }];
    if (i % 3 === 0) events.push({ code: 'MH_CRISIS', domain: 'mental_health', relation: 'mother', ageDays: 200 });
    if (i % 2 === 0) events.push({ code: 'FAMILY_WORK', domain: 'social_work', relation: 'mother', ageDays: 800 });
    return { path: PathSchema.parse({ indexAgeDays: 1096, events }), outcome: (i % 5 === 0 ? 1 : 0) as 0 | 1, predicted: 0.2 };
  });
}

const dir = mkdtempSync(join(tmpdir(), 'sp-cohort-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('servicepath cohort-paths', () => {
  const bundle = join(dir, 'bundle');
  const file = mineCohortPaths(examples(120), catalogue, { k: 10, roundTo: 5 });
  mkdirSync(bundle);
  writeFileSync(join(bundle, 'cohort-paths.json'), JSON.stringify(file));

  it('lists cohort paths by size as JSON, all counts at or above k', async () => {
    const c = capture();
    const code = await runCli(['cohort-paths', '--bundle', bundle, '--json', '--limit', '3'], c.io);
    expect(code).toBe(0);
    const res = JSON.parse(c.out.join('')) as { total: number; paths: { persons: number }[]; privacy: { k: number } };
    expect(res.privacy.k).toBe(10);
    expect(res.paths).toHaveLength(3);
    expect(res.total).toBe(file.paths.length);
    const sizes = res.paths.map((p) => p.persons);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    expect(sizes[0]).toBe(120);
  });

  it('sorts by observed outcome rate and renders text with the caveat', async () => {
    const c = capture();
    expect(await runCli(['cohort-paths', '--bundle', bundle, '--sort', 'risk', '--limit', '0'], c.io)).toBe(0);
    const text = c.out.join('');
    expect(text).toContain('k = 10');
    expect(text).toMatch(/not proven effects/);
    const j = capture();
    await runCli(['cohort-paths', '--bundle', bundle, '--sort', 'risk', '--limit', '0', '--json'], j.io);
    const rates = (JSON.parse(j.out.join('')) as { paths: { outcomeRate: number }[] }).paths.map((p) => p.outcomeRate);
    expect(rates).toEqual([...rates].sort((a, b) => b - a));
  });

  it('refuses a cohort-paths file that breaks the privacy rules, naming the field', async () => {
    const bad = join(dir, 'bad');
    mkdirSync(bad);
    const broken = structuredClone(file);
    broken.paths[0]!.persons = 7;
    writeFileSync(join(bad, 'cohort-paths.json'), JSON.stringify(broken));
    const c = capture();
    const code = await runCli(['cohort-paths', '--bundle', bad, '--json'], c.io);
    expect(code).toBe(5);
    const err = JSON.parse(c.err.join('')) as { error: { code: string; message: string } };
    expect(err.error.code).toBe('EXPLAIN_COHORT_PATHS_INVALID');
    expect(err.error.message).toContain('paths/0/persons');
  });

  it('answers a usage error for a bad --sort and a missing bundle', async () => {
    const c = capture();
    expect(await runCli(['cohort-paths', '--bundle', bundle, '--sort', 'age'], c.io)).toBe(2);
    expect(c.err.join('')).toContain('CLI_USAGE');
    const m = capture();
    expect(await runCli(['cohort-paths', '--bundle', join(dir, 'nope')], m.io)).toBe(3);
    expect(m.err.join('')).toContain('FILE_NOT_FOUND');
  });
});


describe('servicepath interventions and evaluate-interventions on a logreg bundle trained from data-samples', () => {
  const work = mkdtempSync(join(tmpdir(), 'sp-interv-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  let bundle = '';
  /** The same model trained with the IPW adjustment (resolvedConfig.adjustment = 'ipw' in its manifest). */
  let ipwBundle = '';
  /** The treatment-aware outcome model (adjustment 'treatment': effect-model.json in the bundle). */
  let treatmentBundle = '';
  /** What training the default (treatment-aware) bundle said on stderr. */
  let treatmentStages = '';
  /** The same with inverse-propensity weights on both stages (adjustment 'treatment+ipw'). */
  let treatmentIpwBundle = '';
  const pathFile = join(work, 'path.json');

  beforeAll(async () => {
    const quiet = capture().io;
    expect(await runCli(['ingest', '--input', 'data-samples', '--out', join(work, 'store'), '--demo-key'], quiet)).toBe(0);
    /** Trains a logreg bundle on the sample with the given adjustment (none given: the default config). */
    const train = async (name: string, adjustment?: string): Promise<string> => {
      const args = ['train', '--store', join(work, 'store'), '--task', 'data-samples/task.json', '--model', 'logreg', '--out', join(work, 'models'), '--name', name, '--json'];
      // The default bundle is also checked against the sample's truth (train --truth).
      if (name === 'treatment') args.push('--truth', 'data-samples', '--demo-key');
      if (adjustment !== undefined) {
        const config = join(work, `${name}.json`);
        writeFileSync(config, JSON.stringify({ adjustment }));
        args.push('--config', config);
      }
      const c = capture();
      const code = await runCli(args, c.io);
      expect(code, c.err.join('\n')).toBe(0);
      if (name === 'treatment') treatmentStages = c.err.join('\n');
      return (JSON.parse(c.out.join('')) as { bundle: string }).bundle;
    };
    bundle = await train('naive', 'none');
    ipwBundle = await train('ipw', 'ipw');
    // The default config: adjustment treatment, with intervals.
    treatmentBundle = await train('treatment');
    treatmentIpwBundle = await train('treatment-ipw', 'treatment+ipw');
    const first = readFileSync('data-samples/truth/children.ndjson', 'utf8').split('\n')[0]!;
    writeFileSync(pathFile, JSON.stringify((JSON.parse(first) as { path: unknown }).path));
  });

  it('answers trajectory, turning points and ranked candidates with the caveat', async () => {
    const c = capture();
    expect(await runCli(['interventions', '--bundle', bundle, '--path', pathFile, '--json', '--top', '5'], c.io)).toBe(0);
    const r = InterventionsResultSchema.parse(JSON.parse(c.out.join('')));
    const path = JSON.parse(readFileSync(pathFile, 'utf8')) as { events: unknown[] };
    expect(r.trajectory).toHaveLength(path.events.length);
    expect(r.candidates).toHaveLength(5);
    expect(r.candidatesScored).toBe(49);
    // A bundle trained with adjustment none is labelled unadjusted, in the answer and its text.
    expect(r.estimator).toEqual({ adjustment: 'none', adjusted: false, intervals: null, truthCheck: null });
    expect(r.caveat).toMatch(/^Unadjusted associations/);
    const text = capture();
    expect(await runCli(['interventions', '--bundle', bundle, '--path', pathFile], text.io)).toBe(0);
    expect(text.out.join('')).toContain('Candidates (10 of 49');
    expect(text.out.join('')).toContain('estimates UNADJUSTED ASSOCIATIONS');
  });

  it('trains the treatment-aware model by default, and its answers carry an interval for every drop', async () => {
    const manifest = JSON.parse(readFileSync(join(treatmentBundle, 'manifest.json'), 'utf8')) as { resolvedConfig: { adjustment: string; treatment: { bootstrapReplicates: number } } };
    expect(manifest.resolvedConfig.adjustment).toBe('treatment');
    expect(manifest.resolvedConfig.treatment.bootstrapReplicates).toBe(50);
    const c = capture();
    expect(await runCli(['interventions', '--bundle', treatmentBundle, '--path', pathFile, '--json', '--top', '5'], c.io)).toBe(0);
    const r = InterventionsResultSchema.parse(JSON.parse(c.out.join('')));
    // On the sample's few hundred training children the second stage separates the training split (the in-sample
    // base logit), so no bootstrap refit moves: the bundle says it has no intervals rather than zero-width ones.
    expect(treatmentStages).toContain('no intervals: the treatment-aware stage separates the training split');
    expect(JSON.parse(readFileSync(join(treatmentBundle, 'effect-model.json'), 'utf8')).bootstrap).toBeNull();
    // Trained with --truth: the estimates were checked on held-out children, and every answer says how they did.
    const metrics = JSON.parse(readFileSync(join(treatmentBundle, 'metrics.json'), 'utf8')) as { interventions: { children: number; pairs: number; top3HitRate: { estimate: number } } };
    expect(metrics.interventions.children).toBeGreaterThan(50);
    expect(metrics.interventions.pairs).toBeGreaterThan(20 * metrics.interventions.children);
    expect(r.estimator).toEqual({ adjustment: 'treatment', adjusted: true, intervals: null, truthCheck: metrics.interventions });
    expect(readFileSync(join(treatmentBundle, 'model-card.md'), 'utf8')).toMatch(/Intervention estimates against the truth[\s\S]*Top-3 hit rate/);
    expect(r.caveat).toMatch(/not proven causal/);
    for (const cand of r.candidates) expect(cand.riskDropInterval).toBeNull();
    const text = capture();
    expect(await runCli(['interventions', '--bundle', treatmentBundle, '--path', pathFile, '--top', '3'], text.io)).toBe(0);
    expect(text.out.join('')).toContain('estimates adjusted (treatment)');
  });

  it('refuses an invalid path naming the event and field', async () => {
    const bad = join(work, 'bad.json');
    writeFileSync(bad, JSON.stringify({ events: [{ code: 'A', domain: 'health', ageDays: 5 }, { code: '', domain: 'health', ageDays: 9 }] }));
    const c = capture();
    expect(await runCli(['interventions', '--bundle', bundle, '--path', bad], c.io)).toBe(3);
    expect(c.err.join('')).toContain('EXPLAIN_PATH_INVALID');
    expect(c.err.join('')).toContain('events/1/code');
  });

  it('evaluates estimated against true effects on the generator truth', async () => {
    const c = capture();
    expect(await runCli(['evaluate-interventions', '--bundle', bundle, '--bundle', ipwBundle, '--truth', 'data-samples/truth', '--limit', '40', '--json'], c.io)).toBe(0);
    const r = JSON.parse(c.out.join('')) as { results: { bundle: string; children: number; adjustment: string; signPairs: number; top3HitRate: number; meanSpearman: number }[] };
    expect(r.results).toHaveLength(2);
    // The adjustment is read from the manifest's resolvedConfig, where the trainer writes it.
    const manifest = JSON.parse(readFileSync(join(ipwBundle, 'manifest.json'), 'utf8')) as { resolvedConfig: { adjustment: string } };
    expect(manifest.resolvedConfig.adjustment).toBe('ipw');
    expect(r.results.map((x) => [x.bundle, x.adjustment])).toEqual([
      ['naive/1', 'none'],
      ['ipw/1', 'ipw'],
    ]);
    const text = capture();
    expect(await runCli(['evaluate-interventions', '--bundle', `${bundle},${ipwBundle}`, '--truth', 'data-samples/truth', '--limit', '5'], text.io)).toBe(0);
    expect(text.out.join('')).toContain('Per service, ipw/1 (ipw):');
    // The planner's view (regret, top-1, policy value; docs/interventions.md "How estimates are judged").
    expect(text.out.join('')).toContain("Planner's view (95% intervals: bootstrap over");
    expect(text.out.join('')).toContain('no intervals in this bundle');
    const planner = (JSON.parse(c.out.join('')) as { results: { meanRegret: number; top1Agreement: number; policy: { k: number; ratio: number | null }[]; intervals: { meanRegret: { lower: number; upper: number } } }[] }).results[0]!;
    expect(planner.meanRegret).toBeGreaterThanOrEqual(0);
    expect(planner.intervals.meanRegret.lower).toBeLessThanOrEqual(planner.meanRegret);
    expect(planner.intervals.meanRegret.upper).toBeGreaterThanOrEqual(planner.meanRegret);
    expect(planner.policy.map((p) => p.k)).toEqual([1, 2, 4]);
    expect(r.results[0]!.children).toBe(40);
    expect(r.results[0]!.adjustment).toBe('none');
    expect(r.results[0]!.signPairs).toBeGreaterThan(0);
    expect(r.results[0]!.top3HitRate).toBeGreaterThanOrEqual(0);
    expect(r.results[0]!.meanSpearman).toBeGreaterThan(-1);
  });

  it('pins the treatment-aware model against the naive one on the sample truth (fixed population, tolerances)', async () => {
    expect(existsSync(join(treatmentBundle, 'effect-model.json'))).toBe(true);
    const v = capture();
    expect(await runCli(['verify', '--bundle', treatmentBundle], v.io), v.out.join('') + v.err.join('')).toBe(0);
    const c = capture();
    expect(await runCli(['evaluate-interventions', '--bundle', bundle, '--bundle', treatmentBundle, '--truth', 'data-samples/truth', '--json'], c.io)).toBe(0);
    const [naive, treatment] = (JSON.parse(c.out.join('')) as { results: { adjustment: string; children: number; top3HitRate: number; meanSpearman: number; signErrorRate: number }[] }).results;
    expect(treatment?.adjustment).toBe('treatment');
    expect(treatment?.children).toBe(610);
    // No intervals on the sample (the second stage separates its training split): coverage says so.
    const coverage = (JSON.parse(c.out.join('')) as { results: { coverage: { coverage: number | null; pairs: number; note?: string } }[] }).results[1]!.coverage;
    expect(coverage).toEqual({ coverage: null, pairs: 0, note: 'no intervals in this bundle' });
    // Measured on this sample (about 400 training children; the targets are judged at scale, docs/interventions.md).
    const r1 = (x: number | undefined) => Math.round((x ?? Number.NaN) * 10) / 10;
    expect({ naiveSignError: r1(naive?.signErrorRate), treatmentSignError: r1(treatment?.signErrorRate), treatmentSpearman: r1(treatment?.meanSpearman) }).toEqual({
      naiveSignError: 0.7,
      treatmentSignError: 0.1,
      treatmentSpearman: 0.7,
    });
    expect(treatment!.signErrorRate).toBeLessThan(naive!.signErrorRate);
    expect(treatment!.meanSpearman).toBeGreaterThan(naive!.meanSpearman);
  });

  it("refuses to open a bundle whose effect model does not match its catalogue or preprocessing, naming the file", async () => {
    const manifest = await readManifest(treatmentBundle);
    const copy = join(work, 'mismatched');
    const refusal = async (edit: (e: { services: { code: string }[]; fromAgeDays: number; weights: { counts: number[] } }) => void) => {
      rmSync(copy, { recursive: true, force: true });
      cpSync(treatmentBundle, copy, { recursive: true });
      const file = join(copy, 'effect-model.json');
      const effect = JSON.parse(readFileSync(file, 'utf8'));
      edit(effect);
      writeFileSync(file, JSON.stringify(effect));
      const err = await openBundle(copy, manifest).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isServicepathError(err) && err.code).toBe('BUNDLE_EFFECT_MODEL_MISMATCH');
      return (err as Error).message;
    };
    expect(
      await refusal((e) => {
        e.services[0]!.code = 'SOMETHING_ELSE';
      }),
    ).toMatch(/effect-model\.json does not match catalogue\.json: services .*SOMETHING_ELSE/);
    expect(
      await refusal((e) => {
        e.fromAgeDays += 30;
      }),
    ).toMatch(/first insertion age/);
    expect(await refusal((e) => void e.weights.counts.pop())).toMatch(/effect-model\.json does not match preprocessing\.json: \d+ count weights against \d+ features/);
    // Unedited, the same copy opens.
    rmSync(copy, { recursive: true, force: true });
    cpSync(treatmentBundle, copy, { recursive: true });
    const opened = await openBundle(copy, manifest);
    opened.dispose();
  });

  it('applies the propensity weights with treatment+ipw: the second stage differs from plain treatment', () => {
    const effect = (dir: string) => JSON.parse(readFileSync(join(dir, 'effect-model.json'), 'utf8')) as { weights: { exposure: number[] } };
    const plain = effect(treatmentBundle).weights.exposure;
    const weighted = effect(treatmentIpwBundle).weights.exposure;
    expect(weighted).toHaveLength(plain.length);
    expect(weighted).not.toEqual(plain);
  });
});
