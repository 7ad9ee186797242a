// `servicepath verify` and `reproduce` on a logreg bundle trained from data-samples: a fresh bundle passes,
// each kind of tampering (a weight byte, a manifest field, a removed file, an added file, a re-hashed model
// edit) fails with its code in verify and in the service's loader (load = verify) while the genuine bundle
// serves; a bundle trained with --signing-key verifies with its trusted key and a full re-forge fails only its
// signature; retraining from the manifest reproduces the stored metrics. Also the GiBleed task's concept lists.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { loadBundle } from '../../src/bundle/index.js';
import { InputExampleSchema } from '../../src/bundle/input-example.js';
import { readTrustedKeys } from '../../src/bundle/signing.js';
import { CARD_FILE_NAMES } from '../../src/bundle/write.js';
import { buildModelCard, writeCardFiles } from '../../src/card/index.js';
import { readTrainingLog } from '../../src/card/read.js';
import { LogregModelSchema } from '../../src/schemas/fitted-models.js';
import { MetricsFileSchema } from '../../src/schemas/metrics.js';
import { createScorer } from '../../src/scoring/scorer.js';
import { loadBundleForServing, servingLoader } from '../../src/serve/default-loader.js';
import type { BundleLoader } from '../../src/serve/types.js';
import { ModelRegistry } from '../../src/serve/registry.js';
import Fastify from 'fastify';
import type { ReproduceReport } from '../../src/bundle/reproduce.js';
import type { VerifyReport } from '../../src/bundle/verify.js';
import { TaskSpecSchema } from '../../src/schemas/task.js';
import { CatalogueSchema } from '../../src/schemas/catalogue.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SAMPLES = join(ROOT, 'data-samples');
const GIBLEED = join(ROOT, '..', 'shared', 'data', 'eunomia-gibleed-omop');

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false }, out, err };
}

