// A quick learnability check of a generated population: L2 logistic regression on log(1 + count) of each
// (relation, code) in the recorded paths, fitted on half the children and scored on the other half, next to the
// oracle AUROC of the true probabilities on the same half. Not a model of the project: a yardstick for the data.
import type { TruthChild } from '../schemas/truth.js';
import { auroc } from './metrics.js';

interface LearnabilityReport {
  trainChildren: number;
  testChildren: number;
  features: number;
  logregAuroc: number;
  oracleAuroc: number;
}

function featureIndex(children: readonly TruthChild[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const c of children) for (const e of c.path.events) {
    const key = `${e.relation}:${e.code}`;
    if (!index.has(key)) index.set(key, index.size);
  }
  return index;
}

function featurize(c: TruthChild, index: Map<string, number>): Float64Array {
  const x = new Float64Array(index.size + 1);
  x[index.size] = 1;
  for (const e of c.path.events) {
    const i = index.get(`${e.relation}:${e.code}`);
    if (i !== undefined) x[i]! += 1;
  }
  for (let i = 0; i < index.size; i++) x[i] = Math.log1p(x[i]!);
  return x;
}

/** Fits by full-batch gradient descent with Adam-free momentum; small and deterministic. */
function fitLogreg(xs: Float64Array[], ys: number[], l2: number, epochs: number): Float64Array {
  const d = xs[0]!.length;
  const w = new Float64Array(d);
  const v = new Float64Array(d);
  const lr = 0.5;
  for (let ep = 0; ep < epochs; ep++) {
    const g = new Float64Array(d);
    for (let n = 0; n < xs.length; n++) {
      const x = xs[n]!;
      let z = 0;
      for (let i = 0; i < d; i++) z += w[i]! * x[i]!;
      const err = 1 / (1 + Math.exp(-z)) - ys[n]!;
      for (let i = 0; i < d; i++) g[i]! += err * x[i]!;
    }
    for (let i = 0; i < d; i++) {
      const grad = g[i]! / xs.length + (i === d - 1 ? 0 : l2 * w[i]!);
      v[i] = 0.9 * v[i]! - lr * grad;
      w[i]! += v[i]!;
    }
  }
  return w;
}

/** Children with a realised outcome, split by position (even = train, odd = test). */
export function learnability(children: readonly TruthChild[], epochs = 300): LearnabilityReport {
  const labelled = children.filter((c) => c.outcome !== null);
  const train = labelled.filter((_, i) => i % 2 === 0);
  const test = labelled.filter((_, i) => i % 2 === 1);
  const index = featureIndex(train);
  const w = fitLogreg(train.map((c) => featurize(c, index)), train.map((c) => c.outcome as number), 1e-4, epochs);
  const scores = test.map((c) => {
    const x = featurize(c, index);
    let z = 0;
    for (let i = 0; i < x.length; i++) z += w[i]! * x[i]!;
    return z;
  });
  const labels = test.map((c) => c.outcome as number);
  return {
    trainChildren: train.length,
    testChildren: test.length,
    features: index.size,
    logregAuroc: auroc(scores, labels),
    oracleAuroc: auroc(test.map((c) => c.trueProbability), labels),
  };
}

interface SparseRow {
  idx: Int32Array;
  val: Float32Array;
}

/** L2 penalties the count model chooses from (on a validation quarter of its training half). */
const HEADROOM_L2_GRID: readonly number[] = [1e-4, 1e-3, 1e-2];

/** Count windows of the headroom's count model: days before the index, as the default preprocessing's. */
const HEADROOM_WINDOWS_DAYS: readonly number[] = [365, 1096];

export interface HeadroomReport {
  /** The count-only model: L2 logistic regression on log1p counts per (relation, code, window before the index). */
  countModel: { windowsDays: number[]; features: number; l2: number; epochs: number };
  trainChildren: number;
  testChildren: number;
  oracleAuroc: number;
  countModelAuroc: number;
  /** oracleAuroc - countModelAuroc on the same test half. */
  headroom: number;
}

function windowOf(edges: readonly number[], daysBefore: number): number {
  let w = 0;
  while (w < edges.length && daysBefore >= edges[w]!) w++;
  return w;
}

/**
 * The headroom a sequence model has on a population: the oracle AUROC (true probabilities) next to a count-only
 * model fitted on the truth-free windowed counts of the recorded paths (log1p counts per (relation, code, window
 * before the index); children at even positions train, odd ones test). Rows are kept compact as children are
 * added, so a 520,000-person population needs no path in memory. Fitting: full-batch gradient descent with momentum
 * on standardised sparse features; deterministic.
 */
export class HeadroomAccumulator {
  private readonly index = new Map<string, number>();
  private readonly rows: SparseRow[] = [];
  private readonly labels: number[] = [];
  private readonly truth: number[] = [];

  constructor(private readonly windowsDays: readonly number[] = HEADROOM_WINDOWS_DAYS) {}

