// `servicepath score`: the calibrated risk after each event of one path, with a bundle's model.
import { readFile } from 'node:fs/promises';
import { loadBundle } from '../bundle/index.js';
import { ServicepathError } from '../errors/index.js';
import { parsePath } from '../explain/parse-path.js';
import type { Path } from '../schemas/path.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath score --bundle DIR --path FILE [--json]

Prints the calibrated risk after every event of a path (the risk trajectory). The path is JSON:
{ "indexAgeDays"?: N, "events": [{ "code", "domain", "relation"?: "self"|"mother"|..., "ageDays" }] }
in time order; the risk after the last event is the risk at the index date.

  --bundle DIR   model bundle folder (models/<name>/<version>)
  --path FILE    the path (JSON)
  --json         the trajectory as JSON`;

export async function readPathJson(file: string): Promise<Path> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: '(root): not valid JSON' }, { cause: err });
  }
  return parsePath(json, file);
}

export interface ScoreResult {
  modelKind: string;
  bundle: { name: string; version: string };
  finalRisk: number;
  trajectory: { step: number; ageDays: number; relation: string; domain: string; code: string; risk: number }[];
}

export const command: CommandModule = {
  name: 'score',
  summary: 'risk trajectory of one path',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(argv, { bundle: { type: 'string' }, path: { type: 'string' } }, usage);
    const bundleDir = requireOption(values, 'bundle', usage);
    const path = await readPathJson(requireOption(values, 'path', usage));
    const bundle = await loadBundle(bundleDir);
    try {
      const [risks] = await bundle.scorer.scoreTrajectories([path]);
      const r = risks as Float64Array;
      const result: ScoreResult = {
        modelKind: bundle.manifest.modelKind,
        bundle: { name: bundle.manifest.name, version: bundle.manifest.version },
        finalRisk: r[r.length - 1] as number,
        trajectory: path.events.map((e, i) => ({ step: i + 1, ageDays: e.ageDays, relation: e.relation, domain: e.domain, code: e.code, risk: r[i] as number })),
      };
      emit(io, values.json === true, result, () =>
        [
          `${result.bundle.name} v${result.bundle.version} (${result.modelKind}): risk at the index date ${(result.finalRisk * 100).toFixed(1)}%`,
          ...result.trajectory.map(
            (s) => `  ${String(s.step).padStart(3)}  day ${String(s.ageDays).padStart(6)}  ${s.relation.padEnd(8)} ${s.domain}/${s.code}  ${(s.risk * 100).toFixed(1)}%`,
          ),
        ].join('\n'),
      );
      return 0;
    } finally {
      bundle.dispose();
    }
  },
};
