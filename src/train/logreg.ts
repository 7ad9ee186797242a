// L2-regularised logistic regression on sparse windowed code counts, fitted with L-BFGS in plain TypeScript.
// Deterministic (no randomness at all); the penalty is chosen on the validation split from a small grid.
import { auroc } from '../evaluate/index.js';
import { featureDim, sparseFeatures } from '../features/counts.js';
import { LOGREG_VERSION, type LogregModel } from '../schemas/fitted-models.js';
import type { Preprocessing } from '../schemas/fitted-models.js';
import type { Path } from '../schemas/path.js';

/** Rows of sparse features (CSR). */
export interface SparseMatrix {
  rowStart: Int32Array; // [n+1]
  indices: Int32Array;
  values: Float64Array;
  rows: number;
  cols: number;
}

export function featurise(prep: Preprocessing, paths: readonly Path[]): SparseMatrix {
  const rows = paths.map((p) => sparseFeatures(prep, p));
  const rowStart = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => {
    rowStart[i + 1] = (rowStart[i] as number) + r.indices.length;
  });
  const nnz = rowStart[rows.length] as number;
  const indices = new Int32Array(nnz);
  const values = new Float64Array(nnz);
  rows.forEach((r, i) => {
    indices.set(r.indices, rowStart[i]);
    values.set(r.values, rowStart[i]);
  });
  return { rowStart, indices, values, rows: rows.length, cols: featureDim(prep) };
}

/** Parameters: weights [0, cols) then the bias at index cols. */
export function linearLogits(x: SparseMatrix, theta: Float64Array): Float64Array {
  const out = new Float64Array(x.rows);
  const bias = theta[x.cols] as number;
  for (let i = 0; i < x.rows; i++) {
    let z = bias;
    for (let k = x.rowStart[i] as number; k < (x.rowStart[i + 1] as number); k++) z += (theta[x.indices[k] as number] as number) * (x.values[k] as number);
    out[i] = z;
  }
  return out;
}

/** Weighted mean log-loss plus (l2/2)|w|^2 (bias unpenalised), and its gradient. */
function objective(x: SparseMatrix, y: Float64Array, w: Float64Array, l2: number, theta: Float64Array, grad: Float64Array, penalty?: Float64Array): number {
  const z = linearLogits(x, theta);
  grad.fill(0);
  let wsum = 0;
  for (let i = 0; i < x.rows; i++) wsum += w[i] as number;
  let loss = 0;
  for (let i = 0; i < x.rows; i++) {
    const zi = z[i] as number;
    const yi = y[i] as number;
    const wi = (w[i] as number) / wsum;
    loss += wi * (Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi))));
    const r = wi * (1 / (1 + Math.exp(-zi)) - yi);
    for (let k = x.rowStart[i] as number; k < (x.rowStart[i + 1] as number); k++) {
      const j = x.indices[k] as number;
      grad[j] = (grad[j] as number) + r * (x.values[k] as number);
    }
    grad[x.cols] = (grad[x.cols] as number) + r;
  }
  for (let j = 0; j < x.cols; j++) {
    const t = theta[j] as number;
    const l = penalty === undefined ? l2 : l2 * (penalty[j] as number);
    loss += 0.5 * l * t * t;
    grad[j] = (grad[j] as number) + l * t;
  }
  return loss;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

