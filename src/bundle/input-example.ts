// input-example.json: a few synthetic, generic paths and their expected risk trajectories, run at load time.
// Never a person's record: one path is hand-built from the most common tokens of the training split (each
// shared by at least minPersonsPerCode persons), the others are cohort-path representatives (groups >= k).
import { z } from 'zod';
import { comparePathEvents, type Path, type PathEvent, PathSchema } from '../schemas/path.js';
import type { CohortPathsFile } from '../schemas/cohort-paths.js';
import { RARE_CODE, tokenKey } from '../features/preprocessing.js';
import type { Preprocessing } from '../schemas/fitted-models.js';

export const InputExampleSchema = z
  .object({
    formatVersion: z.literal(1),
    /** Largest allowed absolute difference between a recomputed and a saved risk (backends differ in rounding). */
    tolerance: z.number().positive(),
    examples: z.array(z.object({ source: z.enum(['frequent-tokens', 'cohort-path']), path: PathSchema, expected: z.array(z.number()) }).strict()).min(1),
  })
  .strict();
export type InputExample = z.infer<typeof InputExampleSchema>;

export const INPUT_EXAMPLE_TOLERANCE = 1e-4;

/** A generic path: the most common non-rare tokens of the training paths, spread evenly up to the median index age. */
function frequentTokenPath(trainingPaths: readonly Path[], prep: Preprocessing, events = 8): Path {
  const persons = new Map<string, { count: number; e: Pick<PathEvent, 'code' | 'domain' | 'relation'> }>();
  for (const path of trainingPaths) {
    const seen = new Set<string>();
    for (const e of path.events) {
      const key = tokenKey(e);
      if (seen.has(key)) continue;
      seen.add(key);
      const entry = persons.get(key);
      if (entry === undefined) persons.set(key, { count: 1, e: { code: e.code, domain: e.domain, relation: e.relation } });
      else entry.count += 1;
    }
  }
  const inVocab = new Set(prep.vocab);
  const top = [...persons.entries()]
    .filter(([key, v]) => inVocab.has(key) && v.e.code !== RARE_CODE && v.count >= prep.minPersonsPerCode)
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .slice(0, events);
  const ages = trainingPaths.map((p) => p.indexAgeDays ?? 0).sort((a, b) => a - b);
  const indexAgeDays = Math.max(1, ages[Math.floor(ages.length / 2)] ?? 365);
  const chosen = top.length > 0 ? top.map(([, v]) => v.e) : [{ code: 'GENERIC', domain: 'health', relation: 'self' as const }];
  const list: PathEvent[] = chosen.map((e, i) => ({ ...e, ageDays: Math.round((indexAgeDays * (i + 1)) / (chosen.length + 1)) }));
  list.sort(comparePathEvents);
  return { label: 'input example: most common tokens', indexAgeDays, events: list };
}

export function inputExamplePaths(trainingPaths: readonly Path[], prep: Preprocessing, cohortPaths: CohortPathsFile | null): { source: 'frequent-tokens' | 'cohort-path'; path: Path }[] {
  const out: { source: 'frequent-tokens' | 'cohort-path'; path: Path }[] = [{ source: 'frequent-tokens', path: frequentTokenPath(trainingPaths, prep) }];
  for (const c of (cohortPaths?.paths ?? []).slice(0, 2)) out.push({ source: 'cohort-path', path: c.representative });
  return out;
}
