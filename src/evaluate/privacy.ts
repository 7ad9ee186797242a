// Small-number rules for published summaries: suppress groups under k, round the counts that are shown.

/** Default minimum group size (people, and positives and negatives within a group). Never below 5. */
export const DEFAULT_K = 10;
/** Default rounding unit of shown counts. */
export const DEFAULT_ROUND_TO = 5;

/** Rounds a count to the nearest multiple of `roundTo` (half away from zero). */
export function roundCount(count: number, roundTo: number): number {
  return Math.round(count / roundTo) * roundTo;
}

/** A slice is shown only when its people, positives and negatives each number at least k. */
export function isSuppressed(n: number, positives: number, k: number): boolean {
  return n < k || positives < k || n - positives < k;
}
