// Calibration maps a model's logit to a probability; fitted on the validation split (src/train/calibrate.ts),
// applied to every step of a trajectory at scoring time.
import { z } from 'zod';

export const CalibrationSchema = z.discriminatedUnion('method', [
  z
    .object({
      method: z.literal('platt'),
      /** p = sigmoid(slope * logit + intercept), fitted on the validation split's final-step logits. */
      slope: z.number(),
      intercept: z.number(),
      fittedOn: z.literal('validation'),
      n: z.number().int().min(0),
    })
    .strict(),
  z
    .object({
      method: z.literal('isotonic'),
      /** Increasing logit thresholds and the calibrated probability from each threshold on (step function). */
      thresholds: z.array(z.number()),
      probabilities: z.array(z.number().min(0).max(1)),
      fittedOn: z.literal('validation'),
      n: z.number().int().min(0),
    })
    .strict()
    .refine((c) => c.thresholds.length === c.probabilities.length && c.thresholds.length > 0, { message: 'thresholds and probabilities must match' }),
]);
export type Calibration = z.infer<typeof CalibrationSchema>;

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
