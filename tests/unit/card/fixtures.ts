// A small, seeded bundle's evidence (manifest, metrics, training log) for the model-card tests.
import { createRng, evaluateBinary, membershipAttack } from '../../../src/evaluate/index.js';
import { stagesOf } from '../../../src/schemas/manifest.js';
import type { MetricsFile } from '../../../src/schemas/metrics.js';
import { TaskSpecSchema } from '../../../src/schemas/task.js';
import { TrainConfigSchema } from '../../../src/schemas/train-config.js';

export function fixtureEvidence(options: { seed?: number; version?: string; learningRate?: number } = {}) {
  const rng = createRng(options.seed ?? 5);
  const n = 600;
  const truth = Array.from({ length: n }, () => rng() * 0.5);
  const yTrue = truth.map((v) => (rng() < v ? 1 : 0));
  const yProb = truth.map((v) => Math.min(1, Math.max(0, v + (rng() - 0.5) * 0.2)));
  const sex = truth.map((_, i) => (i % 2 === 0 ? 'F' : 'M'));
  // 'island' has 6 people: under k, so it is suppressed.
  const area = truth.map((_, i) => (i < 6 ? 'island' : 'mainland'));
  const test = evaluateBinary({ yTrue, yProb, subgroups: { sex, area }, bootstrapSamples: 30, seed: 9, oracleProb: truth });
  // Held-out persons drawn like the evaluated ones: the attack's members are the 600 above, sampled down to 200.
  const heldOut = Array.from({ length: 200 }, () => rng() * 0.5);
  const heldOutLabels = heldOut.map((v) => (rng() < v ? 1 : 0));
  const heldOutProbs = heldOut.map((v) => Math.min(1, Math.max(0, v + (rng() - 0.5) * 0.2)));
  const membership = membershipAttack({ memberProbs: yProb, memberLabels: yTrue, nonMemberProbs: heldOutProbs, nonMemberLabels: heldOutLabels, bootstrapSamples: 30, seed: 44 });
  const metrics: MetricsFile = {
    schemaVersion: 1,
    splits: { train: { persons: 2400, positives: 610 }, validation: { persons: 600, positives: 150 }, test: { persons: 600, positives: 155 } },
    test,
    external: [{ ...test, store: 'vantaa-2024' }],
    calibration: { method: 'platt', a: 0.1, b: 0.95 },
    privacy: { membership },
  };
  const manifest = {
    formatVersion: 1 as const,
    name: 'child-welfare-3y',
    version: options.version ?? '2',
    id: `sha256:${'e'.repeat(64)}`,
    createdAt: '2025-03-01T10:00:00Z',
    modelKind: 'gru' as const,
    task: TaskSpecSchema.parse({ name: 'cw-3y', index: { rule: 'age', ageDays: 1096 }, outcome: { codes: ['CW_MEASURE'] }, horizonDays: 1095, lookbackDays: 730 }),
    resolvedConfig: { ...TrainConfigSchema.parse({ model: 'gru', hiddenDim: 64, learningRate: options.learningRate ?? 0.001, epochs: 4, adjustment: 'none' }), maxLen: 64, contextHalfLivesDays: [] },
    stages: stagesOf('gru', { adjustment: 'none', calibration: 'platt' }),
    software: { node: '20.11.0', servicepath: '0.1.0', tfjs: '4.22.0', backend: 'wasm', backendVersion: '4.22.0' },
    seed: 42,
    dataFingerprint: {
      storeManifestSha256: 'f'.repeat(64),
      inputs: [
        { file: 'persons.csv', sha256: 'a'.repeat(64), rows: 1000, accepted: 990, quarantined: 10, byReason: { bad_date: 7, 'unknown/sex': 3 } },
        { file: 'events.csv', sha256: 'b'.repeat(64), rows: 50000, accepted: 50000, quarantined: 0, byReason: {} },
      ],
      persons: 990,
      events: 50000,
      dateRange: { from: '2002-01-01', to: '2016-12-31' },
      keySource: 'file' as const,
    },
    files: [
      { path: 'model.json', sha256: 'c'.repeat(64), bytes: 12345 },
      { path: 'metrics.json', sha256: 'd'.repeat(64), bytes: 6789 },
    ],
    splits: {
      method: 'family' as const,
      seed: 42,
      train: { persons: 2400, families: 1200, positives: 610 },
      validation: { persons: 600, families: 300, positives: 150 },
      test: { persons: 600, families: 300, positives: 155 },
    },
    privacy: { k: 10, minCount: 5, roundTo: 5, minPersonsPerCode: 10 },
    signature: { input: 'Path' as const, output: 'trajectory' as const },
  };
  const trainingLog = [1, 2, 3, 4].map((epoch) => ({ epoch, trainLoss: 0.7 - epoch * 0.05, valLoss: 0.72 - epoch * 0.04, valAuroc: 0.6 + epoch * 0.02 }));
  return { manifest, metrics, trainingLog };
}
