// The sequence training loop: the loss falls, no tensor leaks, checkpoints resume to the same weights.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../../src/util/random.js';
import { auroc } from '../../../src/evaluate/index.js';
import { encodePaths, fitPreprocessing } from '../../../src/features/index.js';
import { buildModel, createTrainer, resolveModelConfig, selectBackend, tensorCount } from '../../../src/model/index.js';
import type { Path } from '../../../src/schemas/path.js';
import { finalStepLogits, type SequenceData, trainSequenceModel } from '../../../src/train/sequence.js';

/** Paths whose label depends on whether a signal code appears (seeded). */
function toyData(n: number, seed: number): { paths: Path[]; labels: number[] } {
  const rng = createRng(seed);
  const paths: Path[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const signal = rng.next() < 0.3;
    const len = 3 + Math.floor(rng.next() * 6);
    const events = Array.from({ length: len }, (_, t) => ({
      code: signal && t === len - 2 ? 'SIGNAL' : `C${Math.floor(rng.next() * 5)}`,
      domain: 'health',
      relation: 'self' as const,
      ageDays: t * 100,
    }));
    paths.push({ indexAgeDays: len * 100, events });
    labels.push(signal ? (rng.next() < 0.9 ? 1 : 0) : rng.next() < 0.1 ? 1 : 0);
  }
  return { paths, labels };
}

function dataset(paths: Path[], labels: number[], prep: ReturnType<typeof fitPreprocessing>): SequenceData {
  return { encoded: encodePaths(prep, paths), labels: Float32Array.from(labels), weights: new Float32Array(paths.length).fill(1) };
}

