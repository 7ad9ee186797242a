// What a planner cares about when a model's estimated service effects are compared with the truth (pure; works on
// per-child effect arrays, so every figure can be checked by hand): regret of the model's top-1 action, top-1
// agreement, the value of treating the children the model ranks first at a budget, interval coverage, and cluster
// bootstrap intervals over families. Definitions: docs/interventions.md, "How estimates are judged".
import { bootstrapIntervals, type Interval } from './bootstrap.js';
import { mean, signErrors, spearman, topKHit } from './stats.js';

/**
 * One child's (service, age) pairs, in the same order on every side. Effects are differences in the probability of
 * the outcome (negative: the service lowers the risk). `lower`/`upper`, when a scorer gives them, bound each
 * estimated effect (an interval per pair: the bootstrap replicates of a treatment-aware bundle, src/evaluate/effects.ts).
 */
export interface ChildEffects {
  familyId: string;
  keys: string[];
  estimated: number[];
  truth: number[];
  lower?: number[] | undefined;
  upper?: number[] | undefined;
}

/** Effects closer than this count as tied (the effects are already rounded to 1e-9). */
const TIE = 1e-9;

/** Budgets as shares of the children (1%, 5%, 10%). */
const POLICY_SHARES = [0.01, 0.05, 0.1] as const;

/** Children whose truly best reduction is below this (probability) are left out of the regret share. */
const MIN_BEST_REDUCTION = 0.001;

/** One child's planner figures. */
interface ChildPlanner {
  /** Estimated reduction of the model's top-1 (minus its lowest estimated effect). */
  estimatedBenefit: number;
  /** True reduction the model's top-1 brings (mean over the pairs tied for the model's top-1). */
  trueGain: number;
  /** Truly best reduction: true probability minus the lowest counterfactual true probability. */
  bestReduction: number;
  /** bestReduction - trueGain (>= 0). */
  regret: number;
  /** regret / bestReduction, or null when bestReduction < minBestReduction. */
  regretShare: number | null;
  /** Share of the model's tied top-1 pairs that are truly best (1 or 0 without ties). */
  top1: number;
}

/**
 * The model's top-1 is the pair with the lowest estimated effect. Ties in the estimate are split evenly, as if a
 * planner picked one of the tied pairs at random: the true gain is their mean and the top-1 agreement the share of
 * them that are truly best (so an estimate that is the same for every pair scores chance, never a hit by order).
 * A truly best pair is any within 1e-9 of the lowest true effect.
 */
export function childPlanner(estimated: readonly number[], truth: readonly number[], minBestReduction = MIN_BEST_REDUCTION): ChildPlanner {
  if (truth.length === 0 || estimated.length !== truth.length) throw new RangeError('childPlanner needs equal, non-empty arrays');
  const minEst = Math.min(...estimated);
  const minTrue = Math.min(...truth);
  const picked = truth.filter((_, j) => estimated[j]! <= minEst + TIE);
  const trueGain = -mean(picked);
  const bestReduction = -minTrue;
  const regret = Math.max(0, bestReduction - trueGain);
  return {
    estimatedBenefit: -minEst,
    trueGain,
    bestReduction,
    regret,
    regretShare: bestReduction < minBestReduction ? null : regret / bestReduction,
    top1: picked.filter((t) => t <= minTrue + TIE).length / picked.length,
  };
}

/** Children treated at a budget: max(1, round(share x children)), never more than there are. */
export function budgetChildren(children: number, share: number): number {
  return Math.min(children, Math.max(1, Math.round(share * children)));
}

/**
 * Sum of `gain` over the k children with the largest `rank`. Children tied with the k-th on `rank` share the
 * remaining places evenly (each counts with the same fraction), so the order of ties never matters.
 */
export function topKSum(rank: readonly number[], gain: readonly number[], k: number): number {
  const order = rank.map((_, i) => i).sort((a, b) => rank[b]! - rank[a]!);
  let total = 0;
  let taken = 0;
  let i = 0;
  while (i < order.length && taken < k) {
    let j = i;
    while (j + 1 < order.length && rank[order[j + 1]!]! >= rank[order[i]!]! - TIE) j++;
    const group = order.slice(i, j + 1);
    const places = Math.min(group.length, k - taken);
    const sum = group.reduce((a, c) => a + gain[c]!, 0);
    total += (sum * places) / group.length;
    taken += places;
    i = j + 1;
  }
  return total;
}

interface PolicyAtBudget {
  /** Budget as a share of the children. */
  share: number;
  /** Children treated: max(1, round(share x children)). */
  k: number;
  /** True total risk reduction when the k children with the largest estimated benefit get their model top-1. */
  value: number;
  /** The same for the k children with the largest true best reduction, each given its truly best pair. */
  oracle: number;
  /** value / oracle (null when the oracle's value is not positive). */
  ratio: number | null;
}

/** Policy value at a budget, from each child's estimated benefit, true gain of the top-1 and truly best reduction. */
export function policyValue(rows: readonly Pick<ChildPlanner, 'estimatedBenefit' | 'trueGain' | 'bestReduction'>[], share: number): PolicyAtBudget {
  const k = budgetChildren(rows.length, share);
  const value = topKSum(
    rows.map((r) => r.estimatedBenefit),
    rows.map((r) => r.trueGain),
    k,
  );
  const best = rows.map((r) => r.bestReduction);
  const oracle = topKSum(best, best, k);
  return { share, k, value, oracle, ratio: oracle > 0 ? value / oracle : null };
}

interface Coverage {
  /** Share of (child, service, age) pairs with an interval whose true effect lies in [lower, upper]; null without intervals. */
  coverage: number | null;
  /** Pairs with an interval. */
  pairs: number;
  note?: string;
}

