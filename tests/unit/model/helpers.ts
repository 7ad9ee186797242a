// Seeded synthetic batches for the model tests: label 1 when the "signal" token 5 occurs in the path.
import type { SequenceBatch } from '../../../src/model/index.js';

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticBatch(opts: { batchSize: number; seqLen: number; vocabSize: number; numFeatures: number; seed: number }): SequenceBatch {
  const { batchSize: b, seqLen: t, vocabSize, numFeatures: f } = opts;
  const rand = mulberry32(opts.seed);
  const tokens = new Int32Array(b * t);
  const feats = new Float32Array(b * t * f);
  const lengths = new Int32Array(b);
  const labels = new Float32Array(b);
  const weights = new Float32Array(b).fill(1);
  for (let i = 0; i < b; i++) {
    const len = 1 + Math.floor(rand() * t);
    lengths[i] = len;
    let signal = 0;
    for (let s = 0; s < len; s++) {
      const tok = 1 + Math.floor(rand() * (vocabSize - 1));
      tokens[i * t + s] = tok;
      if (tok === 5) signal = 1;
      for (let k = 0; k < f; k++) feats[(i * t + s) * f + k] = s / t + 0.1 * k;
    }
    labels[i] = signal;
  }
  return { tokens, feats, lengths, labels, weights, batchSize: b, seqLen: t };
}