async function cli(args: string[]) {
  const { io, out, err } = captureIo();
  const code = await runCli(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let work: string;
let store: string;
let bundle: string;
/** The same training, signed with keys/signing.key (`servicepath keys new --out keys`). */
let signedBundle: string;
let keysDir: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sp-verify-'));
  store = join(work, 'store');
  const ingest = await cli(['ingest', '--input', SAMPLES, '--format', 'canonical', '--out', store, '--demo-key']);
  expect(ingest.code, ingest.err).toBe(0);
  const config = join(work, 'config.json');
  await writeFile(config, JSON.stringify({ evaluation: { bootstrapSamples: 20 } }));
  const train = await cli(['train', '--store', store, '--task', join(SAMPLES, 'task.json'), '--model', 'logreg', '--out', join(work, 'models'), '--name', 'cw', '--config', config, '--json']);
  expect(train.code, train.err).toBe(0);
  bundle = (JSON.parse(train.out) as { bundle: string }).bundle;
  keysDir = join(work, 'keys');
  const keys = await cli(['keys', 'new', '--out', keysDir, '--json']);
  expect(keys.code, keys.err).toBe(0);
  const signed = await cli(['train', '--store', store, '--task', join(SAMPLES, 'task.json'), '--model', 'logreg', '--out', join(work, 'models'), '--name', 'cwsigned', '--config', config, '--signing-key', join(keysDir, 'signing.key'), '--json']);
  expect(signed.code, signed.err).toBe(0);
  const result = JSON.parse(signed.out) as { bundle: string; signingKeyId: string };
  expect(result.signingKeyId).toBe((JSON.parse(keys.out) as { keyId: string }).keyId);
  signedBundle = result.bundle;
}, 180_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** A separate copy of the bundle to tamper with. */
async function copyOf(name: string, from = bundle): Promise<string> {
  const dir = join(work, 'copies', name);
  await cp(from, dir, { recursive: true });
  return dir;
}

async function verify(dir: string, ...flags: string[]): Promise<{ code: number; report: VerifyReport; err: string }> {
  const r = await cli(['verify', '--bundle', dir, '--json', ...flags]);
  return { code: r.code, report: JSON.parse(r.out) as VerifyReport, err: r.err };
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const jsonText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
type ManifestJson = { id: string; version: string; files: { path: string; sha256: string; bytes: number }[]; manifestSignature?: unknown };
const readManifestJson = async (dir: string) => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ManifestJson;

/** Writes a file of a bundle copy and updates its checksum in the manifest, as an editor covering their tracks would. */
async function rehash(dir: string, file: string, text: string): Promise<void> {
  await writeFile(join(dir, file), text);
  const manifest = await readManifestJson(dir);
  const entry = manifest.files.find((f) => f.path === file)!;
  entry.sha256 = sha256(text);
  entry.bytes = Buffer.byteLength(text);
  await writeFile(join(dir, 'manifest.json'), jsonText(manifest));
}

/**
 * The attack of issue 23: a copy whose calibration intercept is raised by 2 (a different model), with the input
 * example's expected risks recomputed and every checksum in the manifest updated; the id is left as it was.
 */
async function raisedIntercept(name: string, from = bundle): Promise<string> {
  const dir = await copyOf(name, from);
  const original = await loadBundle(from);
  original.dispose();
  if (original.calibration.method !== 'platt') throw new Error('expected platt calibration');
  const calibration = { ...original.calibration, intercept: original.calibration.intercept + 2 };
  await rehash(dir, 'calibration.json', jsonText(calibration));
  const logreg = LogregModelSchema.parse(JSON.parse(await readFile(join(dir, 'logreg.json'), 'utf8')));
  const scorer = createScorer(original.preprocessing, { kind: 'logreg', logreg }, calibration, original.effect);
  const example = InputExampleSchema.parse(JSON.parse(await readFile(join(dir, 'input-example.json'), 'utf8')));
  const risks = await scorer.scoreTrajectories(example.examples.map((e) => e.path));
  const rescored = { ...example, examples: example.examples.map((e, i) => ({ ...e, expected: Array.from(risks[i]!) })) };
  expect(rescored.examples[0]!.expected.at(-1)).toBeGreaterThan(example.examples[0]!.expected.at(-1)!);
  await rehash(dir, 'input-example.json', jsonText(rescored));
  return dir;
}

/** Goes the whole way: the id recomputed from the content files and the card rebuilt from the edited manifest. */
async function reforge(dir: string): Promise<void> {
  const manifest = await readManifestJson(dir);
  const content = manifest.files.filter((f) => !CARD_FILE_NAMES.includes(f.path)).sort((a, b) => (a.path < b.path ? -1 : 1));
  manifest.id = `sha256:${sha256(content.map((f) => `${f.path}:${f.sha256}`).join('\n'))}`;
  const { manifestSignature: _kept, ...unsigned } = manifest;
  const metrics = MetricsFileSchema.parse(JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')));
  const trainingLog = await readTrainingLog(join(dir, 'training-log.jsonl'));
  await writeCardFiles(buildModelCard({ manifest: { ...unsigned, files: content }, metrics, trainingLog }), dir);
  for (const f of manifest.files.filter((x) => CARD_FILE_NAMES.includes(x.path))) {
    const bytes = await readFile(join(dir, f.path));
    f.sha256 = sha256(bytes);
    f.bytes = bytes.length;
  }
  await writeFile(join(dir, 'manifest.json'), jsonText(manifest));
}

/** One bundle served from the folder its manifest names (the registry refuses any other): [status, code] of it. */
async function serveOne(label: string, dir: string, loader: BundleLoader) {
  const { name, version } = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { name: string; version: string };
  const models = join(work, `serve-${label}`);
  await cp(dir, join(models, name, version), { recursive: true });
  const registry = new ModelRegistry({ modelsDir: models, loader, log: Fastify({ logger: false }).log, batch: { windowMs: 1, maxBatchPaths: 8 } });
  await registry.reload();
  const [v] = registry.all();
  await registry.close();
  return { status: v!.status, code: v!.error?.code ?? null, message: v!.error?.message ?? null, signing: v!.bundle?.signing ?? null };
}

/** The genuine bundle and `dir`, each served by `loader` from its own models folder. */
async function serveBoth(name: string, dir: string, loader: BundleLoader = loadBundleForServing, good = bundle) {
  return { good: await serveOne(`${name}-good`, good, loader), bad: await serveOne(`${name}-bad`, dir, loader) };
}

const failed = (report: VerifyReport) => Object.fromEntries(report.checks.filter((c) => c.status === 'fail').map((c) => [c.name, c.problems.map((p) => p.code)]));

describe('servicepath verify', () => {
  it('passes every check on a fresh bundle', async () => {
    const { code, report, err } = await verify(bundle);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.signing).toEqual({ status: 'unsigned', keyId: null });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['manifest', 'pass'],
      ['signature', 'pass'],
      ['files', 'pass'],
      ['unlisted', 'pass'],
      ['bundle-id', 'pass'],
      ['model-card', 'pass'],
      ['manifest-card', 'pass'],
      ['splits', 'pass'],
      ['privacy', 'pass'],
      ['input-example', 'pass'],
    ]);
    const text = await cli(['verify', '--bundle', bundle]);
    expect(text.out).toContain('All 10 checks passed.');
    expect(text.out).toContain('Signature: not signed');
    const privacy = await cli(['privacy-check', '--bundle', bundle]);
    expect(privacy.code, privacy.err).toBe(0);
    expect(privacy.out).toContain('No finding');
  });

  it('catches a changed byte of the logreg weights', async () => {
    const dir = await copyOf('weight-byte');
    const file = join(dir, 'logreg.json');
    const bytes = await readFile(file);
    // A digit inside the weights array: still valid JSON, a different model.
    const at = bytes.indexOf('"weights"') + 20;
    const digit = bytes.subarray(at).findIndex((b) => b >= 0x30 && b <= 0x39) + at;
    bytes[digit] = bytes[digit] === 0x31 ? 0x32 : 0x31;
    await writeFile(file, bytes);
    const { code, report, err } = await verify(dir);
    expect(code).toBe(5);
    expect(err).toContain('BUNDLE_VERIFY_FAILED');
    expect(failed(report)).toEqual({ files: ['BUNDLE_CHECKSUM_MISMATCH'] });
    expect(report.checks.find((c) => c.name === 'input-example')?.status).toBe('skipped');
  });

  it('catches a cohort path edited to show a group of 3, in verify, privacy-check and the service', async () => {
    const dir = await copyOf('count-of-3');
    const file = join(dir, 'cohort-paths.json');
    const cohort = JSON.parse(await readFile(file, 'utf8')) as { paths: { persons: number }[] };
    expect(cohort.paths.length).toBeGreaterThan(0);
    cohort.paths[0]!.persons = 3;
    const text = `${JSON.stringify(cohort, null, 2)}\n`;
    await writeFile(file, text);
    // As an editor would: the manifest's checksum of the file follows the edit, so only the content gives it away.
    const manifestFile = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: { path: string; sha256: string; bytes: number }[] };
    const entry = manifest.files.find((f) => f.path === 'cohort-paths.json')!;
    entry.sha256 = createHash('sha256').update(text).digest('hex');
    entry.bytes = Buffer.byteLength(text);
    await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    const { code, report } = await verify(dir);
    expect(code).toBe(5);
    expect(failed(report).privacy).toContain('BUNDLE_PRIVACY_VIOLATION');
    const check = await cli(['privacy-check', '--bundle', dir, '--json']);
    expect(check.code).toBe(5);
    expect(check.err).toContain('BUNDLE_PRIVACY_VIOLATION');
    const audit = JSON.parse(check.out) as { findings: { file: string; pointer: string; message: string }[] };
    expect(audit.findings.some((f) => f.file === 'cohort-paths.json' && f.pointer === '/paths/0/persons')).toBe(true);
    // The service refuses that bundle and keeps serving the untouched one beside it.
    const states = await serveBoth('count-of-3', dir);
    expect(states.good).toMatchObject({ status: 'ready', code: null });
    expect(states.bad).toMatchObject({ status: 'refused', code: 'BUNDLE_VERIFY_FAILED', message: expect.stringContaining('privacy (BUNDLE_PRIVACY_VIOLATION)') });
  });

  it('catches a re-hashed model edit (calibration intercept + 2, input example and checksums recomputed), in verify and the service', async () => {
    const dir = await raisedIntercept('raised-intercept');
    const { code, report, err } = await verify(dir);
    expect(code).toBe(5);
    expect(err).toContain('BUNDLE_VERIFY_FAILED');
    expect(err).toContain('bundle-id (BUNDLE_MANIFEST_MISMATCH)');
    expect(failed(report)['bundle-id']).toEqual(['BUNDLE_MANIFEST_MISMATCH']);
    expect(report.checks.find((c) => c.name === 'input-example')?.status).toBe('skipped');
    const states = await serveBoth('raised-intercept', dir);
    expect(states.good).toMatchObject({ status: 'ready', code: null, signing: { status: 'unsigned', keyId: null } });
    expect(states.bad).toMatchObject({ status: 'refused', code: 'BUNDLE_VERIFY_FAILED', message: expect.stringContaining('bundle-id (BUNDLE_MANIFEST_MISMATCH)') });
  });

  it('catches a manifest-only edit of the version, in verify and the service', async () => {
    const dir = await copyOf('manifest-version');
    const manifest = await readManifestJson(dir);
    manifest.version = '7';
    await writeFile(join(dir, 'manifest.json'), jsonText(manifest));
    const { code, report } = await verify(dir);
    expect(code).toBe(5);
    expect(failed(report)).toEqual({ 'manifest-card': ['BUNDLE_MANIFEST_MISMATCH'] });
    const states = await serveBoth('manifest-version', dir);
    expect(states.good.status).toBe('ready');
    expect(states.bad).toMatchObject({ status: 'refused', code: 'BUNDLE_VERIFY_FAILED', message: expect.stringContaining('manifest-card (BUNDLE_MANIFEST_MISMATCH)') });
  });

  it('privacy-check --profile passes a profile as written and names a tampered cell', async () => {
    const out = join(work, 'profile');
    const made = await cli(['profile', '--store', store, '--out', out]);
    expect(made.code, made.err).toBe(0);
    const clean = await cli(['privacy-check', '--profile', out]);
    expect(clean.code, clean.err).toBe(0);
    const file = join(out, 'profile.json');
    const profile = JSON.parse(await readFile(file, 'utf8')) as { tables: Record<string, Record<string, unknown>[]> };
    const row = profile.tables['persons_per_code']!.find((r) => typeof r['persons'] === 'number')!;
    row['persons'] = 3;
    await writeFile(file, JSON.stringify(profile));
    const bad = await cli(['privacy-check', '--profile', out, '--json']);
    expect(bad.code).toBe(5);
    const audit = JSON.parse(bad.out) as { findings: { file: string; pointer: string }[] };
    expect(audit.findings.some((f) => f.file === 'profile.json' && f.pointer.startsWith('/tables/persons_per_code/'))).toBe(true);
  });

  it('catches a changed manifest field', async () => {
    const dir = await copyOf('manifest-field');
    const file = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { seed: number; resolvedConfig: { seed: number } };
    manifest.seed += 1;
    await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
    const { code, report, err } = await verify(dir);
    expect(code).toBe(5);
    expect(err).toContain('BUNDLE_VERIFY_FAILED');
    expect(failed(report)).toEqual({ 'manifest-card': ['BUNDLE_MANIFEST_MISMATCH'] });
    expect(report.checks.find((c) => c.name === 'manifest-card')?.problems[0]?.message).toContain('differs at /model_parameters/seed/value (copied from manifest.json /seed)');
  });

  it('catches a changed split size in the manifest against metrics.json', async () => {
    const dir = await copyOf('manifest-splits');
    const file = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as { splits: { test: { positives: number } } };
    manifest.splits.test.positives += 1;
    await writeFile(file, `${JSON.stringify(manifest, null, 2)}\n`);
    const { code, report } = await verify(dir);
    expect(code).toBe(5);
    expect(failed(report)).toEqual({ splits: ['BUNDLE_MANIFEST_MISMATCH'] });
  });

  it('catches a removed file', async () => {
    const dir = await copyOf('removed-file');
    await rm(join(dir, 'calibration.json'));
    const { code, report, err } = await verify(dir);
    expect(code).toBe(5);
    expect(err).toContain('BUNDLE_VERIFY_FAILED');
    expect(failed(report)).toEqual({ files: ['BUNDLE_FILE_MISSING'] });
  });

  it('catches an added file the manifest does not list', async () => {
    const dir = await copyOf('added-file');
    await writeFile(join(dir, 'notes.txt'), 'not part of the bundle\n');
    const { code, report } = await verify(dir);
    expect(code).toBe(5);
    expect(failed(report)).toEqual({ unlisted: ['BUNDLE_FILE_UNLISTED'] });
  });

  it('reports a folder without a manifest', async () => {
    const { code, report } = await verify(join(work, 'nowhere'));
    expect(code).toBe(5);
    expect(failed(report)).toEqual({ manifest: ['BUNDLE_NOT_FOUND'] });
    expect(report.checks.filter((c) => c.status === 'skipped')).toHaveLength(9);
  });
});

