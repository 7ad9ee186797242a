// One call that turns labels and risks into the evaluation report of metrics.json: overall metrics with
// bootstrap intervals, operating points, curves, risk distributions, subgroup slices and the oracle gap.
import type {
  CalibrationPoint,
  EvaluationReport,
  MetricEstimate,
  MetricName,
  MetricSet,
  SubgroupSlice,
  ThresholdRow,
} from '../schemas/metrics.js';
import { METRIC_NAMES } from '../schemas/metrics.js';
import { auroc, aurocFromGroups, descendingOrder, tieGroups } from '../util/rank.js';
import { bootstrapIntervals, deriveSeed, gather, type Interval } from './bootstrap.js';
import { brier, type CalibrationFit, calibrationCurve, calibrationFromLogits, calibrationSlopeIntercept, ece, logit } from './calibration.js';
import { auprcFromGroups, prCurve, rocCurve } from './discrimination.js';
import { countPositives } from './order.js';
import { DEFAULT_K, DEFAULT_ROUND_TO, isSuppressed, roundCount } from './privacy.js';
import { DEFAULT_ALERT_RATES, thresholdTable } from './thresholds.js';
import { checkAlpha, checkBinaryInput, checkInteger, checkLabels, checkRate } from './validate.js';

interface EvaluateBinaryInput {
  yTrue: ArrayLike<number>;
  yProb: ArrayLike<number>;
  /** Cluster (family) id per example: the bootstrap then resamples whole families. */
  clusters?: readonly string[];
  /** Attribute name -> one label per example (sex, birthCohort, area, languageGroup, ...). */
  subgroups?: Record<string, readonly string[]>;
  /** Minimum people, positives and negatives for a slice to be shown (default 10, at least 5). */
  k?: number;
  /** Shown counts are rounded to this (default 5). */
  roundTo?: number;
  /** Bootstrap replicates (default 200; 0 gives no intervals). */
  bootstrapSamples?: number;
  seed: number;
  /** 1 - coverage of the intervals (default 0.05 for 95%). */
  alpha?: number;
  alertRates?: readonly number[];
  /** Equal-count bins of the calibration curve (default 10). */
  calibrationBins?: number;
  /** The generator's true risk per example, when known. */
  oracleProb?: ArrayLike<number>;
}

const DEFAULT_BOOTSTRAP_SAMPLES = 200;
const DEFAULT_CALIBRATION_BINS = 10;
const RISK_HISTOGRAM_BINS = 20;

interface Settings {
  samples: number;
  seed: number;
  alpha: number;
  k: number;
  roundTo: number;
}

/** All six metrics on one sample. `logits` and `start` (the full-sample fit) only save work in bootstrap replicates. */
function pointMetrics(
  y: ArrayLike<number>,
  p: ArrayLike<number>,
  logits?: ArrayLike<number>,
  start?: CalibrationFit,
): Record<MetricName, number | null> {
  const fit = logits === undefined ? calibrationSlopeIntercept(y, p) : calibrationFromLogits(y, logits, start);
  const groups = tieGroups(y, p);
  return {
    auroc: aurocFromGroups(groups),
    auprc: auprcFromGroups(groups),
    brier: brier(y, p),
    calibrationSlope: fit.slope,
    calibrationIntercept: fit.intercept,
    ece: ece(y, p),
  };
}

function withInterval(estimate: number | null, interval: Interval): MetricEstimate {
  return { estimate, lower: interval.lower, upper: interval.upper, replicates: interval.replicates };
}

function metricSet(y: Float64Array, p: Float64Array, clusters: readonly string[] | undefined, s: Settings): MetricSet {
  const point = pointMetrics(y, p);
  const logits = p.map(logit);
  const start = { slope: point.calibrationSlope, intercept: point.calibrationIntercept };
  const replicate = (idx: Int32Array) => pointMetrics(gather(y, idx), gather(p, idx), gather(logits, idx), start);
  const intervals = bootstrapIntervals(y.length, replicate, METRIC_NAMES, {
    samples: s.samples,
    seed: s.seed,
    alpha: s.alpha,
    clusters,
    order: descendingOrder(p),
  });
  return Object.fromEntries(METRIC_NAMES.map((m) => [m, withInterval(point[m], intervals[m])])) as MetricSet;
}

function subgroupSlices(
  attribute: string,
  labels: readonly string[],
  y: Float64Array,
  p: Float64Array,
  clusters: readonly string[] | undefined,
  s: Settings,
): SubgroupSlice[] {
  const members = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const list = members.get(label);
    if (list === undefined) members.set(label, [i]);
    else list.push(i);
  });
  return [...members.keys()].sort().map((label) => {
    const idx = Int32Array.from(members.get(label)!);
    const ySlice = gather(y, idx);
    const positives = countPositives(ySlice);
    if (isSuppressed(idx.length, positives, s.k)) return { label, suppressed: true };
    const clusterSlice = clusters === undefined ? undefined : Array.from(idx, (i) => clusters[i]!);
    const seed = deriveSeed(s.seed, `${attribute}\u0000${label}`);
    return {
      label,
      suppressed: false,
      n: roundCount(idx.length, s.roundTo),
      positives: roundCount(positives, s.roundTo),
      metrics: metricSet(ySlice, gather(p, idx), clusterSlice, { ...s, seed }),
    };
  });
}