/** Interval coverage of the true effects, over the pairs whose estimate carries `lower` and `upper`. */
export function intervalCoverage(effects: readonly ChildEffects[]): Coverage {
  let pairs = 0;
  let inside = 0;
  for (const e of effects) {
    if (e.lower === undefined || e.upper === undefined) continue;
    e.truth.forEach((t, i) => {
      const lo = e.lower![i];
      const hi = e.upper![i];
      if (lo === undefined || hi === undefined || !Number.isFinite(lo) || !Number.isFinite(hi)) return;
      pairs++;
      if (t >= lo - TIE && t <= hi + TIE) inside++;
    });
  }
  return pairs === 0 ? { coverage: null, pairs: 0, note: 'no intervals in this bundle' } : { coverage: inside / pairs, pairs };
}

interface BootstrapOptions {
  /** Replicates (default 200; 0 gives no intervals). */
  samples?: number;
  seed?: number;
  /** 0.05 for 95% intervals. */
  alpha?: number;
  minEffect?: number;
  minBestReduction?: number;
}

export interface PlannerSummary {
  top1Agreement: number;
  meanRegret: number;
  /** Mean regret share over the children whose best reduction is at least minBestReduction (null when none). */
  meanRegretShare: number | null;
  regretShareChildren: number;
  /** Children left out of the regret share (best reduction below minBestReduction, or none). */
  regretShareExcluded: number;
  minBestReduction: number;
  policy: PolicyAtBudget[];
  coverage: Coverage;
  /** Percentile intervals from a bootstrap over families (whole families resampled, seeded). */
  intervals: {
    samples: number;
    seed: number;
    level: number;
    families: number;
    top3HitRate: Interval;
    meanSpearman: Interval;
    signErrorRate: Interval;
    top1Agreement: Interval;
    meanRegret: Interval;
    meanRegretShare: Interval;
    /** One per budget, in the order of `policy`: the interval of the ratio. */
    policyRatio: Interval[];
  };
}

const meanOrNull = (xs: readonly number[]): number | null => (xs.length === 0 ? null : mean(xs));

/** The planner's figures and their family-bootstrap intervals over children with at least one pair. */
export function summarisePlanner(effects: readonly ChildEffects[], opts: BootstrapOptions = {}): PlannerSummary {
  const samples = opts.samples ?? 200;
  const seed = opts.seed ?? 1;
  const alpha = opts.alpha ?? 0.05;
  const minEffect = opts.minEffect ?? 0.005;
  const minBestReduction = opts.minBestReduction ?? MIN_BEST_REDUCTION;
  const children = effects.filter((e) => e.truth.length > 0);
  const rows = children.map((e) => childPlanner(e.estimated, e.truth, minBestReduction));
  const hit3 = children.map((e) => (topKHit(e.estimated, e.truth, 3) ? 1 : 0));
  const rho = children.map((e) => spearman(e.estimated, e.truth));
  const signs = children.map((e) => signErrors(e.estimated, e.truth, minEffect));

  const statistics = (idx: ArrayLike<number>) => {
    const pick = <T>(xs: readonly T[]): T[] => Array.from(idx, (i) => xs[i]!);
    const r = pick(rows);
    const s = pick(signs);
    const pairs = s.reduce((a, x) => a + x.pairs, 0);
    const stats: Record<string, number | null> = {
      top3HitRate: meanOrNull(pick(hit3)),
      meanSpearman: meanOrNull(pick(rho).filter((x) => Number.isFinite(x))),
      signErrorRate: pairs === 0 ? null : s.reduce((a, x) => a + x.errors, 0) / pairs,
      top1Agreement: meanOrNull(r.map((x) => x.top1)),
      meanRegret: meanOrNull(r.map((x) => x.regret)),
      meanRegretShare: meanOrNull(r.flatMap((x) => (x.regretShare === null ? [] : [x.regretShare]))),
    };
    for (const share of POLICY_SHARES) stats[`policy${share}`] = r.length === 0 ? null : policyValue(r, share).ratio;
    return stats;
  };
  const keys = ['top3HitRate', 'meanSpearman', 'signErrorRate', 'top1Agreement', 'meanRegret', 'meanRegretShare', ...POLICY_SHARES.map((s) => `policy${s}`)];
  const none: Interval = { lower: null, upper: null, replicates: 0 };
  const ci =
    samples > 0 && children.length > 0
      ? bootstrapIntervals(children.length, statistics, keys, { samples, seed, alpha, clusters: children.map((e) => e.familyId) })
      : Object.fromEntries(keys.map((k) => [k, none]));
  const shares = rows.flatMap((r) => (r.regretShare === null ? [] : [r.regretShare]));
  return {
    top1Agreement: mean(rows.map((r) => r.top1)),
    meanRegret: mean(rows.map((r) => r.regret)),
    meanRegretShare: meanOrNull(shares),
    regretShareChildren: shares.length,
    regretShareExcluded: rows.length - shares.length,
    minBestReduction,
    policy: rows.length === 0 ? [] : POLICY_SHARES.map((share) => policyValue(rows, share)),
    coverage: intervalCoverage(children),
    intervals: {
      samples,
      seed,
      level: 1 - alpha,
      families: new Set(children.map((e) => e.familyId)).size,
      top3HitRate: ci.top3HitRate!,
      meanSpearman: ci.meanSpearman!,
      signErrorRate: ci.signErrorRate!,
      top1Agreement: ci.top1Agreement!,
      meanRegret: ci.meanRegret!,
      meanRegretShare: ci.meanRegretShare!,
      policyRatio: POLICY_SHARES.map((s) => ci[`policy${s}`]!),
    },
  };
}
