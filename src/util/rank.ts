// Scores ranked from high to low in tie groups, and the one AUROC built on them: the population generator reports
// its oracle AUROC with it, and src/evaluate builds its discrimination metrics and curves on the same groups.

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

/**
 * Area under the ROC curve = P(score of a random positive > score of a random negative), ties counted 1/2
 * (the Mann-Whitney U statistic / (positives x negatives)). Null when either class is absent.
 */
export function auroc(y: ArrayLike<number>, p: ArrayLike<number>): number | null {
  return aurocFromGroups(tieGroups(y, p));
}

/** AUROC from precomputed tie groups (shared with average precision to sort once). */
export function aurocFromGroups(groups: readonly TieGroup[]): number | null {
  let positives = 0;
  let negatives = 0;
  for (const g of groups) {
    positives += g.positives;
    negatives += g.negatives;
  }
  if (positives === 0 || negatives === 0) return null;
  let positivesAbove = 0;
  let wins = 0;
  for (const g of groups) {
    wins += g.negatives * (positivesAbove + g.positives / 2);
    positivesAbove += g.positives;
  }
  return wins / (positives * negatives);
}
