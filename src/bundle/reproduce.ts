// Reproducing a bundle: retrains its model from its own manifest (resolved config, seed, task) and catalogue on the
// given store, in a temporary models folder, and compares each headline metric with the original within the
// tolerance for the backend (docs/bundle-format.md, "Verify and reproduce"). `servicepath reproduce` prints it.
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { sha256Hex } from '../util/hash.js';
import { ServicepathError } from '../errors/index.js';
import type { DataFingerprint, Manifest } from '../schemas/manifest.js';
import { METRIC_NAMES, type MetricEstimate, type MetricsFile, MetricsFileSchema } from '../schemas/metrics.js';
import { MANIFEST_FILE as STORE_MANIFEST_FILE, openStore } from '../store/index.js';
import { type TrainBundleOptions, trainBundle } from './assemble.js';
import { readBundleJson } from './files.js';
import { checkFiles, readManifest } from './load.js';

const DETERMINISTIC_TOLERANCE = 1e-6;
/** Across backends floating-point order differs, so a sequence model's metrics move a little. */
const CROSS_BACKEND_TOLERANCE: Record<(typeof METRIC_NAMES)[number], number> = {
  auroc: 0.02,
  auprc: 0.02,
  brier: 0.02,
  calibrationSlope: 0.1,
  calibrationIntercept: 0.1,
  ece: 0.02,
};

interface ReproduceRow {
  name: string;
  original: number | null;
  reproduced: number | null;
  /** Bootstrap 95% intervals, shown beside the estimates (not compared). */
  originalInterval?: [number | null, number | null];
  reproducedInterval?: [number | null, number | null];
  difference: number | null;
  tolerance: number;
  pass: boolean;
}

interface DataCheck {
  /** `identical`: the store manifest's sha256 matches; `inputs-match`: it differs but inputs and counts agree. */
  status: 'identical' | 'inputs-match';
  warning: string | null;
}

export interface ReproduceReport {
  bundle: string;
  store: string;
  data: DataCheck;
  backend: { original: string; reproduced: string; deterministic: boolean };
  rows: ReproduceRow[];
  notCompared: string[];
  /** True when the reproduced bundle's content id equals the original's (byte-identical model files, metrics, logs). */
  sameBundleId: boolean;
  ok: boolean;
}

/** What the store says about itself, in the manifest's data-fingerprint terms. */
async function storeFingerprint(storeDir: string): Promise<{ sha256: string; fingerprint: Omit<DataFingerprint, 'storeManifestSha256'> }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(storeDir, STORE_MANIFEST_FILE));
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file: join(storeDir, STORE_MANIFEST_FILE) }, { cause: err });
  }
  const m = (await openStore(storeDir)).manifest;
  return {
    sha256: sha256Hex(bytes),
    fingerprint: {
      inputs: m.inputs.map((f) => ({ file: f.file, sha256: f.sha256, rows: f.read, accepted: f.accepted, quarantined: f.quarantined, byReason: f.byReason })),
      persons: m.counts.persons,
      events: m.counts.events,
      dateRange: m.dateRange === null ? null : { from: m.dateRange.min, to: m.dateRange.max },
      keySource: m.pseudonym.keySource,
    },
  };
}

/** Compares the store with the manifest's fingerprint; throws BUNDLE_REPRODUCE_DATA_MISMATCH naming what differs. */
async function checkStoreFingerprint(bundleDir: string, storeDir: string, want: DataFingerprint): Promise<DataCheck> {
  const have = await storeFingerprint(storeDir);
  if (have.sha256 === want.storeManifestSha256) return { status: 'identical', warning: null };
  const differences: string[] = [];
  const wantInputs = new Map(want.inputs.map((f) => [f.file, f]));
  const haveInputs = new Map(have.fingerprint.inputs.map((f) => [f.file, f]));
  for (const [file, f] of wantInputs) {
    const h = haveInputs.get(file);
    if (h === undefined) differences.push(`input ${file} is missing`);
    else if (h.sha256 !== f.sha256) differences.push(`input ${file} has another sha256`);
    else if (!isDeepStrictEqual(h, f)) differences.push(`input ${file} has other row counts`);
  }
  for (const file of haveInputs.keys()) if (!wantInputs.has(file)) differences.push(`input ${file} is extra`);
  for (const field of ['persons', 'events', 'dateRange', 'keySource'] as const) {
    if (!isDeepStrictEqual(have.fingerprint[field], want[field])) differences.push(`${field} ${JSON.stringify(have.fingerprint[field])}, expected ${JSON.stringify(want[field])}`);
  }
  if (differences.length > 0) throw new ServicepathError('BUNDLE_REPRODUCE_DATA_MISMATCH', { store: storeDir, dir: bundleDir, detail: differences.join('; ') });
  return {
    status: 'inputs-match',
    warning: `the store's manifest.json differs from the one the bundle was trained on (re-ingested, perhaps with another key or extraction date) although its inputs and counts match; results may differ`,
  };
}

