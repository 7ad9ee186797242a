// The minimal GRU's time-decayed context: the fused scan against stock ops (value, gradient, causality), its
// meaning on a hand-made path (an earlier event weighs by elapsed time, not by position), and a model with the
// context: it trains, saves and loads with the same logits, and the TypedArray scoring engine takes it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextScanOf, contextScanOps } from '../../../src/model/context-kernels.js';
import { buildModel, loadModelArtifacts, minGruEngineOf, predictLogits, resolveModelConfig, saveModelArtifacts, selectBackend, tensorCount } from '../../../src/model/index.js';
import { mulberry32 } from './helpers.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

const HALF_LIVES = [1.5, 6];

describe.each(['wasm', 'cpu'] as const)('time-decayed context scan on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it('the fused scan matches stock ops in value and gradient, and is causal', () => {
    const before = tensorCount();
    tf.tidy(() => {
      const [b, t, c] = [3, 9, 4];
      const x = tf.randomNormal([b, t, 2 * c], 0, 1, 'float32', 3) as tf.Tensor3D;
      const times = tf.tensor2d(Float32Array.from({ length: b * t }, (_, i) => 10 - (i % t) * 0.7), [b, t]);
      const probe = tf.randomNormal([b, t, c], 0, 1, 'float32', 4);
      const fused = contextScanOf(x, times, HALF_LIVES);
      expect(fused.shape).toEqual([b, t, c]);
      expect(maxAbsDiff(fused, contextScanOps(x, times, HALF_LIVES))).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(fused)).dataSync()[0]).toBeGreaterThan(0.05);
      const lossOf = (f: (x: tf.Tensor3D) => tf.Tensor3D) => (v: tf.Tensor) => tf.sum(tf.mul(f(v as tf.Tensor3D), probe));
      const g = tf.grad(lossOf((v) => contextScanOf(v, times, HALF_LIVES)))(x);
      const ref = tf.grad(lossOf((v) => contextScanOps(v, times, HALF_LIVES)))(x);
      expect(tf.max(tf.abs(ref)).dataSync()[0]).toBeGreaterThan(1e-2);
      expect(maxAbsDiff(g, ref)).toBeLessThan(1e-4);
      // A step's own row reaches only later steps: outputs up to step 4 have no gradient from rows 4 onwards.
      const early = tf.grad((v: tf.Tensor) => tf.sum(tf.slice(contextScanOf(v as tf.Tensor3D, times, HALF_LIVES), [0, 0, 0], [-1, 5, -1])))(x);
      expect(tf.max(tf.abs(tf.slice(early, [0, 4, 0], [-1, -1, -1]))).dataSync()[0]).toBe(0);
      expect(tf.min(tf.abs(tf.slice(early, [0, 0, 0], [-1, 4, -1]))).dataSync()[0]).toBeGreaterThan(0);
    });
    expect(tensorCount()).toBe(before);
  });

  it('weighs an earlier event by the time since it, not by the steps between', () => {
    tf.tidy(() => {
      // Row 0: A at day 0, B at day 30. Row 1: A at day 0, three steps of nothing (zero rows) 10 days apart, B at day 30.
      // Half-life 30 days: at B the context holds half of A's row in both rows; row 2 has B 300 days after A.
      const x = tf.tensor3d(
        [
          [[1], [0], [0], [0], [0]],
          [[1], [0], [0], [0], [0]],
          [[1], [0], [0], [0], [0]],
        ],
        [3, 5, 1],
      );
      const times = tf.tensor2d([
        [0, 30, 30, 30, 30],
        [0, 10, 20, 25, 30],
        [0, 300, 300, 300, 300],
      ]);
      const m = contextScanOf(x, times, [30]).arraySync() as number[][][];
      expect(m[0]?.[1]?.[0]).toBeCloseTo(0.5, 5);
      expect(m[1]?.[4]?.[0]).toBeCloseTo(0.5, 5);
      expect(m[2]?.[1]?.[0]).toBeCloseTo(2 ** -10, 6);
      expect(m[0]?.[0]?.[0]).toBe(0);
    });
  });
});

describe('a minimal GRU with the time-decayed context', () => {
  let dir: string;
  beforeAll(async () => {
    await selectBackend('cpu');
    dir = await mkdtemp(join(tmpdir(), 'sp-context-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const V = 12;
  const F = 2;
  const config = (halfLivesDays: number[]) =>
    resolveModelConfig({
      kind: 'gru',
      vocabSize: V,
      numFeatures: F,
      maxLen: 16,
      embedDim: 4,
      hiddenDim: 6,
      dropout: 0,
      seed: 3,
      context: { halfLivesDays, featureIndex: 1, daysPerUnit: 365 },
    });

  it('trains on an order effect and keeps its logits through save and load', async () => {
    const rand = mulberry32(9);
    const batch = 64;
    const T = 6;
    const tokens = new Int32Array(batch * T);
    const feats = new Float32Array(batch * T * F);
    const labels = new Float32Array(batch);
    for (let i = 0; i < batch; i++) {
      // Filler tokens 3..11, then tokens 1 and 2 at steps 3 and 5; the label: token 1 came within 30 days before token 2.
      const close = i % 2 === 0;
      let day = 0;
      for (let t = 0; t < T; t++) {
        tokens[i * T + t] = t === 3 ? 1 : t === 5 ? 2 : 3 + Math.floor(rand() * 9);
        day += t === 4 ? (close ? 5 : 200) : t === 5 ? 5 : 40;
        feats[(i * T + t) * F] = 0.1;
        feats[(i * T + t) * F + 1] = (2000 - day) / 365; // time before the index, in years
      }
      labels[i] = close ? 1 : 0;
    }
    const model = buildModel(config([30]));
    expect(minGruEngineOf(model)).not.toBeNull(); // the engine's parity: min-gru-engine.test.ts
    const opt = tf.train.adam(0.05);
    const lengths = new Int32Array(batch).fill(T);
    const lossAt = () =>
      tf.tidy(() => {
        const out = model.apply([tf.tensor2d(tokens, [batch, T], 'int32'), tf.tensor3d(feats, [batch, T, F])], { training: true }) as tf.Tensor;
        const last = tf.reshape(tf.slice(out, [0, T - 1, 0], [batch, 1, 1]), [batch]);
        return tf.losses.sigmoidCrossEntropy(tf.tensor1d(labels), last) as tf.Scalar;
      });
    const first = lossAt().dataSync()[0] as number;
    for (let s = 0; s < 150; s++) opt.minimize(lossAt);
    const trained = lossAt().dataSync()[0] as number;
    expect(trained).toBeLessThan(0.2 * first);
    const before = predictLogits(model, { tokens, feats, lengths, batchSize: batch, seqLen: T });
    await saveModelArtifacts(model, dir);
    const loaded = await loadModelArtifacts(dir);
    const after = predictLogits(loaded, { tokens, feats, lengths, batchSize: batch, seqLen: T });
    expect(Math.max(...before.map((v, i) => Math.abs(v - (after[i] as number))))).toBeLessThan(1e-5);
  });

  it('refuses the context on other architectures and a time feature past the features', () => {
    expect(() => resolveModelConfig({ kind: 'gru', cell: 'full', vocabSize: V, numFeatures: F, maxLen: 8, context: { halfLivesDays: [30], featureIndex: 1, daysPerUnit: 1 } })).toThrow(/minimal cell/);
    expect(() => resolveModelConfig({ kind: 'gru', vocabSize: V, numFeatures: F, maxLen: 8, context: { halfLivesDays: [30], featureIndex: 2, daysPerUnit: 1 } })).toThrow(/numFeatures/);
  });
});
