// Small statistics the generator reports about its own truth, in its own shape: plain numbers, NaN when undefined.
import { auroc as aurocOrNull } from '../util/rank.js';

/** Area under the ROC curve of scores against 0/1 labels (ties count one half); NaN when one class is empty. */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  return aurocOrNull(labels, scores) ?? Number.NaN;
}
