// The Espoo-scale training paths (docs/training.md "Espoo-scale run"): length-bucketed batches, the dataset-wide
// loss normaliser, evaluation rounds counted in examples seen, the fast dropout mask, the streamed truth reader
// and interned path events.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExamples } from '../../../src/cohort/index.js';
import { encodePaths, fitPreprocessing } from '../../../src/features/index.js';
import { resolveModelConfig, selectBackend } from '../../../src/model/index.js';
import { dropoutMask } from '../../../src/model/dropout.js';
import { stepCoefficients } from '../../../src/model/batch.js';
import type { Path } from '../../../src/schemas/path.js';
import { encodeSequencePaths, epochBatches, gatherBatch, lossNormaliser, type SequenceData, trainSequenceModel } from '../../../src/train/sequence.js';
import { readTruthProbabilities } from '../../../src/train/truth.js';
import { family, source, task } from '../cohort/fixtures.js';

let work: string;
beforeAll(async () => {
  await selectBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'sp-scale-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('epochBatches', () => {
  const lengths = Int32Array.from({ length: 1000 }, (_, i) => 1 + ((i * 37) % 170));

  it('shows every example once per epoch, in batches of similar length, and depends only on (seed, epoch)', () => {
    const batches = epochBatches(lengths, 32, 7, 1, 8);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(batches.filter((b) => b.length !== 32).length).toBeLessThanOrEqual(1);
    // Within a pool of 8 batches rows are sorted by length: a batch spans far less than the whole range.
    const spread = batches.map((b) => Math.max(...b.map((r) => lengths[r] as number)) - Math.min(...b.map((r) => lengths[r] as number)));
    expect(spread.reduce((s, x) => s + x, 0) / spread.length).toBeLessThan(40);
    expect(epochBatches(lengths, 32, 7, 1, 8)).toEqual(batches);
    expect(epochBatches(lengths, 32, 7, 2, 8)).not.toEqual(batches);
    // bucketBatches 1: the plain shuffled order cut into batches.
    expect(epochBatches(lengths, 32, 7, 1, 1).flat()).not.toEqual(batches.flat());
  });
});

describe('encodeSequencePaths', () => {
  it('equals encodePaths row for row when it encodes in chunks', () => {
    const paths: Path[] = Array.from({ length: 23 }, (_, i) => ({
      indexAgeDays: 2000,
      events: Array.from({ length: 1 + ((i * 7) % 13) }, (_, t) => ({ code: `C${(i + t) % 4}`, domain: 'health', relation: 'self' as const, ageDays: 50 * t + i })),
    }));
    const prep = fitPreprocessing(paths, { minPersonsPerCode: 1, maxLen: 10 });
    expect(encodeSequencePaths(prep, paths, 5)).toEqual(encodePaths(prep, paths));
  });
});

