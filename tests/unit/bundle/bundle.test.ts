// Bundles: write -> load gives identical trajectories (logreg and gru), checksums and the input example guard
// the load, versions never overwrite, verifyBundle lists problems; a signed bundle verifies and loads with its
// trusted key, and a changed manifest byte fails its signature.
import { type Manifest, stagesOf } from '../../../src/schemas/manifest.js';
import { TrainConfigSchema } from '../../../src/schemas/train-config.js';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BundleContents, createLogregScorer, createSequenceScorer, loadBundle, type ManifestDraft, verifyBundle, writeBundle } from '../../../src/bundle/index.js';
import { readTrustedKeys, resolveSigningKey, writeKeyPair } from '../../../src/bundle/signing.js';
import { loadVerifiedBundle, verifyBundleReport } from '../../../src/bundle/verify.js';
import { renderVerifyReport } from '../../../src/cli/verify.js';
import { buildModelCard, writeCardFiles } from '../../../src/card/index.js';
import { evaluateBinary } from '../../../src/evaluate/index.js';
import { mineCohortPaths } from '../../../src/explain/index.js';
import { featureDim, fitPreprocessing } from '../../../src/features/index.js';
import type { LogregModel } from '../../../src/schemas/fitted-models.js';
import { buildModel, resolveModelConfig, selectBackend, tensorCount } from '../../../src/model/index.js';
import { CatalogueSchema } from '../../../src/schemas/catalogue.js';
import type { Path } from '../../../src/schemas/path.js';
import { TaskSpecSchema } from '../../../src/schemas/task.js';

const paths: Path[] = Array.from({ length: 40 }, (_, i) => ({
  indexAgeDays: 1096,
  events: Array.from({ length: 2 + (i % 5) }, (_, t) => ({ code: t % 2 === 0 ? 'A' : `B${i % 3}`, domain: 'health', relation: 'self' as const, ageDays: 100 * t })),
}));
const prep = fitPreprocessing(paths, { minPersonsPerCode: 2, maxLen: 4 });
const calibration = { method: 'platt' as const, slope: 0.8, intercept: -1, fittedOn: 'validation' as const, n: 40 };
const catalogue = CatalogueSchema.parse({ services: [{ code: 'HOME_HELP', domain: 'social_work', label: 'Home help', labelFi: 'Kotiapu' }] });
const y = paths.map((_, i) => (i % 4 === 0 ? 1 : 0));
const report = evaluateBinary({ yTrue: y, yProb: y.map((v, i) => 0.2 + 0.5 * v + 0.01 * (i % 7)), bootstrapSamples: 0, seed: 1 });
const split = { persons: 40, families: 20, positives: 10 };
const logreg: LogregModel = { formatVersion: 1, weights: Array.from({ length: featureDim(prep) }, (_, j) => ((j % 7) - 3) / 10), bias: -0.5, l2: 0.01 };

function draft(kind: 'logreg' | 'gru'): ManifestDraft {
  return {
    createdAt: '2024-05-01T00:00:00.000Z',
    modelKind: kind,
    task: TaskSpecSchema.parse({ name: 't', index: { rule: 'age', ageDays: 1096 }, lookbackDays: 1826, outcome: { codes: ['X'] }, horizonDays: 1096 }),
    resolvedConfig: { ...TrainConfigSchema.parse({ model: kind, adjustment: 'none' }), maxLen: 4, contextHalfLivesDays: [] },
    stages: stagesOf(kind, { adjustment: 'none', calibration: 'platt' }),
    seed: 1,
    software: { node: process.versions.node, servicepath: '0.1.0', tfjs: 'none', backend: 'typescript', backendVersion: 'none' },
    dataFingerprint: { storeManifestSha256: 'a'.repeat(64), inputs: [], persons: 40, events: 160, dateRange: { from: '2010-01-01', to: '2020-01-01' }, keySource: 'demo' },
    splits: { method: 'family', seed: 1, train: split, validation: split, test: split },
    privacy: { k: 10, minCount: 5, roundTo: 5, minPersonsPerCode: 2 },
    signature: { input: 'Path', output: 'trajectory' },
  };
}

