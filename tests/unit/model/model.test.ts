import { TrainConfigSchema } from '../../../src/schemas/train-config.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildModel,
  createTrainer,
  evaluateLoss,
  predictLogits,
  resolveModelConfig,
  SEQUENCE_KINDS,
  type SequenceModelConfig,
  selectBackend,
  tensorCount,
} from '../../../src/model/index.js';
import { syntheticBatch } from './helpers.js';

const base = { vocabSize: 20, numFeatures: 2, maxLen: 12, embedDim: 8, hiddenDim: 16, layers: 1, heads: 2, dropout: 0, seed: 7 };
// Every kind, and the gru kind with each cell ('minimal' is the default one).
const VARIANTS: Array<[string, Partial<SequenceModelConfig>]> = [
  ...SEQUENCE_KINDS.map((kind): [string, Partial<SequenceModelConfig>] => [kind, { kind }]),
  ['gru (full cell)', { kind: 'gru', cell: 'full' }],
];
const configOf = (variant: Partial<SequenceModelConfig>, extra: Partial<SequenceModelConfig> = {}): SequenceModelConfig =>
  resolveModelConfig({ ...base, ...variant, ...extra });

beforeAll(async () => {
  await selectBackend('auto');
});

describe('model config', () => {
  it('fills defaults and rejects unknown keys and heads that do not divide embedDim', () => {
    const c = resolveModelConfig({ vocabSize: 10, numFeatures: 1, maxLen: 64 });
    expect(c).toMatchObject({ kind: 'gru', cell: 'minimal', maxLen: 64, embedDim: 32, hiddenDim: 64 });
    // The network's defaults are the training config's (one home: src/schemas/train-config.ts).
    const trainDefaults = TrainConfigSchema.parse({});
    expect(c).toMatchObject({ cell: trainDefaults.cell, embedDim: trainDefaults.embedDim, hiddenDim: trainDefaults.hiddenDim, layers: trainDefaults.layers, heads: trainDefaults.heads, dropout: trainDefaults.dropout, seed: trainDefaults.seed });
    // maxLen is the data's (the training config resolves 'auto'), never a second default.
    expect(() => resolveModelConfig({ vocabSize: 10, numFeatures: 1 })).toThrow(/maxLen/);
    expect(() => resolveModelConfig({ vocabSize: 10, numFeatures: 1, maxLen: 64, cell: 'lstm' })).toThrow(/cell/);
    expect(() => resolveModelConfig({ vocabSize: 10, numFeatures: 1, maxLen: 64, colour: 'red' })).toThrow(/MODEL_CONFIG_INVALID|Invalid sequence model config/);
    try {
      resolveModelConfig({ vocabSize: 10, numFeatures: 1, maxLen: 64, kind: 'transformer', embedDim: 10, heads: 3 });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('MODEL_CONFIG_INVALID');
      expect((err as Error).message).toContain('heads');
    }
  });
});

describe.each(VARIANTS)('%s sequence model', (_name, kind) => {
  it('emits one logit per step: [B,T,1] -> B*T values', () => {
    const model = buildModel(configOf(kind));
    expect(model.outputs[0]?.shape).toEqual([null, null, 1]);
    const batch = syntheticBatch({ batchSize: 3, seqLen: 12, vocabSize: 20, numFeatures: 2, seed: 1 });
    const logits = predictLogits(model, batch);
    expect(logits.length).toBe(3 * 12);
    expect(logits.every(Number.isFinite)).toBe(true);
    // A shorter T (one path at its own length) runs too.
    expect(predictLogits(model, { ...syntheticBatch({ batchSize: 1, seqLen: 5, vocabSize: 20, numFeatures: 2, seed: 2 }) }).length).toBe(5);
    model.dispose();
  });

  it('is causal: changing a later step leaves earlier steps unchanged', () => {
    const model = buildModel(configOf(kind, { layers: 2 }));
    const batch = syntheticBatch({ batchSize: 2, seqLen: 12, vocabSize: 20, numFeatures: 2, seed: 3 });
    const before = predictLogits(model, batch);
    const tokens = batch.tokens.slice();
    const feats = batch.feats.slice();
    tokens[7] = (tokens[7] as number) === 3 ? 4 : 3; // example 0, step 7
    feats[7 * 2] = 5; // and its first feature
    const after = predictLogits(model, { ...batch, tokens, feats });
    for (let s = 0; s < 7; s++) expect(after[s]).toBe(before[s]);
    expect(after[7]).not.toBe(before[7]);
    for (let s = 0; s < 12; s++) expect(after[12 + s]).toBe(before[12 + s]); // the other example is untouched
    model.dispose();
  });

  it('learns a tiny synthetic task: the loss falls', () => {
    const model = buildModel(configOf(kind));
    const trainer = createTrainer(model, { learningRate: 0.02, seed: 1 });
    const batch = syntheticBatch({ batchSize: 32, seqLen: 12, vocabSize: 20, numFeatures: 2, seed: 4 });
    const first = evaluateLoss(model, batch);
    for (let i = 0; i < 40; i++) trainer.step(batch);
    const last = evaluateLoss(model, batch);
    expect(last).toBeLessThan(first * 0.8);
    trainer.dispose();
    model.dispose();
  });

  it('leaks no tensors across training steps and predictions', () => {
    const model = buildModel(configOf(kind, { dropout: 0.1 }));
    const trainer = createTrainer(model, { learningRate: 0.01, seed: 1 });
    const batch = syntheticBatch({ batchSize: 4, seqLen: 12, vocabSize: 20, numFeatures: 2, seed: 5 });
    trainer.step(batch); // the first step creates Adam's moments
    const before = tensorCount();
    for (let i = 0; i < 3; i++) {
      trainer.step(batch);
      predictLogits(model, batch);
      evaluateLoss(model, batch);
    }
    expect(tensorCount()).toBe(before);
    trainer.dispose();
    model.dispose();
  });

  it('is deterministic for a seed (weights and loss sequence), dropout included', () => {
    const run = (seed: number) => {
      const model = buildModel(configOf(kind, { dropout: 0.2, seed }));
      const trainer = createTrainer(model, { learningRate: 0.01, seed: 3 });
      const batch = syntheticBatch({ batchSize: 8, seqLen: 12, vocabSize: 20, numFeatures: 2, seed: 6 });
      const losses = [0, 1, 2, 3].map(() => trainer.step(batch));
      const logits = predictLogits(model, batch);
      trainer.dispose();
      model.dispose();
      return { losses, logits };
    };
    const a = run(11);
    const b = run(11);
    const c = run(12);
    expect(b.losses).toEqual(a.losses);
    expect(Array.from(b.logits)).toEqual(Array.from(a.logits));
    expect(c.losses).not.toEqual(a.losses);
  });

  it('rejects a batch whose arrays disagree with its shape', () => {
    const model = buildModel(configOf(kind));
    const batch = syntheticBatch({ batchSize: 2, seqLen: 12, vocabSize: 20, numFeatures: 2, seed: 7 });
    expect(() => predictLogits(model, { ...batch, feats: new Float32Array(5) })).toThrow(/feats has 5 values/);
    model.dispose();
  });
});