function compare(name: string, original: number | null, reproduced: number | null, tolerance: number): ReproduceRow {
  const difference = original === null || reproduced === null ? null : Math.abs(reproduced - original);
  const pass = original === null || reproduced === null ? original === reproduced : (difference as number) <= tolerance;
  return { name, original, reproduced, difference, tolerance, pass };
}

const interval = (m: MetricEstimate): [number | null, number | null] => [m.lower, m.upper];

function compareMetrics(original: MetricsFile, reproduced: MetricsFile, tolerance: (metric: (typeof METRIC_NAMES)[number]) => number): { rows: ReproduceRow[]; notCompared: string[] } {
  const rows: ReproduceRow[] = [];
  for (const split of ['train', 'validation', 'test'] as const) {
    for (const field of ['persons', 'families', 'positives'] as const) {
      const a = original.splits[split][field];
      const b = reproduced.splits[split][field];
      if (a === undefined && b === undefined) continue;
      rows.push(compare(`${split} ${field}`, a ?? null, b ?? null, 0));
    }
  }
  for (const metric of METRIC_NAMES) {
    const a = original.test.overall[metric];
    const b = reproduced.test.overall[metric];
    rows.push({ ...compare(`test ${metric}`, a.estimate, b.estimate, tolerance(metric)), originalInterval: interval(a), reproducedInterval: interval(b) });
  }
  const notCompared: string[] = [];
  if (original.test.oracle !== undefined) {
    if (reproduced.test.oracle === undefined) notCompared.push('test oracle AUROC (give --truth and the store key to reproduce it)');
    else rows.push(compare('test oracle AUROC', original.test.oracle.auroc.estimate, reproduced.test.oracle.auroc.estimate, tolerance('auroc')));
  }
  return { rows, notCompared };
}

export interface ReproduceOptions {
  bundle: string;
  store: string;
  truth?: string;
  keyFile?: string;
  demoKey?: boolean;
  backend?: string;
  tolerance?: number;
  /** Write the reproduced bundle here (kept) instead of a temporary folder (removed). */
  keep?: string;
}

export async function runReproduce(opts: ReproduceOptions, io: { stderr(line: string): void }): Promise<ReproduceReport> {
  const manifest: Manifest = await readManifest(opts.bundle);
  const damaged = await checkFiles(opts.bundle, manifest);
  if (damaged.length > 0) throw damaged[0] as ServicepathError;
  const original = await readBundleJson(opts.bundle, 'metrics.json', MetricsFileSchema);
  const data = await checkStoreFingerprint(opts.bundle, opts.store, manifest.dataFingerprint);
  if (data.warning !== null) io.stderr(`warning: ${data.warning}`);

  const work = await mkdtemp(join(tmpdir(), 'servicepath-reproduce-'));
  try {
    const taskFile = join(work, 'task.json');
    const configFile = join(work, 'config.json');
    const catalogueFile = join(work, 'catalogue.json');
    await writeFile(taskFile, `${JSON.stringify(manifest.task, null, 2)}\n`);
    await writeFile(configFile, `${JSON.stringify(manifest.resolvedConfig, null, 2)}\n`);
    await copyFile(join(opts.bundle, 'catalogue.json'), catalogueFile);
    const trainOpts: TrainBundleOptions = {
      store: opts.store,
      task: taskFile,
      model: manifest.modelKind,
      out: opts.keep ?? join(work, 'models'),
      name: manifest.name,
      version: manifest.version,
      catalogue: catalogueFile,
      config: configFile,
      seed: manifest.seed,
      ...(opts.backend === undefined ? {} : { backend: opts.backend }),
      ...(opts.truth === undefined ? {} : { truth: opts.truth }),
      ...(opts.keyFile === undefined ? {} : { keyFile: opts.keyFile }),
      ...(opts.demoKey === true ? { demoKey: true } : {}),
    };
    io.stderr(`retraining ${manifest.modelKind} ${manifest.name}/${manifest.version} with seed ${manifest.seed} on ${opts.store}`);
    const result = await trainBundle(trainOpts, { onStage: (m) => io.stderr(m) });
    if (result.bundle === null) throw new ServicepathError('INTERNAL_ERROR', { id: 'reproduce: the retraining wrote no bundle' });
    const again = await readManifest(result.bundle);
    const reproduced = await readBundleJson(result.bundle, 'metrics.json', MetricsFileSchema);
    const deterministic = again.software.backend === manifest.software.backend;
    const tolerance = (metric: (typeof METRIC_NAMES)[number]) => opts.tolerance ?? (deterministic ? DETERMINISTIC_TOLERANCE : CROSS_BACKEND_TOLERANCE[metric]);
    const { rows, notCompared } = compareMetrics(original, reproduced, tolerance);
    return {
      bundle: opts.bundle,
      store: opts.store,
      data,
      backend: { original: manifest.software.backend, reproduced: again.software.backend, deterministic },
      rows,
      notCompared,
      sameBundleId: again.id === manifest.id,
      ok: rows.every((r) => r.pass),
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

