// The wide part of a sequence model: its per-step logits by hand, its gradient, the logistic-regression
// baseline's prefix-count logits reproduced with the baseline's weights, save -> load, and the scoring
// engine on a wide model.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../../src/bundle/index.js';
import { encodePaths, featureDim, fitPreprocessing } from '../../../src/features/index.js';
import { logregTrajectoryLogits } from '../../../src/scoring/logreg.js';
import { buildModel, createTrainer, loadModelArtifacts, predictLogits, resolveModelConfig, saveModelArtifacts, selectBackend, tensorCount } from '../../../src/model/index.js';
import { initialiseWideFromLogreg, SpWideCounts } from '../../../src/model/wide.js';
import type { Path } from '../../../src/schemas/path.js';
import { parseTrainConfig } from '../../../src/train/config.js';

const spec = { windowEdgesDays: [365, 1096], featureIndex: 1, daysPerUnit: 1000 };

let work: string;
beforeAll(async () => {
  await selectBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'sp-wide-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('SpWideCounts', () => {
  it('adds each step its weight times the log-count increment of its (token, window), per row; padding adds nothing', () => {
    const layer = new SpWideCounts({ vocabSize: 4, ...spec });
    // One row: token 2 twice in window 2 (>= 1096 days), token 2 once in window 1, token 3 in window 0, padding.
    const tokens = tf.tensor2d([[2, 2, 2, 3, 0]], [1, 5], 'int32');
    const days = [2000, 1500, 500, 100, 0];
    const feats = tf.tensor3d([days.map((d) => [0, d / 1000])], [1, 5, 2]);
    layer.apply([tokens, feats]); // builds
    const weights = new Float32Array(12);
    weights[2 * 3 + 2] = 0.5; // token 2, window 2
    weights[2 * 3 + 1] = -1; // token 2, window 1
    weights[3 * 3 + 0] = 2; // token 3, window 0
    layer.setWeights([tf.tensor1d(weights)]);
    const out = Array.from((layer.apply([tokens, feats]) as tf.Tensor).dataSync());
    const l = Math.log;
    const expected = [0.5 * l(2), 0.5 * l(3), 0.5 * l(3) - l(2), 0.5 * l(3) - l(2) + 2 * l(2), 0.5 * l(3) - l(2) + 2 * l(2)];
    out.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] as number, 5);
    });
    tf.dispose([tokens, feats]);
  });

  it('gives the weights the gradient of the counts (training moves them)', () => {
    const network = buildModel(resolveModelConfig({ kind: 'gru', vocabSize: 4, numFeatures: 2, maxLen: 64, dropout: 0, embedDim: 2, hiddenDim: 2, seed: 1, wide: spec }));
    const tokens = tf.tensor2d([[2, 2, 3]], [1, 3], 'int32');
    const feats = tf.tensor3d([[[0, 2], [0, 2], [0, 0.1]]], [1, 3, 2]);
    const wide = network.layers.find((x) => x instanceof SpWideCounts) as SpWideCounts;
    const kernel = wide.trainableWeights[0]!.read() as tf.Variable;
    const { grads } = tf.variableGrads(() => tf.sum(network.apply([tokens, feats]) as tf.Tensor) as tf.Scalar, [kernel]);
    const g = Array.from(grads[kernel.name]!.dataSync());
    // Token 2 in window 2 (2000 days): increments log 2 (step 0) and log(3/2) (step 1), each counted at its step
    // and every later one: 3 log 2 + 2 log(3/2).
    expect(g[2 * 3 + 2]).toBeCloseTo(3 * Math.log(2) + 2 * Math.log(1.5), 5);
    expect(g[3 * 3 + 0]).toBeCloseTo(Math.log(2), 5);
    expect(g.filter((v) => v !== 0).length).toBe(2);
    tf.dispose([tokens, feats, ...Object.values(grads)]);
    network.dispose();
  });
});

