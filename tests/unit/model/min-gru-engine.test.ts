// The minimal GRU's TypedArray scoring engine against the tfjs forward pass of the same model: per-step
// logits of rows with shared prefixes, divergent rows, windows, more distinct steps than the gate table's
// first capacity; and which architectures get no engine.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createScorer } from '../../../src/bundle/index.js';
import { fitPreprocessing } from '../../../src/features/index.js';
import { buildModel, type EngineRow, minGruEngineOf, predictLogits, resolveModelConfig, selectBackend } from '../../../src/model/index.js';
import type { Path } from '../../../src/schemas/path.js';
import { mulberry32 } from './helpers.js';

const V = 40;
const F = 3;

function model(extra: Record<string, unknown> = {}): tf.LayersModel {
  const network = buildModel(resolveModelConfig({ kind: 'gru', vocabSize: V, numFeatures: F, maxLen: 64, dropout: 0, embedDim: 6, hiddenDim: 9, seed: 5, ...extra }));
  // Larger weights than the initialisers give, so the gates are far from 0.5 and the states move.
  const rand = mulberry32(17);
  network.setWeights(network.getWeights().map((w) => tf.tensor(Float32Array.from(w.dataSync(), () => (rand() - 0.5) * 2), w.shape)));
  return network;
}

/** Rows as the engine takes them and the tfjs per-step logits of the same rows (right-padded batch). */
function tfjsLogits(network: tf.LayersModel, rows: EngineRow[]): number[][] {
  const seqLen = Math.max(...rows.map((r) => r.end - r.start));
  const tokens = new Int32Array(rows.length * seqLen);
  const feats = new Float32Array(rows.length * seqLen * F);
  rows.forEach((r, i) => {
    tokens.set(r.tokens.subarray(r.start, r.end), i * seqLen);
    feats.set(r.feats.subarray(r.start * F, r.end * F), i * seqLen * F);
  });
  const lengths = Int32Array.from(rows, (r) => r.end - r.start);
  const logits = predictLogits(network, { tokens, feats, lengths, batchSize: rows.length, seqLen });
  return rows.map((r, i) => Array.from(logits.subarray(i * seqLen, i * seqLen + r.end - r.start)));
}

function engineLogits(network: tf.LayersModel, rows: EngineRow[], readFrom = () => 0): number[][] {
  const engine = minGruEngineOf(network);
  if (engine === null) throw new Error('no engine');
  const out = rows.map((r) => new Array<number>(r.end - r.start).fill(Number.NaN));
  engine.run(rows, readFrom, (row, step, logit) => {
    (out[row] as number[])[step] = logit;
  });
  return out;
}

function randomRow(rand: () => number, length: number): EngineRow {
  const tokens = Int32Array.from({ length }, () => 1 + Math.floor(rand() * (V - 1)));
  const feats = Float32Array.from({ length: length * F }, () => Math.round(rand() * 8) / 4);
  return { tokens, feats, start: 0, end: length };
}

/** A copy of `base` with its step `at` replaced (token and features), so it shares the prefix [0, at). */
function variantOf(base: EngineRow, at: number, token: number): EngineRow {
  const tokens = Int32Array.from(base.tokens);
  const feats = Float32Array.from(base.feats);
  tokens[at] = token;
  feats[at * F] = 3.5;
  return { tokens, feats, start: 0, end: base.end };
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let worst = 0;
  a.forEach((row, i) => {
    row.forEach((v, j) => {
      // NaN (a step not written, or missing in b) makes the result NaN, which fails every `toBeLessThan`.
      worst = Math.max(worst, Math.abs(v - (b[i]?.[j] ?? Number.NaN)));
    });
  });
  return worst;
}

