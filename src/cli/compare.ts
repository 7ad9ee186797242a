// `servicepath compare`: two bundles of one task scored on the same examples, each metric of both and the
// paired difference (candidate - baseline) with a family bootstrap interval. On the store they were trained on
// it rebuilds their test split (checked against the counts in their manifests); elsewhere it uses every example.
import type { ResolvedTrainConfig } from '../schemas/train-config.js';
import { isDeepStrictEqual } from 'node:util';
import { type LoadedBundle, loadBundle } from '../bundle/index.js';
import { buildExamples, splitExamples } from '../cohort/index.js';
import { ServicepathError } from '../errors/index.js';
import { COMPARED_METRICS, comparePaired, type PairedComparison } from '../evaluate/index.js';
import { roundCount } from '../privacy/rules.js';
import { openStore } from '../store/index.js';
import { type CommandModule, emit, intOption, parseOptions, requireOption } from './common.js';
import { storeManifestSha256 } from '../train/inputs.js';

const usage = `Usage: servicepath compare --baseline DIR --candidate DIR --store STORE [--split test|all]
                          [--bootstrap N] [--json]

Scores the same examples with two bundles of the same task and reports AUROC, AUPRC and Brier of each and
their difference (candidate - baseline) with a paired 95% bootstrap interval: every replicate resamples the
same families for both models, so the interval is that of the difference itself, narrower than two
separate intervals. Neither bundle is changed.

  --baseline DIR   the reference bundle (e.g. the logreg baseline)
  --candidate DIR  the bundle compared with it
  --store STORE    event store to build the task's examples from
  --split S        test: the test split both bundles were trained with (needs the store they were trained
                   on and the same split settings; checked against their manifests' counts);
                   all: every example of the store (external validation). Default: test when possible, else all
  --bootstrap N    bootstrap replicates (default: the baseline's, 200 unless configured)`;