describe('a wide model', () => {
  const paths: Path[] = Array.from({ length: 30 }, (_, i) => ({
    indexAgeDays: 3000,
    events: Array.from({ length: 4 + (i % 9) }, (_, t) => ({ code: `C${(t * 5 + i) % 7}`, domain: 'health', relation: t % 4 === 0 ? ('mother' as const) : ('self' as const), ageDays: 150 * t + i })),
  }));
  const prep = fitPreprocessing(paths, { minPersonsPerCode: 2, maxLen: 16 });
  const wideSpec = { windowEdgesDays: prep.countWindowsDays, featureIndex: prep.stepFeatures.indexOf('yearsBeforeIndex'), daysPerUnit: prep.scales.beforeIndexDays };
  const config = resolveModelConfig({ kind: 'gru', vocabSize: prep.vocab.length, numFeatures: prep.stepFeatures.length, maxLen: 64, dropout: 0, embedDim: 4, hiddenDim: 5, seed: 4, wide: wideSpec });

  it('with the recurrent part silenced and the baseline\'s weights, gives the baseline\'s prefix-count logits', () => {
    const network = buildModel(config);
    const rand = (i: number) => Math.sin(i * 12.9898) * 0.7;
    const logregWeights = Array.from({ length: featureDim(prep) }, (_, j) => rand(j + 1));
    network.setWeights(
      network.layers.flatMap((layer) =>
        layer.getWeights().map((w) => (layer instanceof SpWideCounts ? tf.tensor1d(logregWeights) : tf.zerosLike(w))),
      ),
    );
    const batch = encodePaths(prep, paths);
    const logits = predictLogits(network, batch);
    paths.forEach((p, i) => {
      const want = logregTrajectoryLogits(prep, { formatVersion: 1, weights: logregWeights, bias: 0, l2: 0 }, p);
      for (let t = 0; t < p.events.length; t++) expect(logits[i * batch.seqLen + t]).toBeCloseTo(want[t] as number, 4);
    });
    network.dispose();
  });

  it('saves and loads to identical predictions, scores the same through the engine and tfjs, and leaks no tensors', async () => {
    const before = tensorCount();
    const network = buildModel(config);
    tf.tidy(() => network.setWeights(network.getWeights().map((w, k) => tf.tensor(Float32Array.from(w.dataSync(), (_, i) => Math.cos(i * 7.1 + k) * 0.6), w.shape))));
    const batch = encodePaths(prep, paths);
    const want = predictLogits(network, batch);
    await saveModelArtifacts(network, join(work, 'wide'));
    const loaded = await loadModelArtifacts(join(work, 'wide'));
    expect(Array.from(predictLogits(loaded, batch))).toEqual(Array.from(want));
    const calibration = { method: 'platt' as const, slope: 1, intercept: 0, fittedOn: 'validation' as const, n: 30 };
    const viaEngine = await createScorer(prep, { kind: 'gru', network: loaded }, calibration, null, 'auto').scoreTrajectories(paths);
    const viaTfjs = await createScorer(prep, { kind: 'gru', network: loaded }, calibration, null, 'tfjs').scoreTrajectories(paths);
    let worst = 0;
    viaEngine.forEach((t, i) => {
      t.forEach((v, j) => {
        worst = Math.max(worst, Math.abs(v - (viaTfjs[i]![j] as number)));
      });
    });
    expect(worst).toBeLessThan(1e-6);
    // The wide part matters here: without it the risks differ.
    const wideLayer = loaded.layers.find((x) => x instanceof SpWideCounts)!;
    tf.tidy(() => wideLayer.setWeights([tf.zerosLike(wideLayer.getWeights()[0]!)]));
    const withoutWide = await createScorer(prep, { kind: 'gru', network: loaded }, calibration).scoreTrajectories(paths);
    expect(Math.abs(withoutWide[5]![6]! - viaEngine[5]![6]!)).toBeGreaterThan(1e-3);
    network.dispose();
    loaded.dispose();
    expect(tensorCount()).toBe(before);
  });

  it('starts from a fitted logistic regression: its weights in the wide part, its bias in the head', () => {
    const network = buildModel(config);
    const weights = Array.from({ length: featureDim(prep) }, (_, j) => (j % 5) / 10 - 0.2);
    initialiseWideFromLogreg(network, weights, -1.25);
    const wideLayer = network.layers.find((x) => x instanceof SpWideCounts)!;
    expect(Array.from(wideLayer.getWeights()[0]!.dataSync())).toEqual(Array.from(Float32Array.from(weights)));
    const head = network.layers.find((x) => x.getClassName() === 'SpStepLogit')!;
    expect(head.getWeights()[1]!.dataSync()[0]).toBe(-1.25);
    expect(() => initialiseWideFromLogreg(network, weights.slice(1), 0)).toThrow(/weights/);
    network.dispose();
    const plain = buildModel({ ...config, wide: null });
    expect(() => initialiseWideFromLogreg(plain, weights, 0)).toThrow(/no wide part/);
    plain.dispose();
  });

  it('kept fixed (wideInit logreg-fixed): starts at the baseline\'s logits, trains only the deep part, and stays fixed after save -> load', async () => {
    const before = tensorCount();
    const network = buildModel({ ...config, wide: { ...wideSpec, trainable: false } });
    const logregWeights = Array.from({ length: featureDim(prep) }, (_, j) => Math.cos(j * 3.7) * 0.5);
    initialiseWideFromLogreg(network, logregWeights, -0.75, { zeroDeep: true });
    const wideLayer = network.layers.find((x) => x instanceof SpWideCounts)!;
    expect(network.trainableWeights.map((w) => w.name).some((n) => n.startsWith('wide_counts'))).toBe(false);
    // With the head's kernel at zero the whole model is the regression: its prefix-count logits plus its bias.
    const batch = encodePaths(prep, paths);
    const start = predictLogits(network, batch);
    paths.forEach((p, i) => {
      const want = logregTrajectoryLogits(prep, { formatVersion: 1, weights: logregWeights, bias: -0.75, l2: 0 }, p);
      for (let t = 0; t < p.events.length; t++) expect(start[i * batch.seqLen + t]).toBeCloseTo(want[t] as number, 4);
    });
    // Training steps move the deep part (and so the logits) but not the wide weights.
    const wideBefore = Array.from(wideLayer.getWeights()[0]!.dataSync());
    const trainer = createTrainer(network, { learningRate: 0.05, seed: 1, lastStepWeight: 5 });
    const labels = Float32Array.from(paths, (_, i) => (i % 3 === 0 ? 1 : 0));
    for (let k = 0; k < 5; k++) trainer.step({ ...batch, labels, weights: new Float32Array(paths.length).fill(1) });
    trainer.dispose();
    expect(Array.from(wideLayer.getWeights()[0]!.dataSync())).toEqual(wideBefore);
    const after = predictLogits(network, batch);
    expect(Math.max(...Array.from(after, (v, i) => Math.abs(v - (start[i] as number))))).toBeGreaterThan(1e-3);
    // The bundle's model.json carries trainable: false, so a resumed run keeps the part fixed too.
    await saveModelArtifacts(network, join(work, 'fixed'));
    const loaded = await loadModelArtifacts(join(work, 'fixed'));
    expect(loaded.layers.find((x) => x instanceof SpWideCounts)!.trainable).toBe(false);
    expect(loaded.trainableWeights.length).toBe(network.trainableWeights.length);
    expect(Array.from(predictLogits(loaded, batch))).toEqual(Array.from(after));
    network.dispose();
    loaded.dispose();
    expect(tensorCount()).toBe(before);
  });

  it('refuses a wideInit other than zero without the wide part', () => {
    expect(() => parseTrainConfig({ wide: false, wideInit: 'logreg-fixed' }, 'config.json')).toThrow(/wideInit/);
    expect(parseTrainConfig({ wideInit: 'logreg-fixed' }, 'config.json').wideInit).toBe('logreg-fixed');
  });
});
