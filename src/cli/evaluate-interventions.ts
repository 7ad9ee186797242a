// `servicepath evaluate-interventions`: estimated vs true intervention effects on a generated population,
// one row per bundle (so naive and adjusted models sit side by side).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type EffectsEvaluation, evaluateEffects } from '../evaluate/effects.js';
import { readCatalogueFile, readTruthChildren } from '../explain/files.js';
import { loadBundle } from '../bundle/index.js';
import { ServicepathError } from '../errors/index.js';
import { type CommandModule, emit, intOption, numberOption, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath evaluate-interventions --bundle DIR [--bundle DIR2 ...] --truth DIR [--catalogue FILE]
                                           [--limit N] [--min-effect P] [--json]

Compares, per child of a generated population, the model's estimated effect of inserting each catalogue
service at each insertion age (final risk with it minus without) with the generator's true effect
(truth/children.ndjson). Reports the top-3 hit rate of the true best (service, age), the mean Spearman
correlation of estimated and true effects, the sign error rate among clearly nonzero true effects, and the
bias (mean estimated minus mean true effect). Give several bundles (e.g. naive and IPW-adjusted, or
logreg, gru and transformer) to compare them side by side on the same children.

  --bundle DIR      model bundle folder (repeat for several; a comma-separated list also works)
  --truth DIR       the population folder or its truth/ folder
  --catalogue FILE  catalogue (default: catalogue.json in or beside the truth folder, else each bundle's)
  --limit N         evaluate the first N children only (default: all)
  --min-effect P    true effects with |P| or less are ignored for the sign error rate (default 0.005)
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

export function renderEvaluations(rows: readonly BundleEvaluation[]): string {
  const lines = [
    'bundle                         model        adjustment  children  top-3 hit  Spearman  sign err  bias (est-true)',
  ];
  for (const r of rows) {
    lines.push(
      `${r.bundle.slice(0, 30).padEnd(30)} ${r.modelKind.padEnd(12)} ${r.adjustment.padEnd(11)} ${String(r.children).padStart(8)}  ${f3(r.top3HitRate).padStart(9)}  ${f3(r.meanSpearman).padStart(8)}  ${f3(r.signErrorRate).padStart(8)}  ${f3(r.bias).padStart(8)} (${f3(r.meanEstimatedEffect)} vs ${f3(r.meanTrueEffect)})`,
    );
  }
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
      },
      usage,
    );
    const bundles = (values.bundle ?? []).flatMap((b) => b.split(',')).filter((b) => b !== '');
    if (bundles.length === 0) throw new ServicepathError('CLI_USAGE', { detail: `missing required option --bundle\n\n${usage}` });
    const truthDir = requireOption(values, 'truth', usage);
    const limit = intOption(values, 'limit', 0);
    const minEffect = numberOption(values, 'min-effect', 0.005);
    const all = readTruthChildren(truthDir);
    const children = limit > 0 ? all.slice(0, limit) : all;
    const truthCatalogue = [join(truthDir, 'catalogue.json'), join(truthDir, 'truth', 'catalogue.json'), join(truthDir, '..', 'catalogue.json')].find((f) => existsSync(f));
    const catalogueFile = values.catalogue ?? truthCatalogue;
    const rows: BundleEvaluation[] = [];
    for (const dir of bundles) {
      const bundle = await loadBundle(dir);
      try {
        const catalogue = catalogueFile === undefined ? bundle.catalogue : readCatalogueFile(catalogueFile);
        const r = await evaluateEffects(bundle.scorer, children, catalogue, { minEffect });
        rows.push({ bundle: bundleLabel(dir), adjustment: bundle.manifest.resolvedConfig.adjustment, ...r });
      } finally {
        bundle.dispose();
      }
    }
    emit(io, values.json === true, { truth: truthDir, minEffect, results: rows }, () => renderEvaluations(rows));
    return 0;
  },
};
