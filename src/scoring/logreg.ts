// The logistic-regression baseline applied to a path: the risk after every step is the model applied to the counts
// of the path so far (prefix counts), updated one event at a time.
import { eventFeatures, featureDim, logStep } from '../features/counts.js';
import type { LogregModel, Preprocessing } from '../schemas/fitted-models.js';
import type { Path } from '../schemas/path.js';

/** bias + weights . log1p(counts so far) after every feature of the sequence, updated one feature at a time. */
export function prefixCountLogits(weights: readonly number[], bias: number, features: Int32Array, dim: number): Float64Array {
  const counts = new Int32Array(dim);
  const out = new Float64Array(features.length);
  let z = bias;
  for (let t = 0; t < features.length; t++) {
    const f = features[t] as number;
    const c = counts[f] as number;
    z += (weights[f] ?? 0) * logStep(c);
    counts[f] = c + 1;
    out[t] = z;
  }
  return out;
}

/** Logit after every step: the weights applied to the counts of the path so far. */
export function logregTrajectoryLogits(prep: Preprocessing, model: LogregModel, path: Path): Float64Array {
  return prefixCountLogits(model.weights, model.bias, eventFeatures(prep, path), featureDim(prep));
}