let work: string;
beforeAll(async () => {
  await selectBackend(process.env.SERVICEPATH_TEST_BACKEND === 'wasm' ? 'wasm' : 'cpu');
  work = await mkdtemp(join(tmpdir(), 'sp-seq-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const train = toyData(160, 1);
const val = toyData(60, 2);
const prep = fitPreprocessing(train.paths, { minPersonsPerCode: 3, maxLen: 8 });
const modelConfig = resolveModelConfig({ kind: 'gru', vocabSize: prep.vocab.length, numFeatures: prep.stepFeatures.length, maxLen: 8, dropout: 0, embedDim: 8, hiddenDim: 8, seed: 3 });
const base = {
  modelConfig,
  train: dataset(train.paths, train.labels, prep),
  validation: dataset(val.paths, val.labels, prep),
  batchSize: 32,
  learningRate: 0.02,
  patience: 10,
  lastStepWeight: 2,
  seed: 5,
  now: () => 0,
};

describe('trainSequenceModel', () => {
  it('lowers the loss, learns the signal and leaks no tensors', async () => {
    const before = tensorCount();
    const result = await trainSequenceModel({ ...base, epochs: 6, checkpointDir: join(work, 'fit'), fingerprint: 'fit' });
    const logits = finalStepLogits(result.model, base.validation);
    expect(logits.length).toBe(60);
    // The returned model carries the best epoch's weights: its validation AUROC is the best logged one.
    const best = result.log.find((l) => l.epoch === result.bestEpoch)!;
    expect(auroc(base.validation.labels, logits)).toBeCloseTo(best.valAuroc!, 6);
    const first = result.log[0]?.trainLoss as number;
    const last = result.log[result.log.length - 1]?.trainLoss as number;
    expect(last).toBeLessThan(first);
    expect(Math.max(...result.log.map((l) => l.valAuroc ?? 0))).toBeGreaterThan(0.75);
    result.model.dispose();
    expect(tensorCount()).toBe(before);
  }, 60_000);

  it('resumes after an interrupted run to the same weights as an uninterrupted one', async () => {
    const straight = await trainSequenceModel({ ...base, epochs: 2 });
    const expected = finalStepLogits(straight.model, base.validation);
    straight.model.dispose();
    const dir = join(work, 'ckpt');
    const cut = await trainSequenceModel({ ...base, epochs: 2, checkpointDir: dir, fingerprint: 'f', stopAfterEpoch: 1 });
    expect(cut.stopped).toBe('interrupted');
    cut.model.dispose();
    const resumed = await trainSequenceModel({ ...base, epochs: 2, checkpointDir: dir, fingerprint: 'f', resume: true });
    expect(resumed.log.map((l) => l.epoch)).toEqual([1, 2]);
    const got = finalStepLogits(resumed.model, base.validation);
    resumed.model.dispose();
    // Adam's bias-correction powers are recomputed as beta^t on restore (tfjs setWeights) instead of the running
    // product, so the resumed run agrees to float32 rounding, not bit for bit.
    got.forEach((z, i) => {
      expect(z).toBeCloseTo(expected[i] as number, 4);
    });
    await expect(trainSequenceModel({ ...base, epochs: 2, checkpointDir: dir, fingerprint: 'other', resume: true })).rejects.toMatchObject({
      code: 'TRAIN_CHECKPOINT_INVALID',
    });
  }, 60_000);

  it('reduces the learning rate after each round without improvement, and a resumed run keeps the reduced rate', async () => {
    // A rate so small that the validation AUROC cannot move: every round after the first is without improvement.
    const slow = { ...base, learningRate: 1e-7, learningRateDecay: 0.5, patience: 10 };
    const straight = await trainSequenceModel({ ...slow, epochs: 4 });
    straight.model.dispose();
    expect(straight.log.map((l) => l.best)).toEqual([true, false, false, false]);
    expect(straight.log.map((l) => l.learningRate)).toEqual([1e-7, 1e-7, 0.5e-7, 0.25e-7]);
    const dir = join(work, 'decay');
    (await trainSequenceModel({ ...slow, epochs: 4, checkpointDir: dir, fingerprint: 'd', stopAfterEpoch: 3 })).model.dispose();
    const resumed = await trainSequenceModel({ ...slow, epochs: 4, checkpointDir: dir, fingerprint: 'd', resume: true });
    resumed.model.dispose();
    expect(resumed.log.map((l) => l.learningRate)).toEqual([1e-7, 1e-7, 0.5e-7, 0.25e-7]);
    // Without decay no rate is logged (logs of earlier runs keep their shape).
    const constant = await trainSequenceModel({ ...base, epochs: 1 });
    constant.model.dispose();
    expect(constant.log[0]).not.toHaveProperty('learningRate');
  }, 60_000);

  it('with emaDecay validates and returns the moving average of the weights, resumes it, and leaks no tensors', async () => {
    const before = tensorCount();
    const averaged = { ...base, emaDecay: 0.9 };
    const straight = await trainSequenceModel({ ...averaged, epochs: 3 });
    const expected = finalStepLogits(straight.model, base.validation);
    // The returned weights are the average's (the logged best AUROC is theirs), not the last step's.
    const best = straight.log.find((l) => l.epoch === straight.bestEpoch)!;
    expect(auroc(base.validation.labels, expected)).toBeCloseTo(best.valAuroc!, 6);
    const plain = await trainSequenceModel({ ...base, epochs: 3 });
    const plainLogits = finalStepLogits(plain.model, base.validation);
    expect(Math.max(...plainLogits.map((z, i) => Math.abs(z - (expected[i] as number))))).toBeGreaterThan(1e-3);
    plain.model.dispose();
    straight.model.dispose();
    // Interrupted after round 2 and resumed: the average continues from the checkpoint's.
    const dir = join(work, 'ema');
    (await trainSequenceModel({ ...averaged, epochs: 3, checkpointDir: dir, fingerprint: 'e', stopAfterEpoch: 2 })).model.dispose();
    // The folder holds round 2's weights and average and the best round's average, nothing older.
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'));
    expect(state.averageDir).toBe('average-2');
    expect(state.bestDir).toMatch(/^average-[12]$/);
    expect((await readdir(dir)).sort()).toEqual([...new Set(['average-2', 'epoch-2', state.bestDir, 'state.json'])].sort());
    const resumed = await trainSequenceModel({ ...averaged, epochs: 3, checkpointDir: dir, fingerprint: 'e', resume: true });
    const got = finalStepLogits(resumed.model, base.validation);
    resumed.model.dispose();
    got.forEach((z, i) => {
      expect(z).toBeCloseTo(expected[i] as number, 4);
    });
    expect(tensorCount()).toBe(before);
  }, 60_000);

  it('the average follows min(decay, (1 + step) / (10 + step)) of the weights after each step', async () => {
    const { WeightAverage } = await import('../../../src/train/weight-average.js');
    expect(WeightAverage.decayAt(0.999, 1)).toBeCloseTo(2 / 11, 12);
    expect(WeightAverage.decayAt(0.9, 1000)).toBe(0.9);
    const network = buildModel(modelConfig);
    const start = network.getWeights().map((w) => Array.from(w.dataSync()));
    const average = new WeightAverage(network, 0.5);
    // Move the weights by +1 and fold them in twice: a = 0.5 a + 0.5 w (decayAt(0.5, k) = 0.5 for k >= 8).
    network.setWeights(network.getWeights().map((w) => w.add(1)));
    average.update(8);
    average.update(9);
    average.swapIn();
    const got = network.getWeights().map((w) => Array.from(w.dataSync()));
    got.forEach((values, i) => {
      values.forEach((v, j) => {
        expect(v).toBeCloseTo((start[i]![j] as number) + 0.75, 5);
      });
    });
    average.swapOut();
    expect(Array.from(network.getWeights()[0]!.dataSync())[0]).toBeCloseTo((start[0]![0] as number) + 1, 5);
    average.dispose();
    network.dispose();
  });

  it('the trainer steps with the rate it was last given', () => {
    const network = buildModel(modelConfig);
    const trainer = createTrainer(network, { learningRate: 0.05, seed: 1 });
    const batch = { ...encodePaths(prep, train.paths.slice(0, 16)), labels: Float32Array.from(train.labels.slice(0, 16)), weights: new Float32Array(16).fill(1) };
    const weights = () => network.getWeights().map((w) => Array.from(w.dataSync()));
    const before = weights();
    trainer.setLearningRate(0);
    trainer.step(batch);
    expect(weights()).toEqual(before);
    trainer.setLearningRate(0.05);
    trainer.step(batch);
    expect(weights()).not.toEqual(before);
    trainer.dispose();
    network.dispose();
  });
});
