// Percentiles of replicate values: the bootstrap intervals of the evaluation and of the intervention estimates.

/** Percentile (linear interpolation between order statistics, "type 7") of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return (sorted[lo] as number) + (h - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}

/** The central percentile interval holding `level` of the values (0.9: the 5th to the 95th percentile). */
export function percentileInterval(values: ArrayLike<number>, level: number): { lower: number; upper: number } {
  const sorted = Float64Array.from(values).sort();
  const tail = (1 - level) / 2;
  return { lower: quantileSorted(sorted, tail), upper: quantileSorted(sorted, 1 - tail) };
}