const fmt = (x: number | null | undefined, digits = 3) => (x === null || x === undefined ? 'n/a' : x.toFixed(digits));
const signed = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(4)}`);

type SplitSettings = Pick<ResolvedTrainConfig, 'seed' | 'split'>;

function splitSettingsOf(bundle: LoadedBundle): SplitSettings {
  const { seed, split } = bundle.manifest.resolvedConfig;
  return { seed, split };
}

const label = (b: LoadedBundle) => `${b.manifest.name} v${b.manifest.version} (${b.manifest.modelKind})`;

export function renderComparison(title: string, c: PairedComparison, names: { baseline: string; candidate: string }): string {
  const width = Math.max(names.baseline.length, names.candidate.length);
  const row = (who: string, m: PairedComparison['baseline']) => `  ${who.padEnd(width)}  AUROC ${fmt(m.auroc)}  AUPRC ${fmt(m.auprc)}  Brier ${fmt(m.brier, 4)}`;
  return [
    title,
    `  n ${c.n}, positives ${c.positives} (rounded); paired family bootstrap, ${c.samples} replicates, ${Math.round((1 - c.alpha) * 100)}% intervals`,
    row(names.baseline, c.baseline),
    row(names.candidate, c.candidate),
    '  candidate - baseline:',
    ...COMPARED_METRICS.map(
      (m) => `    ${m.toUpperCase().padEnd(5)} ${signed(c.difference[m].estimate)} [${signed(c.difference[m].lower)}, ${signed(c.difference[m].upper)}]  ${c.verdict[m]}`,
    ),
    ...(c.evidence.sufficient
      ? []
      : [
          `  Insufficient evidence: ${c.positives} outcomes and ${c.n - c.positives} without (rounded), fewer than the ${c.evidence.minEvents} of each a verdict needs (docs/evaluation.md). The intervals above are unreliable.`,
        ]),
  ].join('\n');
}

export const command: CommandModule = {
  name: 'compare',
  summary: 'compare two bundles on the same examples (paired bootstrap)',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      { baseline: { type: 'string' }, candidate: { type: 'string' }, store: { type: 'string' }, split: { type: 'string' }, bootstrap: { type: 'string' } },
      usage,
    );
    const baselineDir = requireOption(values, 'baseline', usage);
    const candidateDir = requireOption(values, 'candidate', usage);
    const storeDir = requireOption(values, 'store', usage);
    const asked = values.split;
    if (asked !== undefined && asked !== 'test' && asked !== 'all') {
      throw new ServicepathError('CLI_USAGE', { detail: `--split must be test or all, got "${asked}"\n\n${usage}` });
    }
    const baseline = await loadBundle(baselineDir);
    try {
      const candidate = await loadBundle(candidateDir);
      try {
        const mismatch = (detail: string) => new ServicepathError('EVALUATE_COMPARE_MISMATCH', { baseline: baselineDir, candidate: candidateDir, detail });
        if (!isDeepStrictEqual(baseline.manifest.task, candidate.manifest.task)) throw mismatch('the bundles answer different tasks (their manifests\' task specs differ)');
        const store = await openStore(storeDir);
        const storeSha = await storeManifestSha256(storeDir);
        // Why the test split cannot be rebuilt here, or null when it can.
        const settings = splitSettingsOf(baseline);
        const testProblem =
          baseline.manifest.dataFingerprint.storeManifestSha256 !== storeSha || candidate.manifest.dataFingerprint.storeManifestSha256 !== storeSha
            ? 'the store is not the one both bundles were trained on (store manifest hashes differ)'
            : !isDeepStrictEqual(settings, splitSettingsOf(candidate))
              ? 'the bundles were trained with different split settings (seed, fractions or method)'
              : null;
        if (asked === 'test' && testProblem !== null) throw mismatch(`${testProblem}; use --split all`);
        const split = asked ?? (testProblem === null ? 'test' : 'all');
        const { examples } = await buildExamples(() => store.persons(), baseline.manifest.task);
        if (examples.length === 0) throw new ServicepathError('TASK_NO_EXAMPLES', { task: baseline.manifest.task.name, examples: 0, min: 1, detail: 'no eligible person' });
        let chosen = examples;
        if (split === 'test') {
          const s = settings as SplitSettings;
          const splits = splitExamples(examples, { seed: s.seed, fractions: s.split, method: s.split.method });
          for (const b of [baseline, candidate]) {
            if (!isDeepStrictEqual(splits.counts.test, b.manifest.splits.test)) {
              throw mismatch(
                `the rebuilt test split (${JSON.stringify(splits.counts.test)}) differs from the one ${label(b)} recorded (${JSON.stringify(b.manifest.splits.test)})`,
              );
            }
          }
          chosen = splits.test.map((i) => examples[i] as (typeof examples)[number]);
        }
        const paths = chosen.map((e) => e.path);
        const finals = async (b: LoadedBundle) => Float64Array.from(await b.scorer.scoreTrajectories(paths), (t) => t[t.length - 1] as number);
        const paired = comparePaired({
          yTrue: Float64Array.from(chosen, (e) => e.label),
          baseline: await finals(baseline),
          candidate: await finals(candidate),
          clusters: chosen.map((e) => e.familyId),
          samples: intOption(values, 'bootstrap', baseline.manifest.resolvedConfig.evaluation.bootstrapSamples),
          seed: baseline.manifest.seed,
        });
        // Counts shown are rounded as in every evaluation report (the bundle's privacy settings).
        const roundTo = baseline.manifest.privacy.roundTo;
        const comparison = { ...paired, n: roundCount(paired.n, roundTo), positives: roundCount(paired.positives, roundTo) };
        const names = { baseline: `baseline  ${label(baseline)}`, candidate: `candidate ${label(candidate)}` };
        const result = {
          baseline: { name: baseline.manifest.name, version: baseline.manifest.version, modelKind: baseline.manifest.modelKind },
          candidate: { name: candidate.manifest.name, version: candidate.manifest.version, modelKind: candidate.manifest.modelKind },
          store: storeDir,
          split,
          comparison,
        };
        emit(io, values.json === true, result, () =>
          renderComparison(`Paired comparison on ${split === 'test' ? 'the test split of' : 'every example of'} ${storeDir}`, comparison, names),
        );
        return 0;
      } finally {
        candidate.dispose();
      }
    } finally {
      baseline.dispose();
    }
  },
};
