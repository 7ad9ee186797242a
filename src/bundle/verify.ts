// Verifying a bundle for tampering or damage, one named check at a time (docs/bundle-format.md, "Verify and
// reproduce"): the manifest's signature, checksums, unlisted files, the bundle id, the manifest against checksummed
// evidence, the privacy audit with every finding, and the input example. Load = verify: the service loads through
// loadVerifiedBundle, which runs these same checks and keeps the bundle the input-example check loaded.
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { buildModelCard } from '../card/index.js';
import { readTrainingLog } from '../card/read.js';
import { isServicepathError, ServicepathError } from '../errors/index.js';
import type { BackendPreference } from '../model/index.js';
import { auditBundle, privacyErrors } from '../privacy/audit.js';
import type { Manifest } from '../schemas/manifest.js';
import { MetricsFileSchema } from '../schemas/metrics.js';
import { ModelCardSchema } from '../schemas/model-card.js';
import { sha256Hex } from '../util/hash.js';
import { listFiles, readBundleJson } from './files.js';
import { checkFiles, type LoadedBundle, openBundle, readManifestFile } from './load.js';
import { type BundleSigning, checkSignature, type SignaturePolicy } from './signing.js';
import { CARD_FILE_NAMES, MANIFEST_FILE } from './write.js';

type CheckStatus = 'pass' | 'fail' | 'skipped';

interface VerifyCheck {
  name: string;
  description: string;
  status: CheckStatus;
  problems: { code: string; message: string }[];
}

export interface VerifyReport {
  bundle: string;
  ok: boolean;
  /** How the manifest is signed (null when there is no readable manifest). */
  signing: BundleSigning | null;
  checks: VerifyCheck[];
}

interface VerifyOptions {
  /** TensorFlow.js backend for sequence models (default auto). */
  backend?: BackendPreference;
  /** Trusted keys and whether unsigned bundles pass the signature check. */
  signatures: SignaturePolicy;
}

/** A bundle that passed every check, with its signing status. */
export type VerifiedBundle = LoadedBundle & { signing: BundleSigning };

const asProblem = (e: ServicepathError) => ({ code: e.code, message: e.message });

/** Runs one check; catalogued errors become its problems, anything else propagates. */
async function check(name: string, description: string, body: () => Promise<ServicepathError[]>): Promise<VerifyCheck> {
  try {
    const problems = await body();
    return { name, description, status: problems.length === 0 ? 'pass' : 'fail', problems: problems.map(asProblem) };
  } catch (err) {
    if (isServicepathError(err)) return { name, description, status: 'fail', problems: [asProblem(err)] };
    throw err;
  }
}

const skipped = (name: string, description: string): VerifyCheck => ({ name, description, status: 'skipped', problems: [] });

