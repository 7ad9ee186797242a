// Small rank statistics for comparing estimated and true effects (pure; hand-checkable in tests).

/** Ranks 1..n with ties given their average rank. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const avg = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[order[t]![1]] = avg;
    i = j + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2 || y.length !== n) return Number.NaN;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rank correlation (Pearson on average ranks); NaN when either side is constant or n < 2. */
export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Whether a truly best pair (lowest true effect, within tieTolerance) is among the k lowest estimates, with ties in
 * the estimate broken AGAINST it: a pair counts only if fewer than k other pairs have an estimate at or below its own.
 * So an estimator that gives every pair the same value (no information) never scores a hit through tie order.
 */
export function topKHit(estimated: readonly number[], truth: readonly number[], k = 3, tieTolerance = 1e-9): boolean {
  if (truth.length === 0) return false;
  const best = Math.min(...truth);
  return truth.some((t, j) => {
    if (t > best + tieTolerance) return false;
    const mine = estimated[j]!;
    let ahead = 0;
    estimated.forEach((e, i) => {
      if (i !== j && e <= mine + tieTolerance) ahead++;
    });
    return ahead < k;
  });
}

/** Pairs whose true effect is clearly nonzero (|true| > minEffect), and how many of them the estimate signs wrongly. */
export function signErrors(
  estimated: readonly number[],
  truth: readonly number[],
  minEffect: number,
): { pairs: number; errors: number } {
  let pairs = 0;
  let errors = 0;
  truth.forEach((t, i) => {
    if (Math.abs(t) <= minEffect) return;
    pairs++;
    if (Math.sign(estimated[i]!) !== Math.sign(t)) errors++;
  });
  return { pairs, errors };
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}
