// Operating points: the threshold that flags a given share of people, and what flagging them would catch.
import { descendingOrder } from '../util/rank.js';
import { countPositives } from './order.js';

export const DEFAULT_ALERT_RATES = [0.05, 0.1, 0.2] as const;

interface ThresholdResult {
  alertRate: number;
  /** Flag when p >= threshold: the score of the ceil(alertRate * n)-th highest risk. */
  threshold: number;
  /** People flagged (exact; ties at the threshold are all flagged). */
  alerts: number;
  sensitivity: number | null;
  specificity: number | null;
  ppv: number | null;
  npv: number | null;
  /** The exact confusion matrix behind the four figures (callers that publish the figures check these). */
  counts: { truePositives: number; falsePositives: number; falseNegatives: number; trueNegatives: number };
}

function ratio(num: number, den: number): number | null {
  return den === 0 ? null : num / den;
}

export function thresholdTable(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  alertRates: readonly number[] = DEFAULT_ALERT_RATES,
): ThresholdResult[] {
  const n = y.length;
  if (n === 0) return [];
  const order = descendingOrder(p);
  const positives = countPositives(y);
  const negatives = n - positives;
  return alertRates.map((alertRate) => {
    const target = Math.min(n, Math.max(1, Math.ceil(alertRate * n)));
    const threshold = p[order[target - 1]!]!;
    let tp = 0;
    let fp = 0;
    for (let i = 0; i < n; i++) {
      if (p[i]! >= threshold) {
        if (y[i] === 1) tp++;
        else fp++;
      }
    }
    const fn = positives - tp;
    const tn = negatives - fp;
    return {
      alertRate,
      threshold,
      alerts: tp + fp,
      sensitivity: ratio(tp, positives),
      specificity: ratio(tn, negatives),
      ppv: ratio(tp, tp + fp),
      npv: ratio(tn, tn + fn),
      counts: { truePositives: tp, falsePositives: fp, falseNegatives: fn, trueNegatives: tn },
    };
  });
}
