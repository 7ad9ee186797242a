// `servicepath reproduce`: runs src/bundle/reproduce.ts and prints each metric beside the original.
import { type ReproduceOptions, type ReproduceReport, runReproduce } from '../bundle/reproduce.js';
import { ServicepathError } from '../errors/index.js';
import { type CommandModule, emit, numberOption, parseOptions, requireOption } from './common.js';

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
