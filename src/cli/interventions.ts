// `servicepath interventions`: trajectory, turning points and ranked counterfactual candidates of one path.
import { explainPath } from '../explain/explain-path.js';
import { readCatalogueFile, readPathFile } from '../explain/files.js';
import { loadBundle } from '../bundle/index.js';
import { ServicepathError } from '../errors/index.js';
import type { Candidate, InterventionsResult } from '../schemas/interventions.js';
import { type CommandModule, emit, intOption, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath interventions --bundle DIR --path FILE [--catalogue FILE] [--top N] [--turning-points N]
                                  [--attribution occlusion|delta] [--json]

Scores one path (JSON: { events: [{ code, domain, relation, ageDays, immutable? }], indexAgeDays? }) with the
bundle's model and answers where along it inserting an actionable service would lower the final risk most.
Existing events are never moved or edited. Estimates are model associations, not proven causal effects.

  --bundle DIR        model bundle folder
  --path FILE         the path (JSON)
  --catalogue FILE    actionable-service catalogue (JSON or YAML); default: the bundle's
  --top N             candidates to list (default 10)
  --turning-points N  turning points to list (default 3)
  --attribution M     occlusion (default) or delta (see docs/interventions.md)
  --json              the full answer as JSON`;

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pctLevel = (r: InterventionsResult) => `${Math.round((r.estimator.intervals?.level ?? 0) * 100)}%`;
const pp = (x: number) => `${x >= 0 ? '-' : '+'}${Math.abs(x * 100).toFixed(1)} pp`;

function supportText(c: Candidate): string {
  const s = c.support;
  if (s === null) return 'no published cohort path matches';
  const rate = (x: number | null) => (x === null ? 'hidden (fewer than the minimum count with or without the outcome)' : pct(x));
  const side = (g: typeof s.received) => ('persons' in g ? `${rate(g.outcomeRate)} of ${g.persons}` : 'suppressed');
  return `cohort ${s.cohortPathId} (through ${s.throughBand}, ${s.persons} persons, outcome ${rate(s.outcomeRate)}): got it later ${side(s.received)}, did not ${side(s.notReceived)}`;
}

export function renderInterventions(r: InterventionsResult): string {
  const lines = [`Model ${r.modelKind}: final risk ${pct(r.finalRisk)} at index age ${r.indexAgeDays} days`, '', 'Risk trajectory:'];
  for (const s of r.trajectory) {
    lines.push(`  ${String(s.step).padStart(3)}  day ${String(s.ageDays).padStart(5)}  ${s.relation.padEnd(7)} ${s.domain}/${s.code}  ${pct(s.risk)} (${s.deltaRisk >= 0 ? '+' : ''}${(s.deltaRisk * 100).toFixed(1)} pp)`);
  }
  lines.push('', `Turning points (${r.attribution}):`);
  if (r.turningPoints.length === 0) lines.push('  none: no event raises the risk');
  for (const t of r.turningPoints) {
    const occ = t.occlusion === null ? '' : `, final risk ${(t.occlusion * 100).toFixed(1)} pp higher with it than without`;
    lines.push(`  step ${t.step} (day ${t.ageDays}, ${t.relation} ${t.domain}/${t.code}): risk step ${(t.deltaRisk * 100).toFixed(1)} pp${occ}`);
  }
  const how = r.estimator.adjusted ? `adjusted (${r.estimator.adjustment})` : 'UNADJUSTED ASSOCIATIONS';
  lines.push('', `Candidates (${r.candidates.length} of ${r.candidatesScored}, ranked by the drop in final risk; estimates ${how}):`);
  for (const c of r.candidates) {
    const interval = c.riskDropInterval === null ? '' : `; ${pctLevel(r)} interval of the drop ${(c.riskDropInterval.lower * 100).toFixed(1)} to ${(c.riskDropInterval.upper * 100).toFixed(1)} pp`;
    const seldom = c.seldomGiven === true ? ' [seldom given at this age in training: extrapolated]' : '';
    lines.push(`  ${String(c.rank).padStart(2)}. ${c.label} (${c.code}) at day ${c.ageDays}: final risk ${pct(c.finalRisk)} (${pp(c.riskDrop)}${interval})${seldom}`);
    lines.push(`      ${supportText(c)}`);
  }
  lines.push('', r.caveat);
  return lines.join('\n');
}

export const command: CommandModule = {
  name: 'interventions',
  summary: 'intervention points of one path',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      {
        bundle: { type: 'string' },
        path: { type: 'string' },
        catalogue: { type: 'string' },
        top: { type: 'string' },
        'turning-points': { type: 'string' },
        attribution: { type: 'string' },
      },
      usage,
    );
    const bundleDir = requireOption(values, 'bundle', usage);
    const path = readPathFile(requireOption(values, 'path', usage));
    const attribution = values.attribution ?? 'occlusion';
    if (attribution !== 'occlusion' && attribution !== 'delta') {
      throw new ServicepathError('CLI_USAGE', { detail: `--attribution must be occlusion or delta, got "${attribution}"` });
    }
    const topK = intOption(values, 'top', 10);
    const turningPoints = intOption(values, 'turning-points', 3);
    const bundle = await loadBundle(bundleDir);
    try {
      const catalogue = values.catalogue === undefined ? bundle.catalogue : readCatalogueFile(values.catalogue);
      const result = await explainPath(bundle.scorer, path, catalogue, { topK, turningPoints, attribution, cohortPaths: bundle.cohortPaths,
        adjustment: bundle.manifest.resolvedConfig.adjustment,
        ...(bundle.metrics.interventions === undefined ? {} : { truthCheck: bundle.metrics.interventions }),
      });
      emit(io, values.json === true, result, () => renderInterventions(result));
      return 0;
    } finally {
      bundle.dispose();
    }
  },
};
