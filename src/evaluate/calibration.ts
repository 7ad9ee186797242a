// Calibration: Brier score, logistic recalibration slope and intercept, ECE and binned calibration curves.

/** Probabilities are clipped to [EPS, 1 - EPS] before taking logits, so 0 and 1 stay finite. */
const LOGIT_EPS = 1e-8;
const MAX_NEWTON_STEPS = 100;
const NEWTON_TOLERANCE = 1e-10;
/** A fitted slope beyond this means (quasi-)complete separation: the maximum-likelihood estimate does not exist. */
const MAX_ABS_SLOPE = 1e4;

export function logit(prob: number): number {
  const q = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, prob));
  return Math.log(q / (1 - q));
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Mean squared difference between probability and outcome. Null for no examples. */
export function brier(y: ArrayLike<number>, p: ArrayLike<number>): number | null {
  if (y.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum += (p[i]! - y[i]!) ** 2;
  return sum / y.length;
}

function logLikelihood(y: ArrayLike<number>, x: ArrayLike<number>, a: number, b: number): number {
  let ll = 0;
  for (let i = 0; i < y.length; i++) {
    const eta = a + b * x[i]!;
    // log sigmoid(eta) and log(1 - sigmoid(eta)) computed stably.
    const logOnePlusExp = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
    ll += y[i] === 1 ? eta - logOnePlusExp : -logOnePlusExp;
  }
  return ll;
}

/** Newton-Raphson with step halving for logit P(y=1) = a + b*x; `fitSlope` false holds b at 1 (an offset). */
function fitLogistic(
  y: ArrayLike<number>,
  x: ArrayLike<number>,
  fitSlope: boolean,
  start: { a: number; b: number } = { a: 0, b: 1 },
): { a: number; b: number } | null {
  let a = start.a;
  let b = fitSlope ? start.b : 1;
  let ll = logLikelihood(y, x, a, b);
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    let ga = 0;
    let gb = 0;
    let haa = 0;
    let hab = 0;
    let hbb = 0;
    for (let i = 0; i < y.length; i++) {
      const xi = x[i]!;
      const mu = sigmoid(a + b * xi);
      const w = mu * (1 - mu);
      const r = y[i]! - mu;
      ga += r;
      gb += r * xi;
      haa += w;
      hab += w * xi;
      hbb += w * xi * xi;
    }
    let da: number;
    let db: number;
    if (fitSlope) {
      const det = haa * hbb - hab * hab;
      if (!(det > 1e-300)) return null;
      da = (hbb * ga - hab * gb) / det;
      db = (haa * gb - hab * ga) / det;
    } else {
      if (!(haa > 1e-300)) return null;
      da = ga / haa;
      db = 0;
    }
    let scale = 1;
    let next = logLikelihood(y, x, a + da, b + db);
    while (next < ll - 1e-12 && scale > 1e-6) {
      scale /= 2;
      next = logLikelihood(y, x, a + scale * da, b + scale * db);
    }
    a += scale * da;
    b += scale * db;
    ll = next;
    if (Math.abs(b) > MAX_ABS_SLOPE || !Number.isFinite(a)) return null;
    if (Math.abs(scale * da) < NEWTON_TOLERANCE && Math.abs(scale * db) < NEWTON_TOLERANCE) return { a, b };
  }
  return null;
}

export interface CalibrationFit {
  /** b in logit P(y=1) = a + b*logit(p): 1 is ideal, < 1 means risks are too extreme (overfitting). */
  slope: number | null;
  /** a in logit P(y=1) = a + logit(p) (slope fixed at 1, calibration-in-the-large): 0 is ideal, > 0 means risks too low. */
  intercept: number | null;
}

/**
 * Logistic recalibration of the outcome on logit(p), fitted by Newton-Raphson. Each part is null when
 * its maximum-likelihood estimate does not exist (one class only, or complete separation).
 */
export function calibrationSlopeIntercept(y: ArrayLike<number>, p: ArrayLike<number>): CalibrationFit {
  const x = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) x[i] = logit(p[i]!);
  return calibrationFromLogits(y, x);
}

/** The same fit from precomputed logits; `start` (a nearby fit, e.g. on the full sample) speeds up bootstrap replicates. */
export function calibrationFromLogits(y: ArrayLike<number>, x: ArrayLike<number>, start?: CalibrationFit): CalibrationFit {
  const withSlope = fitLogistic(y, x, true, { a: 0, b: start?.slope ?? 1 });
  const inTheLarge = fitLogistic(y, x, false, { a: start?.intercept ?? 0, b: 1 });
  return { slope: withSlope?.b ?? null, intercept: inTheLarge?.a ?? null };
}

type BinStrategy = 'uniform' | 'quantile';

interface CalibrationBin {
  meanPredicted: number;
  observedRate: number;
  /** Exact counts of people and of those with the outcome; callers that publish them round or suppress them. */
  n: number;
  positives: number;
}

/** Bin membership: `uniform` = equal-width bins on [0, 1]; `quantile` = equal-count bins by rank of p. */
function binIndices(p: ArrayLike<number>, bins: number, strategy: BinStrategy): Int32Array {
  const bin = new Int32Array(p.length);
  if (strategy === 'uniform') {
    for (let i = 0; i < p.length; i++) bin[i] = Math.min(bins - 1, Math.floor(p[i]! * bins));
    return bin;
  }
  const order = new Int32Array(p.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => p[a]! - p[b]! || a - b);
  for (let rank = 0; rank < order.length; rank++) bin[order[rank]!] = Math.floor((rank * bins) / order.length);
  return bin;
}

/** Non-empty bins, low risk first, with the mean predicted risk and the observed outcome rate. */
export function calibrationCurve(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  bins = 10,
  strategy: BinStrategy = 'quantile',
): CalibrationBin[] {
  const bin = binIndices(p, bins, strategy);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (let i = 0; i < p.length; i++) {
    const b = bin[i]!;
    sumP[b]! += p[i]!;
    sumY[b]! += y[i]!;
    count[b]!++;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const n = count[b]!;
    if (n > 0) out.push({ meanPredicted: sumP[b]! / n, observedRate: sumY[b]! / n, n, positives: sumY[b]! });
  }
  return out;
}

/**
 * Expected calibration error: sum over bins of (n_bin / n) * |observed rate - mean predicted|.
 * Default: 10 equal-width bins on [0, 1] (the common definition). Null for no examples.
 */
export function ece(y: ArrayLike<number>, p: ArrayLike<number>, bins = 10, strategy: BinStrategy = 'uniform'): number | null {
  if (y.length === 0) return null;
  let sum = 0;
  for (const b of calibrationCurve(y, p, bins, strategy)) sum += b.n * Math.abs(b.observedRate - b.meanPredicted);
  return sum / y.length;
}
