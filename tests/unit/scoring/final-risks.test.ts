// The bundle scorer's final-risk call and its bounded work: scoreFinal equals the last step of scoreTrajectories
// (engine, tfjs and logreg; paths shorter and longer than maxLen; an explanation's variants of one path across
// several engine runs), the cost model counts the steps each mode runs, long calls yield to the event loop
// between slices, and an aborted signal ends a call with its reason.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../../src/bundle/index.js';
import { insertionVariants, occlusionVariant } from '../../../src/explain/variants.js';
import { featureDim } from '../../../src/features/counts.js';
import { fitPreprocessing } from '../../../src/features/index.js';
import { buildModel, resolveModelConfig, selectBackend } from '../../../src/model/index.js';
import { CatalogueSchema } from '../../../src/schemas/catalogue.js';
import type { Path } from '../../../src/schemas/path.js';
import { pathSteps, STEP_COST } from '../../../src/scoring/cost.js';
import { mulberry32 } from '../model/helpers.js';

const MAX_LEN = 24;
const calibration = { method: 'platt' as const, slope: 1.1, intercept: -0.4, fittedOn: 'validation' as const, n: 10 };

function randomPath(rand: () => number, n: number): Path {
  return {
    indexAgeDays: 40 * n + 50,
    events: Array.from({ length: n }, (_, t) => ({ code: `C${Math.floor(rand() * 9)}`, domain: 'health', relation: rand() < 0.3 ? ('mother' as const) : ('self' as const), ageDays: 40 * t + Math.floor(rand() * 30) })),
  };
}

const rand = mulberry32(11);
const paths: Path[] = [1, 2, 5, 23, 24, 25, 40, 61].map((n) => randomPath(rand, n));
const prep = fitPreprocessing(paths, { minPersonsPerCode: 1, maxLen: MAX_LEN });

function network(extra: Record<string, unknown> = {}): tf.LayersModel {
  const net = buildModel(resolveModelConfig({ kind: 'gru', vocabSize: prep.vocab.length, numFeatures: prep.stepFeatures.length, maxLen: 64, dropout: 0, embedDim: 4, hiddenDim: 8, seed: 3, ...extra }));
  const r = mulberry32(5);
  net.setWeights(net.getWeights().map((w) => tf.tensor(Float32Array.from(w.dataSync(), () => (r() - 0.5) * 2), w.shape)));
  return net;
}

const lastOf = (t: Float64Array) => t[t.length - 1] as number;

/** The largest difference between the final risks through the engine and through tfjs. */
async function engineTfjsGap(net: tf.LayersModel, paths: Path[]): Promise<number> {
  const viaEngine = await createScorer(prep, { kind: 'gru', network: net }, calibration, null, 'auto').scoreFinal!(paths);
  const viaTfjs = await createScorer(prep, { kind: 'gru', network: net }, calibration, null, 'tfjs').scoreFinal!(paths);
  let worst = 0;
  for (let i = 0; i < paths.length; i++) worst = Math.max(worst, Math.abs((viaEngine[i] as number) - (viaTfjs[i] as number)));
  return worst;
}