describe('signed bundles (train --signing-key, verify --trusted-keys, the service)', () => {
  it('verifies with the trusted key; another key or no signature fails unless --allow-unsigned', async () => {
    const ok = await verify(signedBundle, '--trusted-keys', keysDir);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.report.signing).toMatchObject({ status: 'verified' });
    const text = await cli(['verify', '--bundle', signedBundle, '--trusted-keys', join(keysDir, 'signing.pub')]);
    expect(text.out).toMatch(/Signature: signed with trusted key [0-9a-f]{16}; the signature verifies/);
    // Without --trusted-keys nothing is checked against a key: verify says so and passes.
    const noKeys = await verify(signedBundle);
    expect(noKeys.code).toBe(0);
    expect(noKeys.report.signing).toMatchObject({ status: 'untrusted' });
    const otherKeys = join(work, 'other-keys');
    expect((await cli(['keys', 'new', '--out', otherKeys])).code).toBe(0);
    const other = await verify(signedBundle, '--trusted-keys', otherKeys);
    expect(other.code).toBe(5);
    expect(failed(other.report)).toEqual({ signature: ['BUNDLE_SIGNATURE_UNTRUSTED'] });
    expect((await verify(signedBundle, '--trusted-keys', otherKeys, '--allow-unsigned')).code).toBe(0);
    const unsigned = await verify(bundle, '--trusted-keys', keysDir);
    expect(failed(unsigned.report)).toEqual({ signature: ['BUNDLE_UNSIGNED'] });
    expect((await verify(bundle, '--trusted-keys', keysDir, '--allow-unsigned')).code).toBe(0);
  });

  it('a full re-forge (the model edit, id recomputed, card rebuilt) passes every other check and fails the signature', async () => {
    // Unsigned, the forgery is indistinguishable from a genuine bundle: what the signature is for.
    const unsignedForgery = await raisedIntercept('reforged-unsigned');
    await reforge(unsignedForgery);
    expect((await verify(unsignedForgery)).code).toBe(0);
    const dir = await raisedIntercept('reforged-signed', signedBundle);
    await reforge(dir);
    const { code, report } = await verify(dir, '--trusted-keys', keysDir);
    expect(code).toBe(5);
    expect(failed(report)).toEqual({ signature: ['BUNDLE_SIGNATURE_INVALID'] });
    // The service with the trusted key refuses it, and refuses it even with --allow-unsigned; the genuine one serves.
    const trustedKeys = await readTrustedKeys([keysDir]);
    for (const allowUnsigned of [false, true]) {
      const states = await serveBoth(`reforged-${allowUnsigned}`, dir, servingLoader({ trustedKeys, allowUnsigned }), signedBundle);
      expect(states.good).toMatchObject({ status: 'ready', signing: { status: 'verified', keyId: trustedKeys[0]!.keyId } });
      expect(states.bad).toMatchObject({ status: 'refused', code: 'BUNDLE_VERIFY_FAILED', message: expect.stringContaining('signature (BUNDLE_SIGNATURE_INVALID)') });
    }
    // Stripping the signature leaves an unsigned bundle: refused without --allow-unsigned.
    const manifest = await readManifestJson(dir);
    delete manifest.manifestSignature;
    await writeFile(join(dir, 'manifest.json'), jsonText(manifest));
    const stripped = await serveBoth('stripped', dir, servingLoader({ trustedKeys, allowUnsigned: false }), signedBundle);
    expect(stripped.bad).toMatchObject({ status: 'refused', code: 'BUNDLE_VERIFY_FAILED', message: expect.stringContaining('signature (BUNDLE_UNSIGNED)') });
  });
});

