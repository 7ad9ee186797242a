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
  ThresholdSuppression,
} from '../schemas/metrics.js';
import { METRIC_NAMES } from '../schemas/metrics.js';
import { auroc, aurocFromGroups, descendingOrder, tieGroups } from '../util/rank.js';
import { bootstrapIntervals, deriveSeed, gather, type Interval } from './bootstrap.js';
import { brier, type CalibrationFit, calibrationCurve, calibrationFromLogits, calibrationSlopeIntercept, ece, logit } from './calibration.js';
import { auprcFromGroups, prCurve, rocCurve } from './discrimination.js';
import { countPositives } from './order.js';
import { DEFAULT_K, DEFAULT_MIN_COUNT, DEFAULT_ROUND_TO, MIN_K, MIN_MIN_COUNT, type OutcomeSuppression } from '../schemas/disclosure.js';
import { calibrationFindings, cellFloor, histogramFindings, sliceProblems, thresholdBands, thresholdCells } from '../privacy/metrics.js';
import { impliedBelow, isSuppressed, roundCount } from '../privacy/rules.js';
import { DEFAULT_ALERT_RATES, thresholdTable } from './thresholds.js';
import { checkAlpha, checkBinaryInput, checkInteger, checkLabels, checkRate } from './validate.js';

interface EvaluateBinaryInput {
  yTrue: ArrayLike<number>;
  yProb: ArrayLike<number>;
  /** Cluster (family) id per example: the bootstrap then resamples whole families. */
  clusters?: readonly string[];
  /** Attribute name -> one label per example (sex, birthCohort, area, languageGroup, ...). */
  subgroups?: Record<string, readonly string[]>;
  /** Minimum people, positives and negatives for a slice, and people for a calibration bin, to be shown (default 10, at least 5). */
  k?: number;
  /** Smallest outcome count, and complement, behind any shown rate or derived count (default 5, at least 3). */
  minCount?: number;
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
  minCount: number;
  roundTo: number;
}

/** The report's n and positives as published (rounded): what a reader derives the tables' counts from. */
interface Shown {
  n: number;
  positives: number;
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
    const n = roundCount(idx.length, s.roundTo);
    const shownPositives = roundCount(positives, s.roundTo);
    // People, positives and negatives at least max(k, minCount): as counted, and as the rounded counts show them.
    if (isSuppressed(idx.length, positives, cellFloor(s)) || sliceProblems(n, shownPositives, s).length > 0) return { label, suppressed: true };
    const clusterSlice = clusters === undefined ? undefined : Array.from(idx, (i) => clusters[i]!);
    const seed = deriveSeed(s.seed, `${attribute}\u0000${label}`);
    return {
      label,
      suppressed: false,
      n,
      positives: shownPositives,
      metrics: metricSet(ySlice, gather(p, idx), clusterSlice, { ...s, seed }),
    };
  });
}

/** Why a bin of at least k may not show its rate: its counts, or those a reader infers from its rate and shown size. */
function binSuppression(bin: { n: number; positives: number; observedRate: number }, shownN: number, s: Settings): OutcomeSuppression | null {
  if (bin.positives < s.minCount) return 'numerator';
  if (bin.n - bin.positives < s.minCount) return 'complement';
  const implied = bin.observedRate * shownN;
  if (impliedBelow(implied, s.minCount)) return 'numerator';
  if (impliedBelow(shownN - implied, s.minCount)) return 'complement';
  return null;
}

/**
 * Equal-count calibration bins. A bin under k shows nothing; a bin whose outcomes or non-outcomes number under
 * minCount shows its size but not its rate; and the bins without a rate together (counted, and as a reader derives
 * them from the report's n and positives) must clear minCount too, else the bin nearest the rule loses its rate.
 */
function calibrationPoints(y: Float64Array, p: Float64Array, bins: number, s: Settings, shown: Shown): CalibrationPoint[] {
  const curve = calibrationCurve(y, p, bins, 'quantile');
  // Equal-count bins differ by at most one person: when one is under k all are, near enough, so none is shown.
  if (curve.some((b) => b.n < s.k || roundCount(b.n, s.roundTo) < s.k)) return curve.map(() => ({ suppressed: true }));
  const points: CalibrationPoint[] = curve.map((b) => {
    const n = roundCount(b.n, s.roundTo);
    const why = binSuppression(b, n, s);
    return why === null
      ? { suppressed: false, meanPredicted: b.meanPredicted, observedRate: b.observedRate, n }
      : { suppressed: false, meanPredicted: b.meanPredicted, observedRate: null, outcomeSuppressed: why, n };
  });
  const rated = (pt: CalibrationPoint) => !pt.suppressed && pt.observedRate !== null;
  for (;;) {
    const hidden = curve.filter((_, i) => !rated(points[i]!));
    const shownBins = points.flatMap((pt, i) => (rated(pt) ? [i] : []));
    if (hidden.length === 0 || shownBins.length === 0) break;
    const restN = hidden.reduce((a, b) => a + b.n, 0);
    const restP = hidden.reduce((a, b) => a + b.positives, 0);
    if (restP >= s.minCount && restN - restP >= s.minCount && calibrationFindings(points, shown.n, shown.positives, s).length === 0) break;
    const side = (i: number) => Math.min(curve[i]!.positives, curve[i]!.n - curve[i]!.positives);
    const next = shownBins.reduce((a, b) => (side(b) < side(a) ? b : a));
    const b = curve[next]!;
    points[next] = { suppressed: false, meanPredicted: b.meanPredicted, observedRate: null, outcomeSuppressed: 'secondary', n: roundCount(b.n, s.roundTo) };
  }
  return points;
}