describe('scoreFinal and the cost of scoring', () => {
  beforeAll(async () => {
    await selectBackend('auto');
  });

  it('gives the last step of each trajectory, through the engine, through tfjs and for the logreg', async () => {
    const net = network();
    const logreg = { weights: Array.from({ length: featureDim(prep) }, (_, i) => Math.sin(i) / 3), bias: -1.5 };
    const scorers = [
      createScorer(prep, { kind: 'gru', network: net }, calibration, null, 'auto'),
      createScorer(prep, { kind: 'gru', network: net }, calibration, null, 'tfjs'),
      createScorer(prep, { kind: 'logreg', logreg: logreg as never }, calibration),
    ];
    for (const scorer of scorers) {
      const trajectories = await scorer.scoreTrajectories(paths);
      const finals = await scorer.scoreFinal!(paths);
      expect(finals).toHaveLength(paths.length);
      for (let i = 0; i < paths.length; i++) expect(finals[i]).toBeCloseTo(lastOf(trajectories[i]!), 12);
    }
    net.dispose();
  });

  it('shares the original path with its variants across several engine runs, with the same answers as tfjs', async () => {
    const net = network();
    const original = randomPath(mulberry32(23), 22);
    const catalogue = CatalogueSchema.parse({
      services: Array.from({ length: 12 }, (_, i) => ({ code: `S${i}`, domain: 'social_work', label: `S${i}`, labelFi: `S${i}` })),
      insertion: { fromAgeDays: 0, stepDays: 20 },
    });
    const variants = [original, ...original.events.map((_, i) => occlusionVariant(original, i)!), ...insertionVariants(original, catalogue).map((v) => v.path)];
    // Far more steps than one engine run takes (4,096), so later runs begin with the original as their reference.
    expect(variants.length * 23).toBeGreaterThan(3 * 4096);
    expect(await engineTfjsGap(net, variants)).toBeLessThan(1e-6);
    net.dispose();
  });

  it('counts the steps each mode runs: every window for a trajectory, the last window for a final risk', () => {
    expect(pathSteps(10, 24, 'trajectory')).toBe(10);
    expect(pathSteps(10, 24, 'final')).toBe(10);
    // 40 events, windows of 24: the first window, then one window of 24 steps per event past the 24th.
    expect(pathSteps(40, 24, 'trajectory')).toBe(24 + 16 * 24);
    expect(pathSteps(40, 24, 'final')).toBe(24);
    expect(pathSteps(40, null, 'trajectory')).toBe(40);
    const net = network();
    const engine = createScorer(prep, { kind: 'gru', network: net }, calibration, null, 'auto');
    const tfjs = createScorer(prep, { kind: 'gru', network: net }, calibration, null, 'tfjs');
    expect(engine.costOf!([40, 10], 'final')).toBe((24 + 10) * STEP_COST['min-gru-engine']);
    expect(tfjs.costOf!([40], 'trajectory')).toBe((24 + 16 * 24) * STEP_COST['tfjs-recurrent']);
    net.dispose();
    // The time-decayed context runs in the engine at its own, higher price.
    const timeFeature = prep.stepFeatures.indexOf('yearsBeforeIndex');
    const withContext = network({ context: { halfLivesDays: [30, 180], featureIndex: timeFeature, daysPerUnit: prep.scales.beforeIndexDays } });
    const contextScorer = createScorer(prep, { kind: 'gru', network: withContext }, calibration, null, 'auto');
    expect(contextScorer.costOf!([40, 10], 'final')).toBe((24 + 10) * STEP_COST['min-gru-engine-context']);
    expect(STEP_COST['min-gru-engine-context']).toBeGreaterThan(STEP_COST['min-gru-engine']);
    withContext.dispose();
  });

  it('gives the same final risks through the engine and tfjs with the time-decayed context', async () => {
    const timeFeature = prep.stepFeatures.indexOf('yearsBeforeIndex');
    const net = network({ context: { halfLivesDays: [30, 180], featureIndex: timeFeature, daysPerUnit: prep.scales.beforeIndexDays } });
    const original = randomPath(mulberry32(29), 30);
    const variants = [original, ...original.events.map((_, i) => occlusionVariant(original, i)!)];
    expect(await engineTfjsGap(net, variants)).toBeLessThan(1e-6);
    net.dispose();
  });

  it('yields to the event loop during a long call and ends it when its signal fires', async () => {
    const net = network();
    const scorer = createScorer(prep, { kind: 'gru', network: net }, calibration, null, 'auto');
    const many = Array.from({ length: 3000 }, (_, i) => randomPath(mulberry32(100 + i), 24));
    let turns = 0;
    let counting = true;
    const count = () => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    await scorer.scoreFinal!(many);
    counting = false;
    // 72,000 steps in runs of 4,096 with a pause between: the loop turned while the call ran.
    expect(turns).toBeGreaterThan(1);

    const reason = new Error('deadline (test)');
    await expect(scorer.scoreTrajectories(many, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    setImmediate(() => controller.abort(reason));
    await expect(scorer.scoreFinal!(many, { signal: controller.signal })).rejects.toBe(reason);
    net.dispose();
  });
});