describe('servicepath reproduce', () => {
  it('reproduces the bundled sample exactly and removes its temporary folder', async () => {
    const before = (await readdir(tmpdir())).filter((n) => n.startsWith('servicepath-reproduce-'));
    const r = await cli(['reproduce', '--bundle', bundle, '--store', store, '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as ReproduceReport;
    expect(report.ok).toBe(true);
    expect(report.data.status).toBe('identical');
    expect(report.backend).toEqual({ original: 'typescript', reproduced: 'typescript', deterministic: true });
    const names = report.rows.map((row) => row.name);
    for (const m of ['auroc', 'auprc', 'brier', 'calibrationSlope', 'calibrationIntercept', 'ece']) expect(names).toContain(`test ${m}`);
    expect(names).toContain('test persons');
    for (const row of report.rows) {
      expect(row.pass).toBe(true);
      expect(row.difference ?? 0).toBeLessThanOrEqual(1e-6);
    }
    expect(report.rows.find((row) => row.name === 'test auroc')?.tolerance).toBe(1e-6);
    const after = (await readdir(tmpdir())).filter((n) => n.startsWith('servicepath-reproduce-'));
    expect(after.filter((n) => !before.includes(n))).toEqual([]);
  });

  it('fails with BUNDLE_REPRODUCE_MISMATCH when a stored metric differs', async () => {
    // A bundle whose metrics.json claims a better AUROC (checksums updated so that only the numbers lie).
    const dir = await copyOf('better-auroc');
    const metricsFile = join(dir, 'metrics.json');
    const metrics = JSON.parse(await readFile(metricsFile, 'utf8')) as { test: { overall: { auroc: { estimate: number } } } };
    metrics.test.overall.auroc.estimate += 0.01;
    const text = `${JSON.stringify(metrics, null, 2)}\n`;
    await writeFile(metricsFile, text);
    const manifestFile = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { files: { path: string; sha256: string; bytes: number }[] };
    const { createHash } = await import('node:crypto');
    const entry = manifest.files.find((f) => f.path === 'metrics.json');
    if (entry === undefined) throw new Error('metrics.json not listed');
    entry.sha256 = createHash('sha256').update(text).digest('hex');
    entry.bytes = Buffer.byteLength(text);
    await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    const r = await cli(['reproduce', '--bundle', dir, '--store', store, '--json']);
    expect(r.code).toBe(6);
    expect(r.err).toContain('BUNDLE_REPRODUCE_MISMATCH');
    const report = JSON.parse(r.out) as ReproduceReport;
    expect(report.rows.filter((row) => !row.pass).map((row) => row.name)).toEqual(['test auroc']);
  });

  it('refuses a store that is not the data the bundle was trained on', async () => {
    const other = join(work, 'other-store');
    const input = join(work, 'other-input');
    await cp(SAMPLES, input, { recursive: true });
    const events = await readFile(join(input, 'events.csv'), 'utf8');
    await writeFile(join(input, 'events.csv'), events.split('\n').slice(0, -200).join('\n'));
    expect((await cli(['ingest', '--input', input, '--format', 'canonical', '--out', other, '--demo-key'])).code).toBe(0);
    const r = await cli(['reproduce', '--bundle', bundle, '--store', other]);
    expect(r.code).toBe(6);
    expect(r.err).toContain('BUNDLE_REPRODUCE_DATA_MISMATCH');
    expect(r.err).toContain('events.csv has another sha256');
  });
});

const GIBLEED_PRESENT = existsSync(GIBLEED);
const GIBLEED_SKIPPED = 'skipped: needs ../shared/data/eunomia-gibleed-omop (Eunomia GiBleed, docs/gibleed.md); absent';
if (!GIBLEED_PRESENT) console.warn(`tests/integration/verify-reproduce.test.ts GiBleed task ${GIBLEED_SKIPPED}`);
describe.skipIf(!GIBLEED_PRESENT)(`GiBleed task (data-samples/tasks)${GIBLEED_PRESENT ? '' : ` (${GIBLEED_SKIPPED})`}`, () => {
  /** All descendants (concept_ancestor includes each concept as its own descendant at level 0). */
  async function descendants(ancestors: string[]): Promise<string[]> {
    const lines = (await readFile(join(GIBLEED, 'concept_ancestor.csv'), 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('ancestor_concept_id,descendant_concept_id,min_levels_of_separation,max_levels_of_separation');
    const out = new Set<string>();
    for (const line of lines.slice(1)) {
      const [a, d] = line.split(',');
      if (ancestors.includes(a as string)) out.add(d as string);
    }
    return [...out].sort();
  }

  it('lists exactly the concept_ancestor descendants of celecoxib/diclofenac (index) and GI hemorrhage (outcome)', async () => {
    const task = TaskSpecSchema.parse(JSON.parse(await readFile(join(SAMPLES, 'tasks', 'gibleed-gi-bleed.json'), 'utf8')));
    if (task.index.rule !== 'first_event') throw new Error('expected a first_event index rule');
    expect([...task.index.codes].sort()).toEqual(await descendants(['1118084', '1124300']));
    expect(task.index.domain).toBe('drug');
    expect([...task.outcome.codes].sort()).toEqual(await descendants(['192671']));
    expect(task.outcome.domains).toEqual(['condition']);
    expect(task).toMatchObject({ horizonDays: 365, excludePriorOutcome: true, censoring: 'exclude', eligibility: { minObservationDays: 365, requireObservedAtIndex: true } });
    CatalogueSchema.parse(JSON.parse(await readFile(join(SAMPLES, 'tasks', 'gibleed-catalogue.json'), 'utf8')));
  });
});