function calibrationPoints(y: Float64Array, p: Float64Array, bins: number, s: Settings): CalibrationPoint[] {
  return calibrationCurve(y, p, bins, 'quantile').map((b) =>
    b.n < s.k
      ? { suppressed: true }
      : { suppressed: false, meanPredicted: b.meanPredicted, observedRate: b.observedRate, n: roundCount(b.n, s.roundTo) },
  );
}

/** Share of each outcome group per equal-width risk bin on [0, upper]; bins with 1..k-1 people are null. */
function riskDistribution(y: Float64Array, p: Float64Array, k: number): EvaluationReport['riskDistribution'] {
  let maxP = 0;
  for (const v of p) maxP = Math.max(maxP, v);
  const upper = Math.min(1, Math.max(0.1, Math.ceil(maxP * 10) / 10));
  const binEdges = Array.from({ length: RISK_HISTOGRAM_BINS + 1 }, (_, b) => (b * upper) / RISK_HISTOGRAM_BINS);
  const counts = [new Array<number>(RISK_HISTOGRAM_BINS).fill(0), new Array<number>(RISK_HISTOGRAM_BINS).fill(0)];
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(RISK_HISTOGRAM_BINS - 1, Math.floor((p[i]! / upper) * RISK_HISTOGRAM_BINS));
    counts[y[i]!]![b]!++;
  }
  const shares = (row: number[]) => {
    const total = row.reduce((a, c) => a + c, 0);
    return row.map((c) => (c === 0 ? 0 : c < k ? null : c / total));
  };
  return { binEdges, positive: shares(counts[1]!), negative: shares(counts[0]!) };
}

function thresholdRows(y: Float64Array, p: Float64Array, alertRates: readonly number[], roundTo: number): ThresholdRow[] {
  return thresholdTable(y, p, alertRates).map((r) => ({ ...r, alerts: roundCount(r.alerts, roundTo) }));
}

function oracleSummary(y: Float64Array, p: Float64Array, q: Float64Array, clusters: readonly string[] | undefined, s: Settings) {
  const stats = (yy: Float64Array, pp: Float64Array, qq: Float64Array) => {
    const model = auroc(yy, pp);
    const oracle = auroc(yy, qq);
    return { oracle, gap: model === null || oracle === null ? null : model - oracle };
  };
  const point = stats(y, p, q);
  const intervals = bootstrapIntervals(y.length, (idx) => stats(gather(y, idx), gather(p, idx), gather(q, idx)), ['oracle', 'gap'], {
    samples: s.samples,
    seed: deriveSeed(s.seed, 'oracle'),
    alpha: s.alpha,
    clusters,
  });
  return { auroc: withInterval(point.oracle, intervals.oracle), gap: withInterval(point.gap, intervals.gap) };
}

function validate(input: EvaluateBinaryInput, s: Settings, bins: number, alertRates: readonly number[]): void {
  checkBinaryInput(input.yTrue, input.yProb);
  if (input.oracleProb !== undefined) checkBinaryInput(input.yTrue, input.oracleProb, 'oracleProb');
  checkLabels(input.clusters, input.yTrue.length, 'clusters');
  for (const [name, labels] of Object.entries(input.subgroups ?? {})) checkLabels(labels, input.yTrue.length, `subgroups/${name}`);
  checkInteger(s.k, 'k', 5);
  checkInteger(s.roundTo, 'roundTo', 1);
  checkInteger(s.samples, 'bootstrapSamples', 0);
  checkInteger(s.seed, 'seed', Number.MIN_SAFE_INTEGER);
  checkInteger(bins, 'calibrationBins', 1);
  checkAlpha(s.alpha);
  for (const [i, rate] of alertRates.entries()) checkRate(rate, `alertRates/${i}`);
}

export function evaluateBinary(input: EvaluateBinaryInput): EvaluationReport {
  const s: Settings = {
    samples: input.bootstrapSamples ?? DEFAULT_BOOTSTRAP_SAMPLES,
    seed: input.seed,
    alpha: input.alpha ?? 0.05,
    k: input.k ?? DEFAULT_K,
    roundTo: input.roundTo ?? DEFAULT_ROUND_TO,
  };
  const bins = input.calibrationBins ?? DEFAULT_CALIBRATION_BINS;
  const alertRates = input.alertRates ?? DEFAULT_ALERT_RATES;
  validate(input, s, bins, alertRates);
  const y = Float64Array.from(input.yTrue);
  const p = Float64Array.from(input.yProb);
  const subgroups: Record<string, SubgroupSlice[]> = {};
  for (const [attribute, labels] of Object.entries(input.subgroups ?? {})) {
    subgroups[attribute] = subgroupSlices(attribute, labels, y, p, input.clusters, s);
  }
  const report: EvaluationReport = {
    n: roundCount(y.length, s.roundTo),
    positives: roundCount(countPositives(y), s.roundTo),
    privacy: { k: s.k, roundTo: s.roundTo },
    bootstrap: { samples: s.samples, seed: s.seed, alpha: s.alpha, unit: input.clusters === undefined ? 'person' : 'cluster' },
    overall: metricSet(y, p, input.clusters, s),
    thresholds: thresholdRows(y, p, alertRates, s.roundTo),
    calibrationCurve: { strategy: 'quantile', bins, points: calibrationPoints(y, p, bins, s) },
    roc: rocCurve(y, p),
    pr: prCurve(y, p),
    riskDistribution: riskDistribution(y, p, s.k),
    subgroups,
  };
  if (input.oracleProb !== undefined) report.oracle = oracleSummary(y, p, Float64Array.from(input.oracleProb), input.clusters, s);
  return report;
}
