// Seeded bootstrap: resample persons (or whole clusters, e.g. families) with replacement; percentile intervals.
import { tailInterval } from '../util/quantile.js';
import { mulberry32 } from '../util/random.js';
import { descendingOrder } from '../util/rank.js';
import { checkAlpha, checkBinaryInput, checkInteger, checkLabels } from './validate.js';

/** Floats in [0, 1) from mulberry32 started at the seed itself (src/util/random.ts). Deterministic across platforms. */
export function createRng(seed: number): () => number {
  return mulberry32(seed >>> 0).next;
}

/** Derives an independent seed for a named stream (a subgroup slice), so slices do not share draws. */
export function deriveSeed(seed: number, stream: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

interface ResampleOptions {
  samples: number;
  seed: number;
  /** One id per example; when given, whole clusters are resampled (examples of a cluster stay together). */
  clusters?: readonly string[] | undefined;
  /**
   * Order in which each replicate's indices are listed (default 0..n-1). Passing the descending-score order
   * keeps replicates pre-sorted, which makes the rank metrics' sorts nearly linear.
   */
  order?: Int32Array | undefined;
}

/**
 * Yields, per replicate, how often each resampling unit (a person, or a whole cluster) was drawn, with each
 * example's unit: the one draw that both the index form (resampleIndices) and the weight form (a fit whose
 * example weights are multiplied by their unit's count) use. `draws` is reused between replicates.
 */
export function* resampleDraws(
  n: number,
  options: Pick<ResampleOptions, 'samples' | 'seed' | 'clusters'>,
): Generator<{ unitOf: Int32Array; draws: Uint32Array }> {
  const rng = createRng(options.seed);
  const unitOf = new Int32Array(n);
  let units = n;
  if (options.clusters === undefined) {
    for (let i = 0; i < n; i++) unitOf[i] = i;
  } else {
    const ids = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const id = options.clusters[i]!;
      let u = ids.get(id);
      if (u === undefined) {
        u = ids.size;
        ids.set(id, u);
      }
      unitOf[i] = u;
    }
    units = ids.size;
  }
  const draws = new Uint32Array(units);
  for (let s = 0; s < options.samples; s++) {
    draws.fill(0);
    for (let d = 0; d < units; d++) draws[Math.floor(rng() * units)]!++;
    yield { unitOf, draws };
  }
}

/** Yields one index array per replicate; an index appears as often as its person or cluster was drawn. */
export function* resampleIndices(n: number, options: ResampleOptions): Generator<Int32Array> {
  const order = options.order ?? Int32Array.from({ length: n }, (_, i) => i);
  for (const { unitOf, draws } of resampleDraws(n, options)) {
    let length = 0;
    for (let i = 0; i < n; i++) length += draws[unitOf[i]!]!;
    const idx = new Int32Array(length);
    let at = 0;
    for (const i of order) {
      for (let c = draws[unitOf[i]!]!; c > 0; c--) idx[at++] = i;
    }
    yield idx;
  }
}

export function gather(values: ArrayLike<number>, idx: Int32Array): Float64Array {
  const out = new Float64Array(idx.length);
  for (let j = 0; j < idx.length; j++) out[j] = values[idx[j]!]!;
  return out;
}

export interface Interval {
  lower: number | null;
  upper: number | null;
  /** Replicates in which the statistic was defined; the interval is taken over these. */
  replicates: number;
}

function percentileInterval(values: readonly (number | null)[], alpha: number): Interval {
  const defined = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (defined.length === 0) return { lower: null, upper: null, replicates: 0 };
  return { ...tailInterval(defined, alpha / 2), replicates: defined.length };
}

/**
 * Runs `statistics` on every replicate and returns a percentile interval per named statistic.
 * One function returns several statistics so that they share each replicate (and its cost).
 */
export function bootstrapIntervals<K extends string>(
  n: number,
  statistics: (idx: Int32Array) => Record<K, number | null>,
  keys: readonly K[],
  options: ResampleOptions & { alpha: number },
): Record<K, Interval> {
  const values = Object.fromEntries(keys.map((k) => [k, [] as (number | null)[]])) as Record<K, (number | null)[]>;
  for (const idx of resampleIndices(n, options)) {
    const stats = statistics(idx);
    for (const k of keys) values[k].push(stats[k]);
  }
  return Object.fromEntries(keys.map((k) => [k, percentileInterval(values[k], options.alpha)])) as Record<K, Interval>;
}

interface BootstrapCiOptions {
  samples?: number;
  seed: number;
  alpha?: number;
  clusters?: readonly string[];
}

export interface ConfidenceInterval extends Interval {
  estimate: number | null;
}

/** Point estimate on all data plus a seeded percentile bootstrap interval (default 200 samples, 95%). */
export function bootstrapCi(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  metricFn: (y: Float64Array, p: Float64Array) => number | null,
  options: BootstrapCiOptions,
): ConfidenceInterval {
  const samples = options.samples ?? 200;
  const alpha = options.alpha ?? 0.05;
  checkBinaryInput(y, p);
  checkLabels(options.clusters, y.length, 'clusters');
  checkInteger(samples, 'samples', 0);
  checkInteger(options.seed, 'seed', Number.MIN_SAFE_INTEGER);
  checkAlpha(alpha);
  const yAll = Float64Array.from(y);
  const pAll = Float64Array.from(p);
  const interval = bootstrapIntervals(
    y.length,
    (idx) => ({ metric: metricFn(gather(yAll, idx), gather(pAll, idx)) }),
    ['metric'],
    { samples, seed: options.seed, alpha, clusters: options.clusters, order: descendingOrder(pAll) },
  ).metric;
  return { estimate: metricFn(yAll, pAll), ...interval };
}