describe('minimal GRU scoring engine', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('gives the tfjs forward pass per-step logits for variants that share and leave the first row prefix', () => {
    const network = model();
    const rand = mulberry32(3);
    const base = randomRow(rand, 12);
    const rows: EngineRow[] = [
      base,
      variantOf(base, 0, 7), // diverges at once
      variantOf(base, 5, 9), // shares 5 steps
      variantOf(base, 11, 2), // shares all but the last
      { ...base }, // the same row again
      { tokens: Int32Array.from([...base.tokens, 4, 5]), feats: Float32Array.from([...base.feats, 1, 0, 2, 0.5, 0.25, 1]), start: 0, end: 14 }, // longer
      { ...base, end: 6 }, // a prefix of it
      randomRow(rand, 3),
      randomRow(rand, 1),
    ];
    const want = tfjsLogits(network, rows);
    const got = engineLogits(network, rows);
    expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
    // Not a trivial model: the logits move along the path and differ between variants.
    const spread = Math.max(...(want[0] as number[])) - Math.min(...(want[0] as number[]));
    expect(spread).toBeGreaterThan(0.1);
    expect(Math.abs((got[3] as number[])[11]! - (got[0] as number[])[11]!)).toBeGreaterThan(1e-4);
    network.dispose();
  });

  it('with the time-decayed context, gives the tfjs logits for shared prefixes, variants and windows', () => {
    const network = model({ context: { halfLivesDays: [1, 4], featureIndex: 1, daysPerUnit: 2 } });
    expect(network.getWeights().length).toBeGreaterThan(model().getWeights().length);
    const rand = mulberry32(5);
    const base = randomRow(rand, 14);
    const long = randomRow(rand, 20);
    const rows: EngineRow[] = [
      base,
      variantOf(base, 0, 7),
      variantOf(base, 6, 9),
      variantOf(base, 13, 2),
      { ...base, end: 8 },
      randomRow(rand, 1),
      ...[0, 3, 9].map((start) => ({ ...long, start, end: start + 11 })),
    ];
    const want = tfjsLogits(network, rows);
    expect(maxAbsDiff(engineLogits(network, rows), want)).toBeLessThan(1e-5);
    // The context matters: zeroing its tables changes the logits.
    const weights = network.getWeights();
    const plain = model({ context: { halfLivesDays: [1, 4], featureIndex: 1, daysPerUnit: 2 } });
    plain.setWeights(weights.map((w, i) => (i === 4 || i === 5 ? tf.zerosLike(w) : w)));
    expect(maxAbsDiff(engineLogits(plain, rows), want)).toBeGreaterThan(1e-3);
    network.dispose();
    plain.dispose();
  });

  it('scores windows (rows that start inside the encoded arrays) and only reports steps from readFrom', () => {
    const network = model();
    const rand = mulberry32(8);
    const long = randomRow(rand, 20);
    const windows: EngineRow[] = [0, 3, 9].map((start) => ({ ...long, start, end: start + 11 }));
    const want = tfjsLogits(network, windows);
    const got = engineLogits(network, windows, () => 4);
    got.forEach((row, i) => {
      expect(row.slice(0, 4).every(Number.isNaN)).toBe(true);
      expect(maxAbsDiff([row.slice(4)], [(want[i] as number[]).slice(4)])).toBeLessThan(1e-5);
    });
    network.dispose();
  });

  it('stays exact when a call holds more distinct steps than the gate table first holds', () => {
    const network = model();
    const rand = mulberry32(11);
    const rows = Array.from({ length: 60 }, () => randomRow(rand, 40)); // 2,400 steps, nearly all distinct
    expect(maxAbsDiff(engineLogits(network, rows), tfjsLogits(network, rows))).toBeLessThan(1e-5);
    network.dispose();
  });

  it('gives the same logits when a large call is cut into chunks of whole rows', () => {
    const network = model();
    const rand = mulberry32(21);
    const base = randomRow(rand, 15);
    const rows = [base, variantOf(base, 4, 3), randomRow(rand, 9), variantOf(base, 10, 6), randomRow(rand, 30), randomRow(rand, 2)];
    const engine = minGruEngineOf(network)!;
    const collect = (maxSteps?: number) => {
      const out = rows.map((r) => new Array<number>(r.end - r.start).fill(Number.NaN));
      engine.run(rows, () => 0, (row, step, logit) => {
        (out[row] as number[])[step] = logit;
      }, maxSteps);
      return out;
    };
    const whole = collect();
    // 20 steps per chunk: the 30-step row goes alone, the others in twos and threes.
    const chunked = collect(20);
    expect(maxAbsDiff(chunked, whole)).toBeLessThan(1e-12);
    expect(maxAbsDiff(whole, tfjsLogits(network, rows))).toBeLessThan(1e-5);
    network.dispose();
  });

  it('follows new weights (its per-token table is remade) and refuses a token outside the vocabulary', () => {
    const network = model();
    const rand = mulberry32(31);
    const rows = Array.from({ length: 4 }, () => randomRow(rand, 10));
    const engine = minGruEngineOf(network)!;
    const run = () => {
      const out = rows.map((r) => new Array<number>(r.end - r.start).fill(Number.NaN));
      engine.run(rows, () => 0, (row, step, logit) => {
        (out[row] as number[])[step] = logit;
      });
      return out;
    };
    const before = run();
    expect(maxAbsDiff(before, tfjsLogits(network, rows))).toBeLessThan(1e-5);
    // New embeddings, token kernel and bias (as training or setWeights would write them), same engine object.
    network.setWeights(network.getWeights().map((w) => tf.tensor(Float32Array.from(w.dataSync(), (v) => -0.8 * v + 0.05), w.shape)));
    const after = run();
    expect(maxAbsDiff(after, tfjsLogits(network, rows))).toBeLessThan(1e-5);
    expect(maxAbsDiff(after, before)).toBeGreaterThan(1e-3);
    const tensors = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(tensors);
    const bad: EngineRow = { ...randomRow(rand, 3), tokens: Int32Array.from([1, V, 2]) };
    expect(() => engine.run([bad], () => 0, () => undefined)).toThrow(/outside the vocabulary/);
    network.dispose();
  });

  it('exists only for one minimal-GRU layer: stacked layers, the full cell and the transformer score through tfjs', () => {
    const cases: Record<string, unknown>[] = [{ layers: 2 }, { cell: 'full' }, { kind: 'transformer', heads: 2, embedDim: 6 }];
    for (const extra of cases) {
      const network = model(extra);
      expect(minGruEngineOf(network)).toBeNull();
      network.dispose();
    }
    const network = model();
    expect(minGruEngineOf(network)).not.toBeNull();
    network.dispose();
  });

  it('gives the scorer the same calibrated trajectories as the tfjs route, long paths included', async () => {
    const paths: Path[] = Array.from({ length: 12 }, (_, i) => ({
      indexAgeDays: 4000,
      events: Array.from({ length: 3 + 2 * i }, (_, t) => ({ code: `C${(t * 7 + i) % 9}`, domain: 'health', relation: t % 3 === 0 ? ('mother' as const) : ('self' as const), ageDays: 30 * t + i })),
    }));
    const prep = fitPreprocessing(paths, { minPersonsPerCode: 2, maxLen: 8 });
    const network = buildModel(resolveModelConfig({ kind: 'gru', vocabSize: prep.vocab.length, numFeatures: prep.stepFeatures.length, maxLen: 64, dropout: 0, embedDim: 4, hiddenDim: 6, seed: 9 }));
    const calibration = { method: 'platt' as const, slope: 1.3, intercept: -0.7, fittedOn: 'validation' as const, n: 12 };
    const viaEngine = await createScorer(prep, { kind: 'gru', network }, calibration, null, 'auto').scoreTrajectories(paths);
    const viaTfjs = await createScorer(prep, { kind: 'gru', network }, calibration, null, 'tfjs').scoreTrajectories(paths);
    expect(viaEngine.map((t) => t.length)).toEqual(paths.map((p) => p.events.length));
    expect(maxAbsDiff(viaEngine.map((t) => Array.from(t)), viaTfjs.map((t) => Array.from(t)))).toBeLessThan(1e-6);
    network.dispose();
  });
});