/**
 * Share of each outcome group per equal-width risk bin on [0, upper]. A cell is shown when it holds at least
 * max(k, minCount) people (counted, and as share x the group's shown size), 0 only where the bin is empty (a 0 beside
 * people of the other group says none of them has, or lacks, the outcome), and while the hidden cells together hold
 * as many; else the smallest shown cell is hidden too.
 */
function riskDistribution(y: Float64Array, p: Float64Array, s: Settings, shown: Shown): EvaluationReport['riskDistribution'] {
  let maxP = 0;
  for (const v of p) maxP = Math.max(maxP, v);
  const upper = Math.min(1, Math.max(0.1, Math.ceil(maxP * 10) / 10));
  const binEdges = Array.from({ length: RISK_HISTOGRAM_BINS + 1 }, (_, b) => (b * upper) / RISK_HISTOGRAM_BINS);
  const counts = [new Array<number>(RISK_HISTOGRAM_BINS).fill(0), new Array<number>(RISK_HISTOGRAM_BINS).fill(0)];
  for (let i = 0; i < p.length; i++) {
    const b = Math.min(RISK_HISTOGRAM_BINS - 1, Math.floor((p[i]! / upper) * RISK_HISTOGRAM_BINS));
    counts[y[i]!]![b]!++;
  }
  const floor = cellFloor(s);
  const shares = (row: number[], other: number[], shownTotal: number): (number | null)[] => {
    const total = row.reduce((a, c) => a + c, 0);
    const out = row.map((c, b) => (c === 0 && other[b] === 0 ? 0 : c < floor || impliedBelow((c / total) * shownTotal, floor) ? null : c / total));
    const otherZero = other.map((c) => (c === 0 ? 0 : null));
    for (;;) {
      const shownBins = out.flatMap((v, b) => (v !== null && v > 0 ? [b] : []));
      if (!out.includes(null) || shownBins.length === 0) break;
      const rest = row.reduce((a, c, b) => a + (out[b] === null ? c : 0), 0);
      if (rest >= floor && histogramFindings(out, otherZero, shownTotal, s).length === 0) break;
      out[shownBins.reduce((a, b) => (row[b]! < row[a]! ? b : a))] = null;
    }
    return out;
  };
  return { binEdges, positive: shares(counts[1]!, counts[0]!, shown.positives), negative: shares(counts[0]!, counts[1]!, shown.n - shown.positives) };
}

const CONFUSION_CELLS = ['truePositives', 'falsePositives', 'falseNegatives', 'trueNegatives'] as const;

/**
 * Operating points. Sensitivity, specificity, PPV and NPV are shown together or not at all (with n, positives and
 * alerts any one of them gives the whole confusion matrix): only when every cell holds at least minCount people,
 * counted and as a reader derives it from the shown figures; and the people flagged between two shown points must
 * clear k and minCount too (counted and derived), else the later point is hidden.
 */
function thresholdRows(y: Float64Array, p: Float64Array, alertRates: readonly number[], s: Settings, shown: Shown): ThresholdRow[] {
  const table = thresholdTable(y, p, alertRates);
  const hide = (r: ThresholdRow, why: ThresholdSuppression): ThresholdRow => ({
    alertRate: r.alertRate,
    threshold: r.threshold,
    alerts: r.alerts,
    sensitivity: null,
    specificity: null,
    ppv: null,
    npv: null,
    metricsSuppressed: why,
  });
  const rows = table.map(({ counts, ...r }): ThresholdRow => {
    const row = { ...r, alerts: roundCount(r.alerts, s.roundTo) };
    const why = CONFUSION_CELLS.find((c) => counts[c] < s.minCount) ?? thresholdCells(row, shown.n, shown.positives).find((c) => impliedBelow(c.count, s.minCount))?.cell;
    return why === undefined ? row : hide(row, why);
  });
  for (;;) {
    const bad = thresholdBands(rows, shown.n, shown.positives).find((band) => {
      const from = table[band.from]!.counts;
      const to = table[band.to]!.counts;
      const tp = to.truePositives - from.truePositives;
      const fp = to.falsePositives - from.falsePositives;
      const derived = band.withOutcome + band.without;
      return tp + fp < s.k || tp < s.minCount || fp < s.minCount || impliedBelow(derived, s.k) || impliedBelow(band.withOutcome, s.minCount) || impliedBelow(band.without, s.minCount);
    });
    if (bad === undefined) break;
    rows[bad.to] = hide(rows[bad.to]!, 'secondary');
  }
  return rows;
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
  checkInteger(s.k, 'k', MIN_K);
  checkInteger(s.minCount, 'minCount', MIN_MIN_COUNT);
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
    minCount: input.minCount ?? DEFAULT_MIN_COUNT,
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
  const shown: Shown = { n: roundCount(y.length, s.roundTo), positives: roundCount(countPositives(y), s.roundTo) };
  const report: EvaluationReport = {
    ...shown,
    privacy: { k: s.k, minCount: s.minCount, roundTo: s.roundTo },
    bootstrap: { samples: s.samples, seed: s.seed, alpha: s.alpha, unit: input.clusters === undefined ? 'person' : 'cluster' },
    overall: metricSet(y, p, input.clusters, s),
    thresholds: thresholdRows(y, p, alertRates, s, shown),
    calibrationCurve: { strategy: 'quantile', bins, points: calibrationPoints(y, p, bins, s, shown) },
    roc: rocCurve(y, p),
    pr: prCurve(y, p),
    riskDistribution: riskDistribution(y, p, s, shown),
    subgroups,
  };
  if (input.oracleProb !== undefined) report.oracle = oracleSummary(y, p, Float64Array.from(input.oracleProb), input.clusters, s);
  return report;
}
