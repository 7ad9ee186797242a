// Helpers shared by the rank-based metrics; the descending order and its tie groups live in src/util/rank.ts.

export function countPositives(y: ArrayLike<number>): number {
  let positives = 0;
  for (let i = 0; i < y.length; i++) positives += y[i] === 1 ? 1 : 0;
  return positives;
}

/** Keeps at most `maxPoints`, always the first and the last, evenly spaced in between. */
export function downsample<T>(points: readonly T[], maxPoints: number): T[] {
  if (points.length <= maxPoints) return [...points];
  const out: T[] = [];
  for (let j = 0; j < maxPoints; j++) out.push(points[Math.round((j * (points.length - 1)) / (maxPoints - 1))]!);
  return out;
}