/** L-BFGS (memory 10) with backtracking (Armijo) line search; returns the parameters. */
export function fitLogisticLbfgs(
  x: SparseMatrix,
  y: Float64Array,
  w: Float64Array,
  /** penalty: per-column multipliers of l2 (0 leaves a column unpenalised); default 1 for every column. */
  opts: { l2: number; maxIterations: number; start?: Float64Array; penalty?: Float64Array },
): { theta: Float64Array; loss: number; iterations: number } {
  const dim = x.cols + 1;
  const theta = opts.start === undefined ? new Float64Array(dim) : Float64Array.from(opts.start);
  const grad = new Float64Array(dim);
  let loss = objective(x, y, w, opts.l2, theta, grad, opts.penalty);
  const memory: { s: Float64Array; yv: Float64Array; rho: number }[] = [];
  let iterations = 0;
  for (; iterations < opts.maxIterations; iterations++) {
    let gmax = 0;
    for (let j = 0; j < dim; j++) gmax = Math.max(gmax, Math.abs(grad[j] as number));
    if (gmax < 1e-7) break;
    // Two-loop recursion: direction = -H * grad.
    const q = Float64Array.from(grad);
    const alphas: number[] = [];
    for (let m = memory.length - 1; m >= 0; m--) {
      const { s, yv, rho } = memory[m] as (typeof memory)[number];
      const a = rho * dot(s, q);
      alphas[m] = a;
      for (let j = 0; j < dim; j++) q[j] = (q[j] as number) - a * (yv[j] as number);
    }
    const last = memory[memory.length - 1];
    const gamma = last === undefined ? 1 / Math.max(1, gmax) : dot(last.s, last.yv) / dot(last.yv, last.yv);
    for (let j = 0; j < dim; j++) q[j] = (q[j] as number) * gamma;
    for (let m = 0; m < memory.length; m++) {
      const { s, yv, rho } = memory[m] as (typeof memory)[number];
      const b = rho * dot(yv, q);
      for (let j = 0; j < dim; j++) q[j] = (q[j] as number) + (s[j] as number) * ((alphas[m] as number) - b);
    }
    const direction = q.map((v) => -v);
    let slope = dot(direction, grad);
    if (slope >= 0) {
      // Not a descent direction: restart from steepest descent.
      memory.length = 0;
      for (let j = 0; j < dim; j++) direction[j] = -(grad[j] as number);
      slope = dot(direction, grad);
    }
    let step = 1;
    const next = new Float64Array(dim);
    const nextGrad = new Float64Array(dim);
    let nextLoss = Number.POSITIVE_INFINITY;
    for (let tries = 0; tries < 40; tries++) {
      for (let j = 0; j < dim; j++) next[j] = (theta[j] as number) + step * (direction[j] as number);
      nextLoss = objective(x, y, w, opts.l2, next, nextGrad, opts.penalty);
      if (nextLoss <= loss + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextLoss < loss)) break;
    const s = new Float64Array(dim);
    const yv = new Float64Array(dim);
    for (let j = 0; j < dim; j++) {
      s[j] = (next[j] as number) - (theta[j] as number);
      yv[j] = (nextGrad[j] as number) - (grad[j] as number);
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      memory.push({ s, yv, rho: 1 / sy });
      if (memory.length > 10) memory.shift();
    }
    const improvement = loss - nextLoss;
    theta.set(next);
    grad.set(nextGrad);
    loss = nextLoss;
    if (improvement < 1e-10 * Math.max(1, Math.abs(loss))) break;
  }
  return { theta, loss, iterations };
}

export function meanLogLoss(labels: ArrayLike<number>, logits: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i] as number;
    s += Math.max(z, 0) - z * (labels[i] as number) + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return logits.length === 0 ? 0 : s / logits.length;
}

interface LogregFitResult {
  model: LogregModel;
  /** Validation AUROC per tried penalty, for the training log. */
  grid: { l2: number; trainLoss: number; valLoss: number; valAuroc: number | null; iterations: number }[];
}

type PenaltyGridRow = { l2: number; trainLoss: number; valLoss: number; valAuroc: number | null; iterations: number };

/**
 * Fits every penalty of the grid, strongest first (each warm-started from the previous), and keeps the one with
 * the best validation AUROC. Shared by the logreg baseline and the treatment-aware stage.
 */
export function fitPenaltyGrid(
  xTrain: SparseMatrix,
  train: { labels: Float64Array; weights: Float64Array },
  xVal: SparseMatrix,
  valLabels: Float64Array,
  opts: { l2Grid: readonly number[]; maxIterations: number; start?: Float64Array; penalty?: Float64Array },
): { best: { theta: Float64Array; l2: number }; grid: PenaltyGridRow[] } {
  const grid: PenaltyGridRow[] = [];
  let best: { theta: Float64Array; l2: number; score: number } | null = null;
  let start = opts.start;
  for (const l2 of [...opts.l2Grid].sort((a, b) => b - a)) {
    const fit = fitLogisticLbfgs(xTrain, train.labels, train.weights, {
      l2,
      maxIterations: opts.maxIterations,
      ...(start === undefined ? {} : { start }),
      ...(opts.penalty === undefined ? {} : { penalty: opts.penalty }),
    });
    start = fit.theta;
    const valLogits = linearLogits(xVal, fit.theta);
    const valAuroc = auroc(valLabels, valLogits);
    grid.push({ l2, trainLoss: fit.loss, valLoss: meanLogLoss(valLabels, valLogits), valAuroc, iterations: fit.iterations });
    const score = valAuroc ?? Number.NEGATIVE_INFINITY;
    if (best === null || score > best.score + 1e-9) best = { theta: Float64Array.from(fit.theta), l2, score };
  }
  if (best === null) throw new RangeError('fitPenaltyGrid needs at least one penalty');
  return { best, grid };
}

/** Fits every penalty in the grid (warm-started from the previous) and keeps the best on validation. */
export function fitLogreg(
  prep: Preprocessing,
  train: { paths: readonly Path[]; labels: Float64Array; weights: Float64Array },
  validation: { paths: readonly Path[]; labels: Float64Array },
  opts: { l2Grid: readonly number[]; maxIterations: number },
): LogregFitResult {
  const xTrain = featurise(prep, train.paths);
  const xVal = featurise(prep, validation.paths);
  const { best: chosen, grid } = fitPenaltyGrid(xTrain, train, xVal, validation.labels, opts);
  return {
    model: { formatVersion: LOGREG_VERSION, weights: Array.from(chosen.theta.subarray(0, xTrain.cols)), bias: chosen.theta[xTrain.cols] as number, l2: chosen.l2 },
    grid,
  };
}
