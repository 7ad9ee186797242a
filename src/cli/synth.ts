// `servicepath synth`: generate a ground-truth synthetic population (canonical CSV + truth/, task.json, catalogue.json).
import { ServicepathError } from '../errors/index.js';
import { parseIsoDate } from '../schemas/dates.js';
import { generatePopulation, type SynthResult } from '../synth/generate.js';
import { loadScenario, resolveScenario } from '../synth/scenario.js';
import { type CommandModule, emit, intOption, numberOption, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath synth --persons N --seed S --out DIR [options]

Writes persons.csv, links.csv, events.csv, observation_periods.csv, task.json, catalogue.json and truth/
(children.ndjson, effects.json, dirty-rows.csv) into DIR, which must not exist. Same seed, same bytes.

Options:
  --persons N        number of persons to generate (1..5000000)
  --seed S           integer seed (0..4294967295)
  --out DIR          output folder (refused if it exists; written to DIR.partial-<pid> then renamed)
  --start DATE       first birth date of the children (default 2002-01-01)
  --end DATE         last birth date of the children (default 2016-12-31)
  --scenario FILE    JSON or YAML overrides of the mechanism, or a built-in name: v2 (default) or additive
                     (the first, counts-only mechanism, byte for byte; docs/synthetic-population.md)
  --dirty-rate R     share of extra malformed rows the ingest must quarantine, listed in truth/dirty-rows.csv (0..0.5)
  --json             print the summary as JSON
  --help             this text`;

function dateOption(values: Record<string, unknown>, name: string, fallback: string): number {
  const text = typeof values[name] === 'string' ? (values[name] as string) : fallback;
  const day = parseIsoDate(text);
  if (day === null) throw new ServicepathError('CLI_USAGE', { detail: `--${name} must be a date YYYY-MM-DD, got "${text}"` });
  return day;
}

function render(r: SynthResult): string {
  return [
    `wrote ${r.outDir}`,
    `  persons ${r.persons}, families ${r.families}, events ${r.events}`,
    `  eligible children ${r.eligibleChildren} (censored ${r.censoredChildren}), outcome rate ${(100 * r.outcomeRate).toFixed(2)}%, mean true probability ${(100 * r.meanTrueProbability).toFixed(2)}%`,
    `  mechanism ${r.mechanism}${r.mechanism === 'v2' ? ` (rules version ${r.mechanismVersion})` : ''}`,
    `  oracle AUROC ${r.oracleAuroc.toFixed(4)}${r.dirtyRows > 0 ? `, dirty rows ${r.dirtyRows}` : ''}`,
    ...(r.headroom === null
      ? []
      : [
          `  headroom ${r.headroom.headroom.toFixed(4)}: oracle ${r.headroom.oracleAuroc.toFixed(4)} vs count-only model ${r.headroom.countModelAuroc.toFixed(4)}` +
            ` (${r.headroom.testChildren} test children; windowed counts, ${r.headroom.countModel.features} features)`,
        ]),
  ].join('\n');
}

export const command: CommandModule = {
  name: 'synth',
  summary: 'generate a ground-truth synthetic population',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      {
        persons: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        scenario: { type: 'string' },
        'dirty-rate': { type: 'string' },
      },
      usage,
    );
    requireOption(values, 'persons', usage);
    requireOption(values, 'seed', usage);
    const out = requireOption(values, 'out', usage);
    const persons = intOption(values, 'persons', 0);
    const seed = intOption(values, 'seed', 0);
    const dirtyRate = numberOption(values, 'dirty-rate', 0);
    if (persons < 1 || persons > 5_000_000) throw new ServicepathError('CLI_USAGE', { detail: `--persons must be 1..5000000, got ${persons}` });
    if (seed < 0 || seed > 0xffffffff) throw new ServicepathError('CLI_USAGE', { detail: `--seed must be 0..4294967295, got ${seed}` });
    if (dirtyRate < 0 || dirtyRate > 0.5) throw new ServicepathError('CLI_USAGE', { detail: `--dirty-rate must be 0..0.5, got ${dirtyRate}` });
    const birthsFromDay = dateOption(values, 'start', '2002-01-01');
    const birthsToDay = dateOption(values, 'end', '2016-12-31');
    if (birthsToDay <= birthsFromDay) throw new ServicepathError('CLI_USAGE', { detail: '--end must be after --start' });
    const scenario = typeof values.scenario === 'string' ? loadScenario(values.scenario) : resolveScenario({});
    const json = values.json === true;
    const result = generatePopulation({
      persons,
      seed,
      outDir: out,
      birthsFromDay,
      birthsToDay,
      scenario,
      dirtyRate,
      ...(json || !io.isTty ? {} : { onProgress: (n: number) => io.stderr(`  ${n} persons`) }),
    });
    emit(io, json, result, () => render(result));
    return 0;
  },
};
