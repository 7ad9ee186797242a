// A scorer's answer checked against its question: one trajectory per path, one risk per event.
import { ServicepathError } from '../errors/index.js';
import type { Path } from '../schemas/path.js';
import type { PathScorer, ScoreOptions } from '../schemas/scoring.js';

/** Scores the paths and fails with EXPLAIN_SCORER_MISMATCH when the answer does not fit them. */
export async function scoreChecked(scorer: PathScorer, paths: readonly Path[], opts: ScoreOptions = {}): Promise<Float64Array[]> {
  const out = await scorer.scoreTrajectories(paths, opts);
  const bad = out.length !== paths.length || out.some((t, i) => t.length !== paths[i]!.events.length);
  if (bad) throw new ServicepathError('EXPLAIN_SCORER_MISMATCH', { got: out.length, expected: paths.length });
  return out;
}
