// `servicepath evaluate`: external validation of a bundle on another store (same task, all its examples).
// Prints the evaluation; never edits the bundle.
import { loadBundle } from '../bundle/index.js';
import { buildExamples } from '../cohort/index.js';
import { evaluateBinary } from '../evaluate/index.js';
import { resolvePseudonymKey } from '../ingest/key.js';
import { keyFingerprint } from '../ingest/pseudonym.js';
import { ServicepathError } from '../errors/index.js';
import type { EvaluationReport } from '../schemas/metrics.js';
import { openStore } from '../store/index.js';
import { type CommandModule, emit, intOption, parseOptions, requireOption } from './common.js';
import { readTruth } from '../train/inputs.js';

const usage = `Usage: servicepath evaluate --bundle DIR --store STORE [--truth DIR (--key-file FILE | --demo-key)]
                           [--bootstrap N] [--json]

Rebuilds the examples of the bundle's task on STORE (for example another city or a later extraction),
scores them with the bundle and reports discrimination, calibration, thresholds and subgroups with
bootstrap intervals. The bundle is not changed.

  --bundle DIR     model bundle folder
  --store STORE    event store to validate on
  --truth DIR      the generator's truth folder: adds the oracle AUROC (needs the store's key)
  --key-file FILE  the store's pseudonymisation key (for --truth)
  --demo-key       the public demo key
  --bootstrap N    bootstrap replicates (default: the bundle's)
  --json           the full report as JSON`;

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

export function renderReport(title: string, r: EvaluationReport): string {
  const o = r.overall;
  const ci = (m: { estimate: number | null; lower: number | null; upper: number | null }) => `${fmt(m.estimate)} [${fmt(m.lower)}, ${fmt(m.upper)}]`;
  return [
    title,
    `  n ${r.n}, positives ${r.positives}`,
    `  AUROC ${ci(o.auroc)}  AUPRC ${ci(o.auprc)}  Brier ${ci(o.brier)}`,
    `  calibration slope ${ci(o.calibrationSlope)}  intercept ${ci(o.calibrationIntercept)}  ECE ${ci(o.ece)}`,
    ...(r.oracle === undefined ? [] : [`  oracle AUROC ${ci(r.oracle.auroc)}  gap ${ci(r.oracle.gap)}`]),
    ...r.thresholds.map((t) => `  alert rate ${(t.alertRate * 100).toFixed(0)}%: sensitivity ${fmt(t.sensitivity)}, PPV ${fmt(t.ppv)}`),
  ].join('\n');
}

export const command: CommandModule = {
  name: 'evaluate',
  summary: 'evaluate a bundle on another store (external validation)',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      { bundle: { type: 'string' }, store: { type: 'string' }, truth: { type: 'string' }, 'key-file': { type: 'string' }, 'demo-key': { type: 'boolean' }, bootstrap: { type: 'string' } },
      usage,
    );
    const bundleDir = requireOption(values, 'bundle', usage);
    const storeDir = requireOption(values, 'store', usage);
    const bundle = await loadBundle(bundleDir);
    try {
      const store = await openStore(storeDir);
      let truth: Map<string, number> | undefined;
      if (values.truth !== undefined) {
        const { key } = await resolvePseudonymKey({ keyFile: values['key-file'], demoKey: values['demo-key'] });
        if (keyFingerprint(key) !== store.manifest.pseudonym.keyFingerprint) {
          throw new ServicepathError('TRAIN_TRUTH_INVALID', { file: values.truth, detail: 'the key given is not the key the store was made with' });
        }
        truth = await readTruth(values.truth, key);
      }
      const task = bundle.manifest.task;
      const { examples, counts } = await buildExamples(() => store.persons(), task);
      if (examples.length === 0) throw new ServicepathError('TASK_NO_EXAMPLES', { task: task.name, examples: 0, min: 1, detail: 'no eligible person' });
      const trajectories = await bundle.scorer.scoreTrajectories(examples.map((e) => e.path));
      const yProb = Float64Array.from(trajectories, (t) => t[t.length - 1] as number);
      const oracle = truth === undefined ? undefined : examples.map((e) => truth.get(e.personId));
      const oracleProb = oracle?.every((p) => p !== undefined) === true ? Float64Array.from(oracle as number[]) : undefined;
      const config = bundle.manifest.resolvedConfig;
      const report = evaluateBinary({
        yTrue: Float64Array.from(examples, (e) => e.label),
        yProb,
        clusters: examples.map((e) => e.familyId),
        subgroups: {
          sex: examples.map((e) => e.subgroups.sex),
          birthCohort: examples.map((e) => e.subgroups.birthCohort),
          area: examples.map((e) => e.subgroups.area),
          languageGroup: examples.map((e) => e.subgroups.languageGroup),
        },
        k: bundle.manifest.privacy.k,
        minCount: bundle.manifest.privacy.minCount,
        roundTo: bundle.manifest.privacy.roundTo,
        bootstrapSamples: intOption(values, 'bootstrap', config.evaluation.bootstrapSamples),
        seed: bundle.manifest.seed,
        ...(oracleProb === undefined ? {} : { oracleProb }),
      });
      const result = { bundle: { name: bundle.manifest.name, version: bundle.manifest.version }, store: storeDir, counts, report };
      emit(io, values.json === true, result, () =>
        renderReport(`External validation of ${bundle.manifest.name} v${bundle.manifest.version} (${bundle.manifest.modelKind}) on ${storeDir}`, report),
      );
      return 0;
    } finally {
      bundle.dispose();
    }
  },
};