describe('lossNormaliser', () => {
  it('divides every batch by the same per-example constant, equal to the mean coefficient sum', () => {
    const paths: Path[] = [3, 5, 8].map((n) => ({ indexAgeDays: 100 * n, events: Array.from({ length: n }, (_, t) => ({ code: 'A', domain: 'health', relation: 'self' as const, ageDays: 100 * t })) }));
    const prep = fitPreprocessing(paths, { minPersonsPerCode: 1, maxLen: 16 });
    const data: SequenceData = { encoded: encodePaths(prep, paths), labels: Float32Array.from([0, 1, 0]), weights: Float32Array.from([1, 2, 1]) };
    const c = lossNormaliser(data, 4);
    expect(c).toBeCloseTo((1 * (3 - 1 + 4) + 2 * (5 - 1 + 4) + 1 * (8 - 1 + 4)) / 3, 6);
    const all = gatherBatch(data, [0, 1, 2]);
    // Over the whole split the constant normaliser gives the old weighted mean (coefficients sum to 1).
    expect(stepCoefficients({ ...all, lossNormaliser: c * 3 }, 4).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
    const short = gatherBatch(data, [0]);
    expect(stepCoefficients({ ...short, lossNormaliser: c }, 4).reduce((s, x) => s + x, 0)).toBeCloseTo(6 / c, 5);
  });
});

describe('evaluation rounds', () => {
  it('cuts an epoch larger than evaluateEveryExamples into rounds and logs examples seen', async () => {
    const paths: Path[] = Array.from({ length: 120 }, (_, i) => ({
      indexAgeDays: 1000,
      events: Array.from({ length: 2 + (i % 5) }, (_, t) => ({ code: i % 3 === 0 ? 'S' : `C${t}`, domain: 'health', relation: 'self' as const, ageDays: 100 * t })),
    }));
    const labels = Float32Array.from(paths, (_, i) => (i % 3 === 0 ? 1 : 0));
    const prep = fitPreprocessing(paths, { minPersonsPerCode: 1, maxLen: 8 });
    const data: SequenceData = { encoded: encodePaths(prep, paths), labels, weights: new Float32Array(120).fill(1) };
    const modelConfig = resolveModelConfig({ kind: 'gru', vocabSize: prep.vocab.length, numFeatures: prep.stepFeatures.length, maxLen: 8, embedDim: 4, hiddenDim: 4, seed: 1 });
    const result = await trainSequenceModel({
      modelConfig,
      train: data,
      validation: data,
      epochs: 2,
      batchSize: 10,
      learningRate: 0.01,
      patience: 100,
      lastStepWeight: 2,
      seed: 3,
      evaluateEveryExamples: 50,
      now: () => 0,
    });
    // 120 examples, rounds of at most 50: 3 rounds per epoch (4 + 4 + 4 batches of 10).
    expect(result.log.map((l) => l.epoch)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(result.log.map((l) => l.examplesSeen)).toEqual([40, 80, 120, 160, 200, 240]);
    result.model.dispose();
  }, 60_000);
});

describe('dropoutMask', () => {
  it('keeps about 1 - rate, scaled by 1 / (1 - rate), and is a function of the seed', () => {
    const m = dropoutMask(100_000, 0.1, 42);
    const kept = m.filter((x) => x !== 0);
    expect(kept.length / m.length).toBeGreaterThan(0.89);
    expect(kept.length / m.length).toBeLessThan(0.91);
    expect(kept.every((x) => Math.abs(x - 1 / 0.9) < 1e-6)).toBe(true);
    expect(dropoutMask(1000, 0.1, 42)).toEqual(m.subarray(0, 1000));
    expect(dropoutMask(1000, 0.1, 43)).not.toEqual(m.subarray(0, 1000));
  });
});

describe('readTruthProbabilities', () => {
  it('reads each line head, falls back to the whole line in another key order, and names a bad line', async () => {
    const path = { indexAgeDays: 5, events: [{ code: 'A', domain: 'health', relation: 'self', ageDays: 1 }] };
    const row = { personId: 'p1', familyId: 'f1', indexDate: '2010-01-01', indexAgeDays: 1096, trueProbability: 0.25, outcome: 0, path, counterfactuals: [] };
    const reordered = { path, personId: 'p2', familyId: 'f1', indexDate: '2010-01-01', indexAgeDays: 1096, trueProbability: 0.5, outcome: null, counterfactuals: [] };
    const file = join(work, 'children.ndjson');
    await writeFile(file, `${JSON.stringify(row)}\r\n\n${JSON.stringify(reordered)}`);
    const got = await readTruthProbabilities(file, (id) => `x-${id}`);
    expect([...got]).toEqual([
      ['x-p1', 0.25],
      ['x-p2', 0.5],
    ]);
    await writeFile(file, `${JSON.stringify(row)}\n${JSON.stringify({ ...row, trueProbability: 2 })}\n`);
    await expect(readTruthProbabilities(file, (id) => id)).rejects.toMatchObject({ code: 'TRAIN_TRUTH_INVALID' });
  });
});

describe('interned path events', () => {
  it('shares one frozen event object between paths that hold the same event', async () => {
    const { examples } = await buildExamples(source(family()), task);
    const all = examples.flatMap((e) => e.path.events);
    expect(all.every((e) => Object.isFrozen(e))).toBe(true);
    const byKey = new Map<string, unknown>();
    for (const e of all) {
      const key = `${e.relation}|${e.domain}|${e.code}|${e.ageDays}`;
      if (byKey.has(key)) expect(byKey.get(key)).toBe(e);
      else byKey.set(key, e);
    }
  });
});