  /** One eligible child; children without a realised outcome (censored) are skipped. */
  add(path: TruthChild['path'], outcome: 0 | 1 | null, trueProbability: number): void {
    if (outcome === null) return;
    const counts = new Map<number, number>();
    const indexAge = path.indexAgeDays ?? path.events[path.events.length - 1]?.ageDays ?? 0;
    for (const e of path.events) {
      const key = `${e.relation}:${e.code}:${windowOf(this.windowsDays, indexAge - e.ageDays)}`;
      let i = this.index.get(key);
      if (i === undefined) {
        i = this.index.size;
        this.index.set(key, i);
      }
      counts.set(i, (counts.get(i) ?? 0) + 1);
    }
    const idx = Int32Array.from(counts.keys());
    this.rows.push({ idx, val: Float32Array.from(idx, (i) => Math.log1p(counts.get(i)!)) });
    this.labels.push(outcome);
    this.truth.push(trueProbability);
  }

  /**
   * Fits the count model on the even positions (its L2 penalty chosen on every fourth of them, then refitted on all)
   * and reports it next to the oracle on the odd positions.
   */
  report(epochs = 300, l2Grid: readonly number[] = HEADROOM_L2_GRID): HeadroomReport {
    const trainRows = this.rows.filter((_, i) => i % 2 === 0);
    const ys = this.labels.filter((_, i) => i % 2 === 0);
    const testRows = this.rows.filter((_, i) => i % 2 === 1);
    const labels = this.labels.filter((_, i) => i % 2 === 1);
    const truth = this.truth.filter((_, i) => i % 2 === 1);
    let l2 = l2Grid[0]!;
    if (l2Grid.length > 1) {
      const fitRows = trainRows.filter((_, i) => i % 4 !== 3);
      const fitYs = ys.filter((_, i) => i % 4 !== 3);
      const valRows = trainRows.filter((_, i) => i % 4 === 3);
      const valYs = ys.filter((_, i) => i % 4 === 3);
      let best = Number.NEGATIVE_INFINITY;
      for (const candidate of l2Grid) {
        const a = auroc(this.fit(fitRows, fitYs, epochs, candidate)(valRows), valYs);
        if (a > best) {
          best = a;
          l2 = candidate;
        }
      }
    }
    const scores = this.fit(trainRows, ys, epochs, l2)(testRows);
    const oracleAuroc = auroc(truth, labels);
    const countModelAuroc = auroc(scores, labels);
    return {
      countModel: { windowsDays: [...this.windowsDays], features: this.index.size, l2, epochs },
      trainChildren: trainRows.length,
      testChildren: testRows.length,
      oracleAuroc,
      countModelAuroc,
      headroom: oracleAuroc - countModelAuroc,
    };
  }

  /** Full-batch gradient descent with momentum on standardised features; returns a scorer of rows. */
  private fit(trainRows: readonly SparseRow[], ys: readonly number[], epochs: number, l2: number): (rows: readonly SparseRow[]) => number[] {
    const d = this.index.size;
    // Standardise each feature (mean over all training rows, zeros included) so one step size suits every feature.
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const r of trainRows) for (let k = 0; k < r.idx.length; k++) {
      mean[r.idx[k]!]! += r.val[k]!;
      sq[r.idx[k]!]! += r.val[k]! ** 2;
    }
    const n = Math.max(1, trainRows.length);
    const inv = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      mean[j] = mean[j]! / n;
      const variance = sq[j]! / n - mean[j]! ** 2;
      inv[j] = variance > 1e-12 ? 1 / Math.sqrt(variance) : 0;
    }
    const w = new Float64Array(d);
    const v = new Float64Array(d);
    let bias = 0;
    let vb = 0;
    const lr = 0.5;
    // z = bias + sum_j w_j (x_j - mean_j) / sd_j = (bias - sum_j w_j mean_j / sd_j) + the row's nonzeros.
    const offsetOf = () => {
      let offset = bias;
      for (let j = 0; j < d; j++) offset -= w[j]! * mean[j]! * inv[j]!;
      return offset;
    };
    const scaled = new Float64Array(d);
    for (let ep = 0; ep < epochs; ep++) {
      const offset = offsetOf();
      for (let j = 0; j < d; j++) scaled[j] = w[j]! * inv[j]!;
      const g = new Float64Array(d);
      let sumErr = 0;
      for (let r = 0; r < trainRows.length; r++) {
        const row = trainRows[r]!;
        let z = offset;
        for (let k = 0; k < row.idx.length; k++) z += scaled[row.idx[k]!]! * row.val[k]!;
        const err = 1 / (1 + Math.exp(-z)) - ys[r]!;
        sumErr += err;
        for (let k = 0; k < row.idx.length; k++) g[row.idx[k]!]! += err * row.val[k]!;
      }
      for (let j = 0; j < d; j++) {
        const grad = ((g[j]! - sumErr * mean[j]!) * inv[j]!) / n + l2 * w[j]!;
        v[j] = 0.9 * v[j]! - lr * grad;
        w[j]! += v[j]!;
      }
      vb = 0.9 * vb - (lr * sumErr) / n;
      bias += vb;
    }
    const offset = offsetOf();
    return (rows) =>
      rows.map((row) => {
        let z = offset;
        for (let k = 0; k < row.idx.length; k++) z += w[row.idx[k]!]! * inv[row.idx[k]!]! * row.val[k]!;
        return z;
      });
  }
}

