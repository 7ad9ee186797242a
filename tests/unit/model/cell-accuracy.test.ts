// The minimal cell must fit as well as the full GRU: a task whose label depends on counts of two risk
// tokens and on WHEN a protective token occurs (earlier = stronger). Both cells train briefly on the same
// batches; the validation AUROC of the last-step risk is compared against each other and the oracle.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildModel,
  createTrainer,
  predictLogits,
  resolveModelConfig,
  type SequenceBatch,
  selectBackend,
} from '../../../src/model/index.js';
import { mulberry32 } from './helpers.js';

const VOCAB = 24;
const T = 24;
const RISK_A = 3;
const RISK_B = 4;
const PROTECTIVE = 7;

/** True log-odds of a path: counts of the risk tokens, minus a protective effect that fades with time. */
function trueLogit(tokens: Int32Array, offset: number, len: number): number {
  let z = -1.5;
  let protectedAt = -1;
  for (let s = 0; s < len; s++) {
    const tok = tokens[offset + s] as number;
    if (tok === RISK_A) z += 0.9;
    if (tok === RISK_B) z += 0.6;
    if (tok === PROTECTIVE && protectedAt < 0) protectedAt = s;
  }
  if (protectedAt >= 0) z -= 3 * (1 - protectedAt / T);
  return z;
}

function taskBatch(batchSize: number, seed: number): { batch: SequenceBatch; oracle: Float64Array } {
  const rand = mulberry32(seed);
  const tokens = new Int32Array(batchSize * T);
  const feats = new Float32Array(batchSize * T);
  const lengths = new Int32Array(batchSize);
  const labels = new Float32Array(batchSize);
  const oracle = new Float64Array(batchSize);
  for (let i = 0; i < batchSize; i++) {
    const len = 8 + Math.floor(rand() * (T - 7));
    lengths[i] = len;
    for (let s = 0; s < len; s++) {
      const u = rand();
      tokens[i * T + s] = u < 0.08 ? RISK_A : u < 0.16 ? RISK_B : u < 0.2 ? PROTECTIVE : 8 + Math.floor(rand() * (VOCAB - 8));
      feats[i * T + s] = s / T;
    }
    const z = trueLogit(tokens, i * T, len);
    oracle[i] = z;
    labels[i] = rand() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const weights = new Float32Array(batchSize).fill(1);
  return { batch: { tokens, feats, lengths, labels, weights, batchSize, seqLen: T }, oracle };
}

/** Mann-Whitney AUROC (ties count one half). */
function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  let pairs = 0;
  let wins = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      const d = (scores[i] as number) - (scores[j] as number);
      wins += d > 0 ? 1 : d === 0 ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

function lastStepScores(logits: Float32Array, batch: SequenceBatch): Float64Array {
  return Float64Array.from(batch.lengths, (len, i) => logits[i * batch.seqLen + len - 1] as number);
}

beforeAll(async () => {
  await selectBackend('auto');
});

describe('minimal vs full GRU cell on a count-and-timing task', () => {
  it('the minimal cell fits as well as the full GRU (validation AUROC within 0.03)', () => {
    const train = Array.from({ length: 6 }, (_, k) => taskBatch(128, 100 + k).batch);
    const { batch: valid, oracle } = taskBatch(1000, 999);
    const trainAndScore = (cell: 'minimal' | 'full'): number => {
      const model = buildModel(resolveModelConfig({ vocabSize: VOCAB, numFeatures: 1, maxLen: 64, dropout: 0, embedDim: 8, hiddenDim: 16, cell, seed: 3 }));
      const trainer = createTrainer(model, { learningRate: 0.02, seed: 1, lastStepWeight: 4 });
      for (let epoch = 0; epoch < 25; epoch++) for (const b of train) trainer.step(b);
      const score = auroc(lastStepScores(predictLogits(model, valid), valid), valid.labels);
      trainer.dispose();
      model.dispose();
      return score;
    };
    const minimal = trainAndScore('minimal');
    const full = trainAndScore('full');
    const best = auroc(oracle, valid.labels);
    console.log(`validation AUROC: oracle ${best.toFixed(3)}, minimal ${minimal.toFixed(3)}, full ${full.toFixed(3)}`);
    expect(full).toBeGreaterThan(best - 0.1); // the reference model learned the task
    expect(minimal).toBeGreaterThan(full - 0.03);
    expect(minimal).toBeGreaterThan(best - 0.06);
  });
});
