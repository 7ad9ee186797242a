// `servicepath reproduce`: retrains a bundle from its own manifest (resolved config, seed, task) and catalogue
// on the given store, in a temporary models folder, and reports each headline metric beside the original with
// the tolerance it passed or failed (docs/bundle-format.md, "Verify and reproduce").
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { checkFiles, readBundleJson, readManifest } from '../bundle/index.js';
import { sha256Hex } from '../util/hash.js';
import { ServicepathError } from '../errors/index.js';
import type { DataFingerprint, Manifest } from '../schemas/manifest.js';
import { METRIC_NAMES, type MetricEstimate, type MetricsFile, MetricsFileSchema } from '../schemas/metrics.js';
import { MANIFEST_FILE as STORE_MANIFEST_FILE, openStore } from '../store/index.js';
import { type CommandIo, type CommandModule, emit, numberOption, parseOptions, requireOption } from './common.js';
import { type TrainBundleOptions, trainBundle } from '../bundle/assemble.js';

const usage = `Usage: servicepath reproduce --bundle DIR --store STORE [--truth DIR (--key-file FILE | --demo-key)]
                            [--backend auto|wasm|cpu|tensorflow] [--tolerance X] [--keep DIR] [--json]

Retrains the bundle's model from its manifest (resolved config, seed, task) and its catalogue.json on STORE,
into a temporary models folder that is removed afterwards, and prints each headline test metric (AUROC,
AUPRC, Brier, calibration slope and intercept, ECE) and the split sizes beside the original, with the
tolerance each passed or failed. The store must match the manifest's data fingerprint (input hashes and
counts); otherwise it stops with BUNDLE_REPRODUCE_DATA_MISMATCH. Any value outside its tolerance ends with
BUNDLE_REPRODUCE_MISMATCH (exit code 6).

Tolerances (absolute): split sizes exact; metrics 1e-6 when the backend is the one recorded (logreg is plain
TypeScript and always is); 0.02 (0.1 for calibration slope and intercept) across backends.

  --bundle DIR       the model bundle (models/<name>/<version>)
  --store STORE      the event store the bundle was trained on
  --truth DIR        the generator's truth folder: also reproduces the oracle AUROC (needs the store's key)
  --key-file FILE    the pseudonymisation key the store was made with (for --truth)
  --demo-key         the public demo key (stores made with --demo-key)
  --backend B        TensorFlow.js backend for sequence models (default: the resolved config's)
  --tolerance X      one absolute tolerance for every metric instead of the defaults
  --keep DIR         write the reproduced bundle under DIR (kept) instead of a temporary folder (removed)
  --json             print the report as JSON`;

/** Absolute tolerance of each metric when the run is deterministic (same backend, same data, same seed). */
export const DETERMINISTIC_TOLERANCE = 1e-6;
/** Across backends floating-point order differs, so a sequence model's metrics move a little. */
export const CROSS_BACKEND_TOLERANCE: Record<(typeof METRIC_NAMES)[number], number> = {
  auroc: 0.02,
  auprc: 0.02,
  brier: 0.02,
  calibrationSlope: 0.1,
  calibrationIntercept: 0.1,
  ece: 0.02,
};

export interface ReproduceRow {
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

export interface DataCheck {
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
export async function checkStoreFingerprint(bundleDir: string, storeDir: string, want: DataFingerprint): Promise<DataCheck> {
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

export function compareMetrics(original: MetricsFile, reproduced: MetricsFile, tolerance: (metric: (typeof METRIC_NAMES)[number]) => number): { rows: ReproduceRow[]; notCompared: string[] } {
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

export async function runReproduce(opts: ReproduceOptions, io: CommandIo): Promise<ReproduceReport> {
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

const num = (x: number | null) => (x === null ? 'n/a' : Number.isInteger(x) ? String(x) : x.toFixed(6));
const ci = (i: [number | null, number | null] | undefined) => (i === undefined ? '' : ` [${num(i[0])}, ${num(i[1])}]`);

export function renderReproduceReport(r: ReproduceReport): string {
  const width = Math.max(...r.rows.map((row) => row.name.length));
  const lines = [
    `Bundle ${r.bundle} retrained on ${r.store}`,
    `Data: ${r.data.status === 'identical' ? 'the store is the one the bundle was trained on' : `inputs and counts match (${r.data.warning ?? ''})`}`,
    `Backend: original ${r.backend.original}, reproduced ${r.backend.reproduced}${r.backend.deterministic ? ' (same: deterministic tolerances)' : ' (different: cross-backend tolerances)'}`,
  ];
  for (const row of r.rows) {
    lines.push(
      `  ${row.pass ? 'pass' : 'FAIL'}  ${row.name.padEnd(width)}  original ${num(row.original)}${ci(row.originalInterval)}  reproduced ${num(row.reproduced)}${ci(row.reproducedInterval)}  |diff| ${num(row.difference)} <= ${row.tolerance}`,
    );
  }
  for (const n of r.notCompared) lines.push(`  not compared: ${n}`);
  lines.push(`Bundle content id ${r.sameBundleId ? 'identical' : 'differs (logs or timings may differ)'}.`);
  lines.push(r.ok ? 'Reproduced within tolerance.' : `${r.rows.filter((row) => !row.pass).length} values outside tolerance.`);
  return lines.join('\n');
}

export const command: CommandModule = {
  name: 'reproduce',
  summary: "retrain from a bundle's manifest and compare metrics",
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      {
        bundle: { type: 'string' },
        store: { type: 'string' },
        truth: { type: 'string' },
        'key-file': { type: 'string' },
        'demo-key': { type: 'boolean' },
        backend: { type: 'string' },
        tolerance: { type: 'string' },
        keep: { type: 'string' },
      },
      usage,
    );
    const opts: ReproduceOptions = {
      bundle: requireOption(values, 'bundle', usage),
      store: requireOption(values, 'store', usage),
      ...(values.truth === undefined ? {} : { truth: values.truth }),
      ...(values['key-file'] === undefined ? {} : { keyFile: values['key-file'] }),
      ...(values['demo-key'] === true ? { demoKey: true } : {}),
      ...(values.backend === undefined ? {} : { backend: values.backend }),
      ...(values.tolerance === undefined ? {} : { tolerance: numberOption(values, 'tolerance', 0) }),
      ...(values.keep === undefined ? {} : { keep: values.keep }),
    };
    if (opts.tolerance !== undefined && opts.tolerance < 0) throw new ServicepathError('CLI_USAGE', { detail: `--tolerance must be 0 or more, got ${opts.tolerance}` });
    const report = await runReproduce(opts, io);
    emit(io, values.json === true, report, () => renderReproduceReport(report));
    if (!report.ok) {
      const failed = report.rows.filter((r) => !r.pass).map((r) => r.name);
      throw new ServicepathError('BUNDLE_REPRODUCE_MISMATCH', { dir: opts.bundle, metrics: failed.join(', ') });
    }
    return 0;
  },
};
