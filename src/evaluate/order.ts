// Sorting helpers shared by the rank-based metrics: indices by descending score, grouped into ties.

/** Indices 0..n-1 ordered by descending score; stable, so equal scores keep input order. */
export function descendingOrder(p: ArrayLike<number>): Int32Array {
  const idx = new Int32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => p[b]! - p[a]! || a - b);
}

export interface TieGroup {
  /** The shared score of the group. */
  score: number;
  /** Positives and negatives inside the group. */
  positives: number;
  negatives: number;
}

/** Walks scores from high to low and returns one entry per distinct score. */
export function tieGroups(y: ArrayLike<number>, p: ArrayLike<number>): TieGroup[] {
  const order = descendingOrder(p);
  const groups: TieGroup[] = [];
  let current: TieGroup | undefined;
  for (const i of order) {
    const score = p[i]!;
    if (current === undefined || current.score !== score) {
      current = { score, positives: 0, negatives: 0 };
      groups.push(current);
    }
    if (y[i] === 1) current.positives++;
    else current.negatives++;
  }
  return groups;
}

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
