// Confounding-by-indication adjustment: stabilised, truncated inverse-propensity weights for the training loss.
// One propensity model per catalogue service, fitted on the path before the service (docs/interventions.md).
import type { Catalogue } from '../schemas/catalogue.js';
import type { Path, PathEvent } from '../schemas/path.js';
import { groupOf } from '../features/coarsen.js';
import { indexAgeOf } from '../schemas/path.js';
import { type TreatmentRule, treatedServices, treatmentOf } from '../scoring/treatment.js';

interface AdjustmentExample {
  path: Path;
  label: 0 | 1;
}

interface AdjustmentOptions {
  /** Weights are clipped to these quantiles of their distribution before normalising (default 0.01 and 0.99). */
  truncateQuantile?: number;
  /** Propensities are clipped to [clip, 1 - clip] before inverting (default 0.01). */
  propensityClip?: number;
  /** Most frequent non-catalogue codes used as propensity covariates, beside the event groups (default 30). */
  maxCodes?: number;
  /** Ridge penalty of the propensity models (default 1). */
  l2?: number;
}

/** The catalogue's treatments (src/scoring/treatment.ts, the one treatment rule). */
type Treatments = TreatmentRule;

/** A treatment receipt (not history): a catalogued (code, receiver) on or after the first insertion age. */
const isCatalogued = (t: Treatments, e: PathEvent): boolean => treatmentOf(t, e) >= 0;

/** Covariate names: event groups (relation group : domain) and the most common non-catalogue codes. */
function covariateNames(examples: readonly AdjustmentExample[], serviceCodes: Treatments, maxCodes: number) {
  const groups = new Set<string>();
  const codePersons = new Map<string, number>();
  for (const { path } of examples) {
    const seen = new Set<string>();
    for (const e of path.events) {
      if (isCatalogued(serviceCodes, e)) continue;
      groups.add(groupOf(e));
      if (!seen.has(e.code)) {
        seen.add(e.code);
        codePersons.set(e.code, (codePersons.get(e.code) ?? 0) + 1);
      }
    }
  }
  const codes = [...codePersons.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxCodes)
    .map(([c]) => c);
  return { groups: [...groups].sort(), codes };
}

/** log1p counts of groups and codes among non-catalogue events before `beforeAgeDays`, then an intercept. */
function covariates(path: Path, beforeAgeDays: number, names: { groups: string[]; codes: string[] }, serviceCodes: Treatments): Float64Array {
  const gi = new Map(names.groups.map((g, i) => [g, i]));
  const ci = new Map(names.codes.map((c, i) => [c, names.groups.length + i]));
  const x = new Float64Array(names.groups.length + names.codes.length + 1);
  for (const e of path.events) {
    if (e.ageDays >= beforeAgeDays) break;
    if (isCatalogued(serviceCodes, e)) continue;
    const g = gi.get(groupOf(e));
    if (g !== undefined) x[g]!++;
    const c = ci.get(e.code);
    if (c !== undefined) x[c]!++;
  }
  for (let j = 0; j < x.length - 1; j++) x[j] = Math.log1p(x[j]!);
  x[x.length - 1] = 1;
  return x;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Solves A x = b for a symmetric positive definite A (Cholesky); A is d×d row-major. */
function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= l[i * d + k]! * l[j * d + k]!;
      l[i * d + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / l[j * d + j]!;
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * d + k]! * y[k]!;
    y[i] = s / l[i * d + i]!;
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < d; k++) s -= l[k * d + i]! * x[k]!;
    x[i] = s / l[i * d + i]!;
  }
  return x;
}