async function contents(model: BundleContents['model'], expected: Float64Array[]): Promise<BundleContents> {
  return {
    model,
    preprocessing: prep,
    calibration,
    metrics: { schemaVersion: 1, splits: { train: split, validation: split, test: split }, test: report, calibration },
    catalogue,
    cohortPaths: mineCohortPaths(paths.map((p, i) => ({ path: p, outcome: y[i] as 0 | 1, predicted: 0.1 })), catalogue, { k: 10, roundTo: 5 }),
    inputExample: { formatVersion: 1, tolerance: 1e-4, examples: [{ source: 'frequent-tokens', path: paths[3]!, expected: Array.from(expected[0]!) }] },
    trainingLog: [{ epoch: 1 }],
  };
}

const writeCard = async (dir: string) => {
  await writeFile(join(dir, 'model-card.json'), '{"model_details":{}}\n');
  await writeFile(join(dir, 'model-card.md'), '# card\n');
  await writeFile(join(dir, 'model-card.html'), '<html></html>\n');
};

let work: string;
beforeAll(async () => {
  await selectBackend('cpu');
  work = await mkdtemp(join(tmpdir(), 'sp-bundle-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('logreg bundle', () => {
  it('loads back with identical trajectories, then refuses a tampered file', async () => {
    const scorer = createLogregScorer(prep, logreg, calibration);
    const expected = await scorer.scoreTrajectories([paths[3]!, paths[7]!]);
    const { dir, manifest } = await writeBundle({ modelsDir: work, name: 'lr', manifest: draft('logreg'), contents: await contents({ kind: 'logreg', logreg }, expected), writeCard });
    expect(dir).toBe(join(work, 'lr', '1'));
    expect(manifest.files.map((f) => f.path)).toContain('logreg.json');
    expect(manifest.id).toMatch(/^sha256:/);
    const loaded = await loadBundle(dir);
    expect(await loaded.scorer.scoreTrajectories([paths[3]!, paths[7]!])).toEqual(expected);
    expect(loaded.card.markdown).toBe('# card\n');
    loaded.dispose();
    expect(await verifyBundle(dir)).toEqual([]);

    await appendFile(join(dir, 'preprocessing.json'), ' ');
    await expect(loadBundle(dir)).rejects.toMatchObject({ code: 'BUNDLE_CHECKSUM_MISMATCH' });
    expect((await verifyBundle(dir)).map((p) => p.code)).toEqual(['BUNDLE_CHECKSUM_MISMATCH']);
  });

  it('numbers versions, refuses a taken one, and catches a wrong input example', async () => {
    const scorer = createLogregScorer(prep, logreg, calibration);
    const expected = await scorer.scoreTrajectories([paths[3]!]);
    const c = await contents({ kind: 'logreg', logreg }, expected);
    const first = await writeBundle({ modelsDir: work, name: 'v', manifest: draft('logreg'), contents: c, writeCard });
    const second = await writeBundle({ modelsDir: work, name: 'v', manifest: draft('logreg'), contents: c, writeCard });
    expect([first.manifest.version, second.manifest.version]).toEqual(['1', '2']);
    await expect(writeBundle({ modelsDir: work, name: 'v', version: '2', manifest: draft('logreg'), contents: c, writeCard })).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    const shifted = Array.from(expected[0]!, (p) => p + 0.01);
    const wrong = { ...c, inputExample: { ...c.inputExample, examples: [{ ...c.inputExample.examples[0]!, expected: shifted }] } };
    const bad = await writeBundle({ modelsDir: work, name: 'v', manifest: draft('logreg'), contents: wrong, writeCard });
    await expect(loadBundle(bad.dir)).rejects.toMatchObject({ code: 'BUNDLE_INPUT_EXAMPLE_MISMATCH' });
    await expect(loadBundle(join(work, 'nothing'))).rejects.toMatchObject({ code: 'BUNDLE_NOT_FOUND' });
  });
});

describe('gru bundle', () => {
  it('save -> load gives identical predictions and leaks no tensors', async () => {
    const before = tensorCount();
    const network = buildModel(resolveModelConfig({ kind: 'gru', vocabSize: prep.vocab.length, numFeatures: prep.stepFeatures.length, maxLen: 4, dropout: 0, embedDim: 4, hiddenDim: 4, seed: 2 }));
    const scorer = createSequenceScorer('gru', prep, network, calibration);
    const long = paths.find((p) => p.events.length > 4)!;
    const expected = await scorer.scoreTrajectories([paths[3]!, long]);
    expect(expected.map((t) => t.length)).toEqual([paths[3]!.events.length, long.events.length]);
    const { dir } = await writeBundle({ modelsDir: work, name: 'g', manifest: draft('gru'), contents: await contents({ kind: 'gru', network }, expected), writeCard });
    network.dispose();
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).files.map((f: { path: string }) => f.path)).toContain('weights.bin');
    const loaded = await loadBundle(dir, { backend: 'cpu' });
    expect(await loaded.scorer.scoreTrajectories([paths[3]!, long])).toEqual(expected);
    loaded.dispose();
    expect(tensorCount()).toBe(before);
  });
});

