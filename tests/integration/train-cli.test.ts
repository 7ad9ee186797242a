// End to end on data-samples: ingest (demo key) -> train logreg and a tiny gru -> loadBundle -> score and evaluate.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../../src/bundle/index.js';
import { runCli } from '../../src/cli/main.js';
import { roundCount } from '../../src/privacy/rules.js';
import { DEMO_KEY, openCanonicalSources, runIngest } from '../../src/ingest/index.js';

const SAMPLES = join(import.meta.dirname, '..', '..', 'data-samples');

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false }, out, err };
}

let work: string;
let store: string;
let logregBundle: string;
let logregTestAuroc: number;
let gruBundle: string;
let gruTestAuroc: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sp-train-'));
  store = join(work, 'store');
  await runIngest({ sources: await openCanonicalSources(SAMPLES), outDir: store, key: DEMO_KEY, keySource: 'demo', extractionDate: '2030-01-01' });
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('servicepath train (data-samples)', () => {
  it('trains logreg, writes a bundle that loads and scores', async () => {
    const { io, out, err } = captureIo();
    const code = await runCli(
      ['train', '--store', store, '--task', join(SAMPLES, 'task.json'), '--model', 'logreg', '--out', join(work, 'models'), '--name', 'cw', '--truth', SAMPLES, '--demo-key', '--json'],
      io,
    );
    expect(err.join('\n')).not.toContain('error');
    expect(code).toBe(0);
    const result = JSON.parse(out.join('')) as { bundle: string; test: { auroc: number; oracleAuroc: number } };
    // The sample's test split holds about 80 children with 6 outcomes: its AUROC says little (the v2 sample's
    // logreg reads 0.35 there); the oracle on the same children shows the signal is there. Learning is judged at scale
    // (docs/training.md); here the figures must exist and be AUROCs.
    expect(result.test.auroc).toBeGreaterThanOrEqual(0);
    expect(result.test.auroc).toBeLessThanOrEqual(1);
    expect(result.test.oracleAuroc).toBeGreaterThan(0.6);
    logregBundle = result.bundle;
    logregTestAuroc = result.test.auroc;
    const bundle = await loadBundle(result.bundle);
    try {
      expect(bundle.manifest.modelKind).toBe('logreg');
      const [traj] = await bundle.scorer.scoreTrajectories([{ indexAgeDays: 1096, events: [{ code: 'NEUVOLA_VISIT', domain: 'health', relation: 'self', ageDays: 30 }] }]);
      expect(traj?.length).toBe(1);
    } finally {
      bundle.dispose();
    }
    expect((await readFile(join(result.bundle, 'training-log.jsonl'), 'utf8')).trim().split('\n').length).toBeGreaterThan(0);
  }, 120_000);

  it('trains a tiny gru end to end and its bundle scores a path', async () => {
    const config = join(work, 'tiny.json');
    await writeFile(config, JSON.stringify({ epochs: 2, batchSize: 32, embedDim: 8, hiddenDim: 8, maxLen: 32, wideInit: 'logreg', evaluation: { bootstrapSamples: 20 } }));
    const { io, out, err } = captureIo();
    const args = ['train', '--store', store, '--task', join(SAMPLES, 'task.json'), '--model', 'gru', '--out', join(work, 'models'), '--name', 'cw-gru', '--config', config, '--json'];
    expect(await runCli(args, io)).toBe(0);
    const result = JSON.parse(out.join('')) as { bundle: string; epochs: number; version: string; test: { auroc: number } };
    expect(result.epochs).toBe(2);
    expect(err.join('\n')).toContain('fitting logreg to start the wide part');
    gruBundle = result.bundle;
    gruTestAuroc = result.test.auroc;
    const log = (await readFile(join(result.bundle, 'training-log.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(log.filter((l) => l.stage === undefined).map((l) => l.epoch)).toEqual([1, 2]);
    expect(log.filter((l) => l.stage === 'treatment-aware').length).toBeGreaterThan(0);
    const manifest = JSON.parse(await readFile(join(result.bundle, 'manifest.json'), 'utf8'));
    expect(manifest.resolvedConfig.maxLen).toBe(32);
    expect(manifest.resolvedConfig.cell).toBe('minimal');
    expect(manifest.stages).toEqual([
      { stage: 'base-model', kind: 'gru', files: ['model.json', 'weights.bin'] },
      { stage: 'effect-model', file: 'effect-model.json' },
      { stage: 'calibration', method: 'platt', file: 'calibration.json' },
    ]);
    expect(manifest.software.backend).not.toBe('typescript');

    const pathFile = join(work, 'path.json');
    await writeFile(pathFile, JSON.stringify({ indexAgeDays: 1096, events: [{ code: 'NEUVOLA_VISIT', domain: 'health', ageDays: 30 }, { code: 'CW_NOTIFICATION', domain: 'child_welfare', ageDays: 700 }] }));
    const score = captureIo();
    expect(await runCli(['score', '--bundle', result.bundle, '--path', pathFile, '--json'], score.io)).toBe(0);
    const scored = JSON.parse(score.out.join('')) as { trajectory: { risk: number }[]; finalRisk: number };
    expect(scored.trajectory.length).toBe(2);
    expect(scored.finalRisk).toBe(scored.trajectory[1]!.risk);
  }, 120_000);

  it('trains the full GRU cell when the training config asks for it (cell: full)', async () => {
    const config = join(work, 'full-cell.json');
    await writeFile(config, JSON.stringify({ cell: 'full', epochs: 1, batchSize: 64, embedDim: 4, hiddenDim: 4, maxLen: 16, evaluation: { bootstrapSamples: 0 } }));
    const { io, out } = captureIo();
    const args = ['train', '--store', store, '--task', join(SAMPLES, 'task.json'), '--model', 'gru', '--out', join(work, 'models'), '--name', 'cw-gru-full', '--config', config, '--json'];
    expect(await runCli(args, io)).toBe(0);
    const result = JSON.parse(out.join('')) as { bundle: string };
    const manifest = JSON.parse(await readFile(join(result.bundle, 'manifest.json'), 'utf8'));
    expect(manifest.resolvedConfig.cell).toBe('full');
    const layers = (JSON.parse(await readFile(join(result.bundle, 'model.json'), 'utf8')) as { modelTopology: { model_config?: { config: { layers: { class_name: string }[] } }; config?: { layers: { class_name: string }[] } } }).modelTopology;
    const classes = (layers.model_config?.config ?? layers.config)?.layers.map((l) => l.class_name) ?? [];
    expect(classes).toContain('SpCausalGru');
    expect(classes).not.toContain('SpMinGruEmbed');
  }, 120_000);

  it('score names the bad field of a path file', async () => {
    const pathFile = join(work, 'bad-path.json');
    await writeFile(pathFile, JSON.stringify({ events: [{ code: 'A', domain: 'health', ageDays: 1 }, { code: 'B', domain: 'health', ageDays: 2 }, { code: 'C', domain: 'health', ageDays: 3 }, { code: '', domain: 'health', ageDays: 4 }] }));
    const { io, err } = captureIo();
    expect(await runCli(['score', '--bundle', logregBundle, '--path', pathFile], io)).not.toBe(0);
    expect(err.join('')).toContain('events/3/code');
  });

  it('evaluate validates a bundle on a store without changing the bundle', async () => {
    const before = await readFile(join(logregBundle, 'manifest.json'), 'utf8');
    const { io, out } = captureIo();
    expect(await runCli(['evaluate', '--bundle', logregBundle, '--store', store, '--bootstrap', '20', '--json'], io)).toBe(0);
    const result = JSON.parse(out.join('')) as { report: { n: number; overall: { auroc: { estimate: number } } } };
    expect(result.report.n).toBeGreaterThan(500);
    // Not a quality check: on this small v2 sample the validation split (6 outcomes) gives Platt scaling a negative
    // slope, so the calibrated model ranks the store backwards; evaluate must report that as it is.
    expect(result.report.overall.auroc.estimate).toBeGreaterThanOrEqual(0);
    expect(result.report.overall.auroc.estimate).toBeLessThanOrEqual(1);
    expect(await readFile(join(logregBundle, 'manifest.json'), 'utf8')).toBe(before);
  }, 60_000);

  it('compare rebuilds both bundles\' test split and reports the paired difference', async () => {
    const { io, out } = captureIo();
    const args = ['compare', '--baseline', logregBundle, '--candidate', gruBundle, '--store', store, '--bootstrap', '50', '--json'];
    expect(await runCli(args, io)).toBe(0);
    type Result = { split: string; comparison: { n: number; baseline: { auroc: number }; candidate: { auroc: number }; difference: { auroc: { estimate: number; lower: number; upper: number } } } };
    const result = JSON.parse(out.join('')) as Result;
    const manifest = JSON.parse(await readFile(join(logregBundle, 'manifest.json'), 'utf8')) as { splits: { test: { persons: number } } };
    expect(result.split).toBe('test');
    expect(result.comparison.n).toBe(roundCount(manifest.splits.test.persons, 5));
    // The same examples as training's own test evaluation: the same AUROCs (the gru scored here through the engine).
    expect(result.comparison.baseline.auroc).toBeCloseTo(logregTestAuroc, 6);
    expect(result.comparison.candidate.auroc).toBeCloseTo(gruTestAuroc, 4);
    const d = result.comparison.difference.auroc;
    expect(d.estimate).toBeCloseTo(result.comparison.candidate.auroc - result.comparison.baseline.auroc, 12);
    expect(d.lower).toBeLessThanOrEqual(d.estimate);
    expect(d.upper).toBeGreaterThanOrEqual(d.estimate);
    expect(d.upper - d.lower).toBeGreaterThan(0);
  }, 60_000);

  it('compare refuses the test split of another store and compares on all of its examples when asked', async () => {
    const other = join(work, 'store-other');
    await runIngest({ sources: await openCanonicalSources(SAMPLES), outDir: other, key: DEMO_KEY, keySource: 'demo', extractionDate: '2031-01-01' });
    const refused = captureIo();
    expect(await runCli(['compare', '--baseline', logregBundle, '--candidate', gruBundle, '--store', other, '--split', 'test'], refused.io)).toBe(3);
    expect(refused.err.join('')).toContain('EVALUATE_COMPARE_MISMATCH');
    expect(refused.err.join('')).toContain('not the one both bundles were trained on');
    const all = captureIo();
    expect(await runCli(['compare', '--baseline', logregBundle, '--candidate', logregBundle, '--store', other, '--bootstrap', '20', '--json'], all.io)).toBe(0);
    const result = JSON.parse(all.out.join('')) as { split: string; comparison: { n: number; positives: number; verdict: { auroc: string } } };
    expect(result.split).toBe('all');
    expect(result.comparison.n).toBeGreaterThan(500);
    // The sample has fewer than 100 outcomes: no verdict, and the text says why.
    expect(result.comparison.positives).toBeLessThan(100);
    expect(result.comparison.verdict.auroc).toBe('insufficient evidence');
    const text = captureIo();
    expect(await runCli(['compare', '--baseline', logregBundle, '--candidate', logregBundle, '--store', other, '--bootstrap', '20'], text.io)).toBe(0);
    expect(text.out.join('')).toMatch(/Insufficient evidence: \d+ outcomes and \d+ without \(rounded\), fewer than the 100 of each a verdict needs/);
  }, 60_000);

  it('says when the outcome never occurs, with the whole breakdown, not only the split', async () => {
    const task = JSON.parse(await readFile(join(SAMPLES, 'task.json'), 'utf8')) as { outcome: { codes: string[] } };
    task.outcome.codes = ['NO_SUCH_CODE'];
    const taskFile = join(work, 'never.json');
    await writeFile(taskFile, JSON.stringify(task));
    const { io, err } = captureIo();
    expect(await runCli(['train', '--store', store, '--task', taskFile, '--catalogue', join(SAMPLES, 'catalogue.json'), '--model', 'logreg', '--out', join(work, 'models'), '--name', 'never'], io)).not.toBe(0);
    const text = err.join('');
    expect(text).toContain('TASK_SINGLE_CLASS');
    expect(text).toMatch(/the train split holds 0 positives and \d+ negatives; both classes are needed\. Over all \d+ examples: 0 with the outcome \(persons \d+, eligible \d+/);
    expect(text).toContain("the outcome never occurs among the examples: check the task's outcome codes against the store's");
  });
});
