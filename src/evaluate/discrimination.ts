// Discrimination: average precision and ROC / precision-recall curves (AUROC itself: src/util/rank.ts).
import type { CurvePoint } from '../schemas/metrics.js';
import { type TieGroup, tieGroups } from '../util/rank.js';
import { countPositives, downsample } from './order.js';

/** Curves for figures keep at most this many points. */
const MAX_CURVE_POINTS = 200;

/**
 * Average precision, the step-wise area under the precision-recall curve without interpolation:
 * AP = sum over distinct thresholds t (high to low) of (R_t - R_prev) * P_t, tied scores forming one threshold
 * (the definition of scikit-learn's average_precision_score). Null when there are no positives.
 */
export function auprc(y: ArrayLike<number>, p: ArrayLike<number>): number | null {
  return auprcFromGroups(tieGroups(y, p));
}

/** Average precision from precomputed tie groups. */
export function auprcFromGroups(groups: readonly TieGroup[]): number | null {
  let positives = 0;
  for (const g of groups) positives += g.positives;
  if (positives === 0) return null;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  for (const g of groups) {
    tp += g.positives;
    fp += g.negatives;
    ap += (g.positives / positives) * (tp / (tp + fp));
  }
  return ap;
}

/** ROC points (x = false-positive rate, y = true-positive rate) from (0, 0) to (1, 1), one per distinct score. */
export function rocCurve(y: ArrayLike<number>, p: ArrayLike<number>, maxPoints = MAX_CURVE_POINTS): CurvePoint[] {
  const positives = countPositives(y);
  const negatives = y.length - positives;
  if (positives === 0 || negatives === 0) return [];
  const points: CurvePoint[] = [{ x: 0, y: 0, threshold: 1 }];
  let tp = 0;
  let fp = 0;
  for (const g of tieGroups(y, p)) {
    tp += g.positives;
    fp += g.negatives;
    points.push({ x: fp / negatives, y: tp / positives, threshold: g.score });
  }
  return downsample(points, maxPoints);
}

/** Precision-recall points (x = recall, y = precision), one per distinct score from high to low. */
export function prCurve(y: ArrayLike<number>, p: ArrayLike<number>, maxPoints = MAX_CURVE_POINTS): CurvePoint[] {
  const positives = countPositives(y);
  if (positives === 0) return [];
  const points: CurvePoint[] = [];
  let tp = 0;
  let fp = 0;
  for (const g of tieGroups(y, p)) {
    tp += g.positives;
    fp += g.negatives;
    points.push({ x: tp / positives, y: tp / (tp + fp), threshold: g.score });
  }
  return downsample(points, maxPoints);
}
