// `servicepath cohort-paths`: lists a bundle's anonymised cohort paths by size or by observed outcome rate.
import { readCohortPathsFile } from '../explain/files.js';
import { ServicepathError } from '../errors/index.js';
import type { CohortPath, CohortPathsFile } from '../schemas/cohort-paths.js';
import { type CommandModule, emit, intOption, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath cohort-paths --bundle DIR [--sort size|risk] [--limit N] [--json]

Lists the bundle's cohort paths: coarsened path prefixes (event groups per age band) shared by at least k
persons, with rounded counts, the observed outcome rate, the model's mean predicted risk and, per actionable
service, the outcome rates of those who got it after the prefix and those who did not (suppressed below k).

  --bundle DIR    model bundle folder (reads cohort-paths.json)
  --sort KEY      size (default: most persons first) or risk (highest observed outcome rate first)
  --limit N       show at most N paths (default 20; 0 = all)
  --json          the selected paths and the privacy settings as JSON`;

export function sortCohortPaths(paths: readonly CohortPath[], sort: 'size' | 'risk'): CohortPath[] {
  const bySize = (a: CohortPath, b: CohortPath) => b.persons - a.persons || (a.id < b.id ? -1 : 1);
  return [...paths].sort(sort === 'size' ? bySize : (a, b) => (b.outcomeRate ?? -1) - (a.outcomeRate ?? -1) || bySize(a, b));
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
/** A shown rate, or what the disclosure rules say in its place. */
const rateText = (x: number | null, why: string | undefined, minCount: number) =>
  x !== null ? pct(x) : why === 'numerator' ? `<${minCount} children` : why === 'complement' ? `all but <${minCount} children` : 'suppressed';

function renderText(file: CohortPathsFile, shown: readonly CohortPath[], total: number): string {
  const lines = [
    `${total} cohort paths (k = ${file.privacy.k}, outcome counts of at least ${file.privacy.minCount}, counts rounded to ${file.privacy.roundTo}); showing ${shown.length}.`,
    `Groups: ${file.grouping}`,
    '',
  ];
  for (const p of shown) {
    lines.push(`${p.id}  through ${p.throughBand}  persons ${p.persons}  outcome ${rateText(p.outcomeRate, p.outcomeSuppressed, file.privacy.minCount)}  mean predicted ${pct(p.meanPredictedRisk)}`);
    for (const s of p.steps) lines.push(`    ${s.band.padEnd(12)} ${s.groups.length === 0 ? '(no events)' : s.groups.join(', ')}`);
    for (const f of p.followedBy) {
      if ('persons' in f.received && 'persons' in f.notReceived) {
        lines.push(`    then ${f.label}: got it ${f.received.persons} (outcome ${rateText(f.received.outcomeRate, f.received.outcomeSuppressed, file.privacy.minCount)}), did not ${f.notReceived.persons} (outcome ${rateText(f.notReceived.outcomeRate, f.notReceived.outcomeSuppressed, file.privacy.minCount)})`);
      }
    }
  }
  lines.push('', 'Observed rates describe groups of past children; they are associations, not proven effects of any service.');
  return lines.join('\n');
}

export const command: CommandModule = {
  name: 'cohort-paths',
  summary: 'list the anonymised cohort paths of a bundle',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(argv, { bundle: { type: 'string' }, sort: { type: 'string' }, limit: { type: 'string' } }, usage);
    const bundle = requireOption(values, 'bundle', usage);
    const sort = values.sort ?? 'size';
    if (sort !== 'size' && sort !== 'risk') throw new ServicepathError('CLI_USAGE', { detail: `--sort must be size or risk, got "${sort}"` });
    const limit = intOption(values, 'limit', 20);
    if (limit < 0) throw new ServicepathError('CLI_USAGE', { detail: '--limit must be 0 or more' });
    const file = readCohortPathsFile(bundle);
    const sorted = sortCohortPaths(file.paths, sort);
    const shown = limit === 0 ? sorted : sorted.slice(0, limit);
    emit(io, values.json === true, { privacy: file.privacy, grouping: file.grouping, bands: file.bands, total: file.paths.length, paths: shown }, () =>
      renderText(file, shown, file.paths.length),
    );
    return 0;
  },
};