/** Ridge logistic regression by Newton's method (IRLS); the intercept (last column) is not penalised. */
export function fitLogistic(xs: readonly Float64Array[], ys: readonly number[], l2: number, iterations = 8): Float64Array {
  const d = xs[0]?.length ?? 0;
  const w = new Float64Array(d);
  for (let it = 0; it < iterations; it++) {
    const h = new Float64Array(d * d);
    const g = new Float64Array(d);
    xs.forEach((x, n) => {
      let z = 0;
      for (let j = 0; j < d; j++) z += w[j]! * x[j]!;
      const p = sigmoid(z);
      const r = p - ys[n]!;
      const v = p * (1 - p);
      for (let i = 0; i < d; i++) {
        if (x[i] === 0) continue;
        g[i]! += r * x[i]!;
        for (let j = 0; j <= i; j++) h[i * d + j]! += v * x[i]! * x[j]!;
      }
    });
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) h[j * d + i] = h[i * d + j]!;
      if (i < d - 1) {
        h[i * d + i]! += l2;
        g[i]! += l2 * w[i]!;
      } else h[i * d + i]! += 1e-6;
    }
    const step = solveSpd(h, g, d);
    for (let j = 0; j < d; j++) w[j]! -= step[j]!;
  }
  return w;
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[pos]!;
}

/**
 * Per-example training weights against confounding by indication (for the trainer's `adjustment: 'ipw'`):
 * for each catalogue service, a ridge logistic propensity model of receiving it (on or before the index date)
 * from the path before it (events before the first receipt; for those who never got it, before the median
 * first-receipt age of those who did); each example's weight is the product over services of stabilised inverse
 * propensities (P(T) / P(T | history), propensities clipped to [0.01, 0.99]), the product clipped to its
 * 1st..99th percentiles and normalised to mean 1.
 * Multiply each example's loss by its weight. Labels are not used (they are accepted so that callers pass the
 * training examples as they have them). Deterministic; examples.length weights, in order.
 */
export function computeAdjustmentWeights(
  examples: readonly AdjustmentExample[],
  catalogue: Catalogue,
  opts: AdjustmentOptions = {},
): Float64Array {
  const n = examples.length;
  const weights = new Float64Array(n).fill(1);
  if (n === 0) return weights;
  // One treatment per (code, receiver): the father's therapy is not the mother's, and only receipts from the
  // catalogue's first insertion age on (the child's life) are what an insertion adds; earlier ones are history.
  const serviceCodes: Treatments = treatedServices(catalogue);
  // The first service of each (code, receiver): treatmentOf answers with that index.
  const treatments = serviceCodes.services.filter((s, i) => treatmentOf(serviceCodes, { ...s, ageDays: serviceCodes.fromAgeDays }) === i);
  const names = covariateNames(examples, serviceCodes, opts.maxCodes ?? 30);
  const clip = opts.propensityClip ?? 0.01;
  for (const service of treatments) {
    const firstAge = examples.map(({ path }) => {
      const idx = indexAgeOf(path);
      const e = path.events.find((ev) => ev.code === service.code && ev.relation === service.relation && ev.ageDays <= idx && isCatalogued(serviceCodes, ev));
      return e?.ageDays;
    });
    const treatedAges = firstAge.filter((a): a is number => a !== undefined).sort((a, b) => a - b);
    const treated = treatedAges.length;
    if (treated === 0 || treated === n) continue; // no contrast: nothing to balance
    const landmark = quantile(treatedAges, 0.5);
    const xs = examples.map(({ path }, i) => covariates(path, firstAge[i] ?? Math.min(landmark, indexAgeOf(path) + 1), names, serviceCodes));
    const ys = firstAge.map((a) => (a === undefined ? 0 : 1));
    const w = fitLogistic(xs, ys, opts.l2 ?? 1);
    const marginal = treated / n;
    xs.forEach((x, i) => {
      let z = 0;
      for (let j = 0; j < x.length; j++) z += w[j]! * x[j]!;
      const p = Math.min(1 - clip, Math.max(clip, sigmoid(z)));
      weights[i]! *= ys[i] === 1 ? marginal / p : (1 - marginal) / (1 - p);
    });
  }
  const q = opts.truncateQuantile ?? 0.01;
  const sorted = [...weights].sort((a, b) => a - b);
  const lo = quantile(sorted, q);
  const hi = quantile(sorted, 1 - q);
  let total = 0;
  for (let i = 0; i < n; i++) {
    weights[i] = Math.min(hi, Math.max(lo, weights[i]!));
    total += weights[i]!;
  }
  for (let i = 0; i < n; i++) weights[i]! *= n / total;
  return weights;
}
