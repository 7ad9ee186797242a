// Calibration maps a model's logit to a probability; fitted on the validation split (src/train/calibrate.ts),
// applied to every step of a trajectory at scoring time.
import type { Calibration } from '../schemas/fitted-models.js';

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function calibrate(cal: Calibration, logit: number): number {
  if (cal.method === 'platt') return sigmoid(cal.slope * logit + cal.intercept);
  // Largest threshold <= logit (binary search); below the first threshold, the first probability.
  let lo = 0;
  let hi = cal.thresholds.length - 1;
  if (logit < (cal.thresholds[0] as number)) return cal.probabilities[0] as number;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((cal.thresholds[mid] as number) <= logit) lo = mid;
    else hi = mid - 1;
  }
  return cal.probabilities[lo] as number;
}

export function calibrateAll(cal: Calibration, logits: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: logits.length }, (_, i) => calibrate(cal, logits[i] as number));
}
