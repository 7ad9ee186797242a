// `servicepath evaluate-interventions`: estimated vs true intervention effects on a generated population,
// one row per bundle (so naive and adjusted models sit side by side).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Interval } from '../evaluate/bootstrap.js';
import { type EffectsEvaluation, evaluateEffects } from '../evaluate/effects.js';
import { readCatalogueFile, readTruthChildren } from '../explain/files.js';
import { loadBundle } from '../bundle/index.js';
import { ServicepathError } from '../errors/index.js';
import { type CommandModule, emit, intOption, numberOption, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath evaluate-interventions --bundle DIR [--bundle DIR2 ...] --truth DIR [--catalogue FILE]
                                           [--limit N] [--min-effect P] [--bootstrap N] [--seed S] [--json]

Compares, per child of a generated population, the model's estimated effect of inserting each catalogue
service at each insertion age (final risk with it minus without) with the generator's true effect
(truth/children.ndjson). Reports the top-3 hit rate of the true best (service, age), the mean Spearman
correlation of estimated and true effects, the sign error rate among clearly nonzero true effects, and the
bias (mean estimated minus mean true effect). The planner's view: top-1 agreement, regret of the model's
top-1 (true risk with it minus with the truly best) and as a share of the best reduction, and the policy
value of treating the 1%, 5% and 10% of children the model ranks first, against the oracle's; 95%
intervals from a seeded bootstrap over families (docs/interventions.md, "How estimates are judged").
Give several bundles (e.g. naive and treatment-aware, or logreg, gru and transformer) to compare them side by
side on the same children.

  --bundle DIR      model bundle folder (repeat for several; a comma-separated list also works)
  --truth DIR       the population folder or its truth/ folder
  --catalogue FILE  catalogue (default: catalogue.json in or beside the truth folder, else each bundle's)
  --limit N         evaluate the first N children only (default: all)
  --min-effect P    true effects with |P| or less are ignored for the sign error rate (default 0.005)
  --bootstrap N     bootstrap replicates over families for the intervals (default 200; 0: none)
  --seed S          seed of the bootstrap (default 1)
  --json            results as JSON`;

export interface BundleEvaluation extends EffectsEvaluation {
  bundle: string;
  adjustment: string;
}

/** name/version of a bundle folder (models/<name>/<version>). */
export function bundleLabel(dir: string): string {
  const parts = dir.split(/[\\/]+/).filter((p) => p !== '');
  return parts.slice(-2).join('/') || dir;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const fixed = (x: number | null, digits: number) => (x !== null && Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
/** `0.123 [0.100, 0.150]`, the interval left out when there is none. */
const withCi = (x: number | null, ci: Interval, digits: number) =>
  ci.lower === null || ci.upper === null ? fixed(x, digits) : `${fixed(x, digits)} [${fixed(ci.lower, digits)}, ${fixed(ci.upper, digits)}]`;

function renderPlanner(rows: readonly BundleEvaluation[]): string[] {
  const first = rows[0];
  if (first === undefined) return [];
  const i = first.intervals;
  const lines = [
    '',
    i.samples > 0
      ? `Planner's view (${Math.round(i.level * 100)}% intervals: bootstrap over ${i.families} families, ${i.samples} samples, seed ${i.seed}):`
      : "Planner's view (no intervals: --bootstrap 0):",
    `${'bundle'.padEnd(30)} ${'top-1'.padEnd(20)} ${'regret'.padEnd(25)} ${'regret share'.padEnd(20)} children in share`,
  ];
  for (const r of rows) {
    lines.push(
      `${r.bundle.slice(0, 30).padEnd(30)} ${withCi(r.top1Agreement, r.intervals.top1Agreement, 3).padEnd(20)} ${withCi(r.meanRegret, r.intervals.meanRegret, 4).padEnd(25)} ${withCi(r.meanRegretShare, r.intervals.meanRegretShare, 2).padEnd(20)} ${r.regretShareChildren} (${r.regretShareExcluded} left out)`,
    );
  }
  const shares = first.policy.map((p) => `${Math.round(p.share * 100)}%`);
  lines.push('', 'Policy value at a budget: ratio to the oracle [interval] (true risk reduction summed over the k children treated, model / oracle, k):');
  lines.push(`${'bundle'.padEnd(30)} ${shares.map((s) => s.padEnd(40)).join(' ')}`.trimEnd());
  for (const r of rows) {
    const cells = r.policy.map((p, j) => `${withCi(p.ratio, r.intervals.policyRatio[j]!, 2)} (${fixed(p.value, 3)}/${fixed(p.oracle, 3)}, k ${p.k})`.padEnd(40));
    lines.push(`${r.bundle.slice(0, 30).padEnd(30)} ${cells.join(' ')}`.trimEnd());
  }
  lines.push('', `Interval coverage: ${rows.map((r) => `${r.bundle} ${r.coverage.coverage === null ? `n/a (${r.coverage.note ?? 'no intervals'})` : `${fixed(r.coverage.coverage, 3)} of ${r.coverage.pairs} pairs`}`).join('; ')}`);
  return lines;
}

