// `servicepath verify`: checks a bundle for tampering or damage, one named check at a time, and exits
// non-zero (BUNDLE_VERIFY_FAILED) when any fails. Loading and checksums are src/bundle's; this adds the
// checks a loader does not need: unlisted files, the bundle id, and the manifest against checksummed evidence.
import { isDeepStrictEqual } from 'node:util';
import { join } from 'node:path';
import { CARD_FILE_NAMES, checkFiles, listFiles, loadBundle, MANIFEST_FILE, readBundleJson, readManifest } from '../bundle/index.js';
import { sha256Hex } from '../util/hash.js';
import { buildModelCard } from '../card/index.js';
import { isServicepathError, ServicepathError } from '../errors/index.js';
import type { BackendPreference } from '../model/index.js';
import type { Manifest } from '../schemas/manifest.js';
import { MetricsFileSchema } from '../schemas/metrics.js';
import { ModelCardSchema } from '../schemas/model-card.js';
import { readTrainingLog } from '../card/read.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath verify --bundle DIR [--backend auto|wasm|cpu|tensorflow] [--json]

Checks a model bundle and prints each check with pass or fail (docs/bundle-format.md, "Verify and reproduce"):
  manifest        manifest.json is present and valid against its schema
  files           every listed file is present with its size and sha256; the required files are listed
  unlisted        no file in the folder is missing from the manifest
  bundle-id       the manifest's id is the hash of the listed content files
  model-card      model-card.json is valid against the model card schema
  manifest-card   the card rebuilt from manifest.json, metrics.json and training-log.jsonl equals model-card.json
  splits          the manifest's split sizes equal metrics.json's
  input-example   the model loads and the input example reproduces its stored outputs
Exits 0 when every check passes, else with BUNDLE_VERIFY_FAILED (exit code 5).

  --bundle DIR     the model bundle (models/<name>/<version>)
  --backend B      TensorFlow.js backend for sequence models (default auto)
  --json           print the report as JSON`;

export type CheckStatus = 'pass' | 'fail' | 'skipped';

export interface VerifyCheck {
  name: string;
  description: string;
  status: CheckStatus;
  problems: { code: string; message: string }[];
}

export interface VerifyReport {
  bundle: string;
  ok: boolean;
  checks: VerifyCheck[];
}

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
export function firstDifference(a: unknown, b: unknown, at = ''): string | null {
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

export async function verifyBundleReport(dir: string, backend: BackendPreference = 'auto'): Promise<VerifyReport> {
  const checks: VerifyCheck[] = [];
  let manifest: Manifest | undefined;
  checks.push(
    await check('manifest', 'manifest.json is present and valid against its schema', async () => {
      manifest = await readManifest(dir);
      return [];
    }),
  );
  const rest: [string, string][] = [
    ['files', 'every listed file is present with its size and sha256; the required files are listed'],
    ['unlisted', 'no file in the folder is missing from the manifest'],
    ['bundle-id', "the manifest's id is the hash of the listed content files"],
    ['model-card', 'model-card.json is valid against the model card schema'],
    ['manifest-card', 'the card rebuilt from manifest.json, metrics.json and training-log.jsonl equals model-card.json'],
    ['splits', "the manifest's split sizes equal metrics.json's"],
    ['input-example', 'the model loads and the input example reproduces its stored outputs'],
  ];
  if (manifest === undefined) {
    for (const [name, description] of rest) checks.push(skipped(name, description));
    return { bundle: dir, ok: false, checks };
  }
  const m = manifest;
  const describe = (name: string) => rest.find(([n]) => n === name)?.[1] ?? name;

  const files = await check('files', describe('files'), () => checkFiles(dir, m));
  checks.push(files);
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
      // The card was built from the manifest as it was before the card's own files were listed.
      const cardManifest = { ...m, files: m.files.filter((f) => !CARD_FILE_NAMES.includes(f.path)) };
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
  if (files.status === 'pass') {
    checks.push(
      await check('input-example', describe('input-example'), async () => {
        (await loadBundle(dir, { backend })).dispose();
        return [];
      }),
    );
  } else {
    checks.push(skipped('input-example', describe('input-example')));
  }
  return { bundle: dir, ok: checks.every((c) => c.status === 'pass'), checks };
}

export function renderVerifyReport(r: VerifyReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = [`Bundle ${r.bundle}`];
  for (const c of r.checks) {
    lines.push(`  ${c.status.padEnd(7)} ${c.name.padEnd(width)}  ${c.description}`);
    for (const p of c.problems) lines.push(`          ${p.code}: ${p.message}`);
  }
  const failed = r.checks.filter((c) => c.status !== 'pass').length;
  lines.push(r.ok ? `All ${r.checks.length} checks passed.` : `${failed} of ${r.checks.length} checks failed or were skipped.`);
  return lines.join('\n');
}

export const command: CommandModule = {
  name: 'verify',
  summary: 'check a bundle: schema, checksums, input example',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(argv, { bundle: { type: 'string' }, backend: { type: 'string' } }, usage);
    const dir = requireOption(values, 'bundle', usage);
    const backend = (values.backend ?? 'auto') as BackendPreference; // checked by selectBackend (MODEL_BACKEND_INVALID)
    const report = await verifyBundleReport(dir, backend);
    emit(io, values.json === true, report, () => renderVerifyReport(report));
    if (!report.ok) {
      const notPassed = report.checks.filter((c) => c.status !== 'pass');
      const codes = [...new Set(notPassed.flatMap((c) => c.problems.map((p) => p.code)))];
      throw new ServicepathError('BUNDLE_VERIFY_FAILED', { dir, failed: notPassed.length, checks: report.checks.length, codes: codes.length > 0 ? codes.join(', ') : 'checks skipped' });
    }
    return 0;
  },
};