/** The first JSON pointer where two JSON values differ ('' when the roots differ in kind). */
function firstDifference(a: unknown, b: unknown, at = ''): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(ra), ...Object.keys(rb)])]) {
      const diff = firstDifference(ra[key], rb[key], `${at}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
      if (diff !== null) return diff;
    }
  }
  return at === '' ? '/' : at;
}

/** The evidence a card value at `pointer` was copied from: the nearest `source` on the way down, as `file pointer`. */
function sourceAt(card: unknown, pointer: string): string | null {
  let node: unknown = card;
  let found: string | null = null;
  for (const raw of pointer.split('/').slice(1)) {
    if (node === null || typeof node !== 'object') break;
    const source = (node as { source?: { file?: unknown; pointer?: unknown } }).source;
    if (source !== undefined && typeof source.file === 'string' && typeof source.pointer === 'string') found = `${source.file} ${source.pointer}`;
    node = (node as Record<string, unknown>)[raw.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return found;
}

/** The bundle id as writeBundle computes it: sha256 over `path:sha256` lines of every file but the card's. */
function expectedId(manifest: Manifest): string {
  const content = manifest.files.filter((f) => !CARD_FILE_NAMES.includes(f.path)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return `sha256:${sha256Hex(content.map((f) => `${f.path}:${f.sha256}`).join('\n'))}`;
}

const CHECKS: [string, string][] = [
  ['signature', "the manifest's Ed25519 signature verifies with a trusted key (unsigned or untrusted: only when allowed)"],
  ['files', 'every listed file is present with its size and sha256; the required files are listed'],
  ['unlisted', 'no file in the folder is missing from the manifest'],
  ['bundle-id', "the manifest's id is the hash of the listed content files"],
  ['model-card', 'model-card.json is valid against the model card schema'],
  ['manifest-card', 'the card rebuilt from manifest.json, metrics.json and training-log.jsonl equals model-card.json'],
  ['splits', "the manifest's split sizes equal metrics.json's"],
  ['privacy', 'every published number follows the disclosure rules: groups, outcome counts and complements, no recoverable hidden cell'],
  ['input-example', 'the model loads and the input example reproduces its stored outputs (skipped when another check failed)'],
];

/**
 * Runs every check. The input-example check loads the model, only when every other check passed (a bundle that
 * fails one is never loaded); the loaded bundle is returned (the caller disposes it) so that a loader need not
 * load it twice.
 */
async function inspectBundle(dir: string, opts: VerifyOptions): Promise<{ report: VerifyReport; bundle: LoadedBundle | null }> {
  const checks: VerifyCheck[] = [];
  let read: { manifest: Manifest; raw: object } | undefined;
  checks.push(
    await check('manifest', 'manifest.json is present and valid against its schema', async () => {
      read = await readManifestFile(dir);
      return [];
    }),
  );
  if (read === undefined) {
    for (const [name, description] of CHECKS) checks.push(skipped(name, description));
    return { report: { bundle: dir, ok: false, signing: null, checks }, bundle: null };
  }
  const m = read.manifest;
  const raw = read.raw;
  const describe = (name: string) => CHECKS.find(([n]) => n === name)?.[1] ?? name;

  const signature = checkSignature(dir, raw, m.manifestSignature, opts.signatures);
  checks.push(await check('signature', describe('signature'), async () => (signature.problem === null ? [] : [signature.problem])));
  checks.push(await check('files', describe('files'), () => checkFiles(dir, m)));
  checks.push(
    await check('unlisted', describe('unlisted'), async () => {
      const listed = new Set([MANIFEST_FILE, ...m.files.map((f) => f.path)]);
      return (await listFiles(dir)).filter((f) => !listed.has(f)).map((file) => new ServicepathError('BUNDLE_FILE_UNLISTED', { dir, file }));
    }),
  );
  checks.push(
    await check('bundle-id', describe('bundle-id'), async () => {
      const want = expectedId(m);
      return m.id === want ? [] : [new ServicepathError('BUNDLE_MANIFEST_MISMATCH', { dir, evidence: 'its listed content files', detail: `id is ${m.id}, the files hash to ${want}` })];
    }),
  );
  checks.push(
    await check('model-card', describe('model-card'), async () => {
      await readBundleJson(dir, 'model-card.json', ModelCardSchema);
      return [];
    }),
  );
  checks.push(
    await check('manifest-card', describe('manifest-card'), async () => {
      // The card was built from the manifest as it was before the card's own files were listed (and before signing).
      const cardManifest = { ...m, files: m.files.filter((f) => !CARD_FILE_NAMES.includes(f.path)) };
      delete cardManifest.manifestSignature;
      const metrics = await readBundleJson(dir, 'metrics.json', MetricsFileSchema);
      const trainingLog = await readTrainingLog(join(dir, 'training-log.jsonl'));
      const rebuilt = JSON.parse(JSON.stringify(buildModelCard({ manifest: cardManifest, metrics, trainingLog }))) as unknown;
      const stored = await readBundleJson(dir, 'model-card.json', ModelCardSchema);
      const at = firstDifference(rebuilt, JSON.parse(JSON.stringify(stored)) as unknown);
      if (at === null) return [];
      const source = sourceAt(rebuilt, at);
      const detail = `the card rebuilt from it differs at ${at}${source === null ? '' : ` (copied from ${source})`}`;
      return [new ServicepathError('BUNDLE_MANIFEST_MISMATCH', { dir, evidence: 'model-card.json', detail })];
    }),
  );
  checks.push(
    await check('splits', describe('splits'), async () => {
      const metrics = await readBundleJson(dir, 'metrics.json', MetricsFileSchema);
      const problems: ServicepathError[] = [];
      for (const split of ['train', 'validation', 'test'] as const) {
        const a = m.splits[split];
        const b = metrics.splits[split];
        for (const field of ['persons', 'families', 'positives'] as const) {
          if (b[field] !== undefined && a[field] !== b[field]) {
            problems.push(new ServicepathError('BUNDLE_MANIFEST_MISMATCH', { dir, evidence: 'metrics.json', detail: `splits.${split}.${field} is ${a[field]}, metrics.json says ${String(b[field])}` }));
          }
        }
      }
      return problems;
    }),
  );
  checks.push(
    await check('privacy', describe('privacy'), async () => privacyErrors(dir, await auditBundle(dir))),
  );
  let bundle: LoadedBundle | null = null;
  if (checks.every((c) => c.status === 'pass')) {
    checks.push(
      await check('input-example', describe('input-example'), async () => {
        bundle = await openBundle(dir, m, opts.backend === undefined ? {} : { backend: opts.backend });
        return [];
      }),
    );
  } else {
    checks.push(skipped('input-example', describe('input-example')));
  }
  return { report: { bundle: dir, ok: checks.every((c) => c.status === 'pass'), signing: signature.signing, checks }, bundle };
}

/** Every check of a bundle (`servicepath verify`); nothing stays loaded. */
export async function verifyBundleReport(dir: string, opts: VerifyOptions): Promise<VerifyReport> {
  const { report, bundle } = await inspectBundle(dir, opts);
  (bundle as LoadedBundle | null)?.dispose();
  return report;
}

/** BUNDLE_VERIFY_FAILED for a report that is not ok: each failed or skipped check with its codes, and the first problem. */
export function verifyFailure(report: VerifyReport): ServicepathError {
  const notPassed = report.checks.filter((c) => c.status !== 'pass');
  const failed = notPassed.filter((c) => c.status === 'fail').length;
  const outcome = `${failed} of ${report.checks.length} checks failed${notPassed.length > failed ? `, ${notPassed.length - failed} skipped` : ''}`;
  const failures = notPassed.map((c) => `${c.name} (${c.status === 'skipped' ? 'skipped' : [...new Set(c.problems.map((p) => p.code))].join(', ')})`).join(', ');
  const first = report.checks.flatMap((c) => c.problems)[0];
  return new ServicepathError(
    'BUNDLE_VERIFY_FAILED',
    { dir: report.bundle, outcome, failures, first: first === undefined ? 'none (checks skipped)' : `${first.code}: ${first.message}` },
    { details: notPassed.map((c) => ({ check: c.name, status: c.status, problems: c.problems })) },
  );
}

/**
 * Load = verify: runs every check of `servicepath verify` and returns the bundle its input-example check loaded,
 * with its signing status; a bundle that fails any check is refused with BUNDLE_VERIFY_FAILED naming them.
 */
export async function loadVerifiedBundle(dir: string, opts: VerifyOptions): Promise<VerifiedBundle> {
  const { report, bundle } = await inspectBundle(dir, opts);
  const loaded = bundle as LoadedBundle | null;
  if (!report.ok || loaded === null || report.signing === null) {
    loaded?.dispose();
    throw verifyFailure(report);
  }
  return { ...loaded, signing: report.signing };
}