export function renderEvaluations(rows: readonly BundleEvaluation[]): string {
  const lines = [
    'bundle                         model        adjustment  children  top-3 hit  Spearman  sign err  bias (est-true)',
  ];
  for (const r of rows) {
    lines.push(
      `${r.bundle.slice(0, 30).padEnd(30)} ${r.modelKind.padEnd(12)} ${r.adjustment.padEnd(11)} ${String(r.children).padStart(8)}  ${f3(r.top3HitRate).padStart(9)}  ${f3(r.meanSpearman).padStart(8)}  ${f3(r.signErrorRate).padStart(8)}  ${f3(r.bias).padStart(8)} (${f3(r.meanEstimatedEffect)} vs ${f3(r.meanTrueEffect)})`,
    );
  }
  lines.push(...renderPlanner(rows));
  for (const r of rows) {
    lines.push('', `Per service, ${r.bundle} (${r.adjustment}):`);
    for (const s of r.perService) {
      lines.push(`  ${s.code.padEnd(24)} pairs ${String(s.pairs).padStart(6)}  est ${f3(s.meanEstimatedEffect)}  true ${f3(s.meanTrueEffect)}  bias ${f3(s.bias)}  sign err ${s.signErrorRate === null ? 'n/a' : f3(s.signErrorRate)}`);
    }
  }
  lines.push('', 'Effects are differences in the probability of the outcome (negative: the service lowers the risk).');
  return lines.join('\n');
}

export const command: CommandModule = {
  name: 'evaluate-interventions',
  summary: "compare estimated effects with the generator's truth",
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      {
        bundle: { type: 'string', multiple: true },
        truth: { type: 'string' },
        catalogue: { type: 'string' },
        limit: { type: 'string' },
        'min-effect': { type: 'string' },
        bootstrap: { type: 'string' },
        seed: { type: 'string' },
      },
      usage,
    );
    const bundles = (values.bundle ?? []).flatMap((b) => b.split(',')).filter((b) => b !== '');
    if (bundles.length === 0) throw new ServicepathError('CLI_USAGE', { detail: `missing required option --bundle\n\n${usage}` });
    const truthDir = requireOption(values, 'truth', usage);
    const limit = intOption(values, 'limit', 0);
    const minEffect = numberOption(values, 'min-effect', 0.005);
    const bootstrapSamples = intOption(values, 'bootstrap', 200);
    const seed = intOption(values, 'seed', 1);
    if (bootstrapSamples < 0) throw new ServicepathError('CLI_USAGE', { detail: `--bootstrap must be 0 or more, got ${bootstrapSamples}` });
    const all = readTruthChildren(truthDir);
    const children = limit > 0 ? all.slice(0, limit) : all;
    const truthCatalogue = [join(truthDir, 'catalogue.json'), join(truthDir, 'truth', 'catalogue.json'), join(truthDir, '..', 'catalogue.json')].find((f) => existsSync(f));
    const catalogueFile = values.catalogue ?? truthCatalogue;
    const rows: BundleEvaluation[] = [];
    for (const dir of bundles) {
      const bundle = await loadBundle(dir);
      try {
        const catalogue = catalogueFile === undefined ? bundle.catalogue : readCatalogueFile(catalogueFile);
        const r = await evaluateEffects(bundle.scorer, children, catalogue, { minEffect, bootstrapSamples, seed });
        rows.push({ bundle: bundleLabel(dir), adjustment: bundle.manifest.resolvedConfig.adjustment, ...r });
      } finally {
        bundle.dispose();
      }
    }
    emit(io, values.json === true, { truth: truthDir, minEffect, bootstrapSamples, seed, results: rows }, () => renderEvaluations(rows));
    return 0;
  },
};
