// Logistic-regression features (log1p of token counts per window of time before the index) and its inference:
// the risk after every step is the model applied to the counts of the path so far (prefix counts).
import { z } from 'zod';
import type { Path } from '../schemas/path.js';
import { indexAgeOf, type Preprocessing, tokenId } from './preprocessing.js';

export const LOGREG_VERSION = 1;

export const LogregModelSchema = z
  .object({
    formatVersion: z.literal(LOGREG_VERSION),
    /** Feature j = token id * windows + window index; length = vocab size * windows. */
    weights: z.array(z.number()),
    bias: z.number(),
    /** The L2 penalty chosen on the validation split. */
    l2: z.number().min(0),
  })
  .strict();
export type LogregModel = z.infer<typeof LogregModelSchema>;

export function windowCount(prep: Preprocessing): number {
  return prep.countWindowsDays.length + 1;
}

export function featureDim(prep: Preprocessing): number {
  return prep.vocab.length * windowCount(prep);
}

function windowOf(prep: Preprocessing, daysBeforeIndex: number): number {
  let w = 0;
  while (w < prep.countWindowsDays.length && daysBeforeIndex >= (prep.countWindowsDays[w] as number)) w++;
  return w;
}

/** The feature index of every event, in path order. */
export function eventFeatures(prep: Preprocessing, path: Path): Int32Array {
  const windows = windowCount(prep);
  const indexAge = indexAgeOf(path);
  const out = new Int32Array(path.events.length);
  path.events.forEach((e, t) => {
    out[t] = tokenId(prep, e) * windows + windowOf(prep, indexAge - e.ageDays);
  });
  return out;
}

/** Sparse final-step features: sorted indices with log1p(count) values. */
export function sparseFeatures(prep: Preprocessing, path: Path): { indices: Int32Array; values: Float64Array } {
  const counts = new Map<number, number>();
  for (const f of eventFeatures(prep, path)) counts.set(f, (counts.get(f) ?? 0) + 1);
  const indices = Int32Array.from([...counts.keys()].sort((a, b) => a - b));
  const values = Float64Array.from(indices, (j) => Math.log1p(counts.get(j) as number));
  return { indices, values };
}

/** Logit after every step: the weights applied to the counts so far, updated one event at a time. */
export function logregTrajectoryLogits(prep: Preprocessing, model: LogregModel, path: Path): Float64Array {
  const counts = new Map<number, number>();
  const out = new Float64Array(path.events.length);
  let z = model.bias;
  eventFeatures(prep, path).forEach((f, t) => {
    const c = counts.get(f) ?? 0;
    z += (model.weights[f] ?? 0) * (Math.log1p(c + 1) - Math.log1p(c));
    counts.set(f, c + 1);
    out[t] = z;
  });
  return out;
}



