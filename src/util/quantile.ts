// Percentiles of replicate values: the bootstrap intervals of the evaluation and of the intervention estimates.

/** Percentile (linear interpolation between order statistics, "type 7") of sorted values. */
function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** The central interval that leaves `tail` of the values out on each side (0.05: the 5th to the 95th percentile). */
export function tailInterval(values: ArrayLike<number>, tail: number): { lower: number; upper: number } {
  const sorted = Float64Array.from(values).sort();
  return { lower: quantileSorted(sorted, tail), upper: quantileSorted(sorted, 1 - tail) };
}

/** The central interval holding `level` of the paired replicate differences a[k] - b[k]. */
export function differenceInterval(a: ArrayLike<number>, b: ArrayLike<number>, level: number): { lower: number; upper: number } {
  return tailInterval(
    Float64Array.from(a, (x, k) => x - (b[k] as number)),
    (1 - level) / 2,
  );
}