describe('signed bundle', () => {
  it('verifies and loads with the trusted key; a changed manifest byte fails the signature check alone', async () => {
    const pair = await writeKeyPair(join(work, 'keys'));
    const signingKey = await resolveSigningKey({ keyFile: pair.privateKeyFile, env: {} });
    const trustedKeys = await readTrustedKeys([pair.publicKeyFile]);
    const expected = await createLogregScorer(prep, logreg, calibration).scoreTrajectories([paths[3]!]);
    const c = await contents({ kind: 'logreg', logreg }, expected);
    const realCard = async (dir: string, manifest: Manifest) => {
      await writeCardFiles(buildModelCard({ manifest, metrics: c.metrics, trainingLog: [...c.trainingLog] }), dir);
    };
    const { dir, manifest } = await writeBundle({ modelsDir: work, name: 'signed', manifest: draft('logreg'), contents: c, writeCard: realCard, signingKey });
    expect(manifest.manifestSignature).toMatchObject({ algorithm: 'ed25519', keyId: pair.keyId });
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).manifestSignature).toEqual(manifest.manifestSignature);

    const strict = { trustedKeys, allowUnsigned: false };
    const report = await verifyBundleReport(dir, { signatures: strict });
    expect(report.checks.map((k) => [k.name, k.status])).toEqual(
      ['manifest', 'signature', 'files', 'unlisted', 'bundle-id', 'model-card', 'manifest-card', 'splits', 'privacy', 'input-example'].map((name) => [name, 'pass']),
    );
    expect(report.signing).toEqual({ status: 'verified', keyId: pair.keyId });
    const loaded = await loadVerifiedBundle(dir, { signatures: strict });
    expect(loaded.signing).toEqual({ status: 'verified', keyId: pair.keyId });
    expect(await loaded.scorer.scoreTrajectories([paths[3]!])).toEqual(expected);
    loaded.dispose();
    // Another trainer's key is not trusted: refused unless unsigned bundles are allowed.
    const other = await readTrustedKeys([(await writeKeyPair(join(work, 'other-keys'))).publicKeyFile]);
    await expect(loadVerifiedBundle(dir, { signatures: { trustedKeys: other, allowUnsigned: false } })).rejects.toMatchObject({
      code: 'BUNDLE_VERIFY_FAILED',
      message: expect.stringContaining('signature (BUNDLE_SIGNATURE_UNTRUSTED)'),
    });
    const allowed = await loadVerifiedBundle(dir, { signatures: { trustedKeys: other, allowUnsigned: true } });
    expect(allowed.signing).toEqual({ status: 'untrusted', keyId: pair.keyId });
    allowed.dispose();

    // software.servicepath is sealed by nothing but the signature (docs/bundle-format.md).
    const file = join(dir, 'manifest.json');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('"servicepath": "0.1.0"');
    await writeFile(file, text.replace('"servicepath": "0.1.0"', '"servicepath": "0.1.1"'));
    const tampered = await verifyBundleReport(dir, { signatures: strict });
    expect(tampered.checks.filter((k) => k.status !== 'pass').map((k) => [k.name, k.status, k.problems.map((p) => p.code)])).toEqual([
      ['signature', 'fail', ['BUNDLE_SIGNATURE_INVALID']],
      ['input-example', 'skipped', []],
    ]);
    await expect(loadVerifiedBundle(dir, { signatures: { trustedKeys, allowUnsigned: true } })).rejects.toMatchObject({
      code: 'BUNDLE_VERIFY_FAILED',
      message: expect.stringContaining(`failed verification (1 of ${tampered.checks.length} checks failed, 1 skipped): signature (BUNDLE_SIGNATURE_INVALID), input-example (skipped)`),
    });
    // The command's own summary counts them apart too.
    expect(renderVerifyReport(tampered).split('\n').at(-1)).toBe(`1 of ${tampered.checks.length} checks failed, 1 skipped.`);
  });
});
