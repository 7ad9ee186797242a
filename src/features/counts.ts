// Count features (log1p of token counts per window of time before the index): the logistic-regression baseline's
// inputs, the wide part's and the effect model's. Applying fitted weights to them is src/scoring/logreg.ts.
import type { Path } from '../schemas/path.js';
import { indexAgeOf } from '../schemas/path.js';
import { tokenId } from './preprocessing.js';
import type { Preprocessing } from '../schemas/fitted-models.js';

export function windowCount(prep: Preprocessing): number {
  return prep.countWindowsDays.length + 1;
}

export function featureDim(prep: Preprocessing): number {
  return prep.vocab.length * windowCount(prep);
}

/** The count window of a time before the index: how many of the ascending window edges it has reached. */
export function windowOfDays(edges: readonly number[], daysBeforeIndex: number): number {
  let w = 0;
  while (w < edges.length && daysBeforeIndex >= (edges[w] as number)) w++;
  return w;
}

/** The feature index of every event, in path order. */
export function eventFeatures(prep: Preprocessing, path: Path): Int32Array {
  const windows = windowCount(prep);
  const indexAge = indexAgeOf(path);
  const out = new Int32Array(path.events.length);
  path.events.forEach((e, t) => {
    out[t] = tokenId(prep, e) * windows + windowOfDays(prep.countWindowsDays, indexAge - e.ageDays);
  });
  return out;
}

/** log1p(c + 1) - log1p(c): what one more event adds to a log1p count (tabulated for the counts a path holds). */
const LOG_STEPS = Float64Array.from({ length: 1025 }, (_, c) => Math.log1p(c + 1) - Math.log1p(c));
export function logStep(c: number): number {
  return c < LOG_STEPS.length ? (LOG_STEPS[c] as number) : Math.log1p(c + 1) - Math.log1p(c);
}

/** Sparse log1p counts of feature indices: sorted indices with log1p(count) values. */
export function sparseCounts(features: Int32Array): { indices: Int32Array; values: Float64Array } {
  const counts = new Map<number, number>();
  for (const f of features) counts.set(f, (counts.get(f) ?? 0) + 1);
  const indices = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  const values = Float64Array.from(indices, (j) => Math.log1p(counts.get(j) as number));
  return { indices, values };
}

/** Sparse final-step features: sorted indices with log1p(count) values. */
export function sparseFeatures(prep: Preprocessing, path: Path): { indices: Int32Array; values: Float64Array } {
  return sparseCounts(eventFeatures(prep, path));
}

