// Paired comparison of two models' risks on the same examples: each metric of both, and the difference
// (candidate - baseline) with a percentile interval from one bootstrap that resamples the same persons (or
// families) for both models in every replicate. Pairing removes the between-sample noise that two separate
// intervals carry, so a difference of a few thousandths can be told from zero where separate intervals overlap.
import { brier } from './calibration.js';
import { bootstrapIntervals, type ConfidenceInterval, gather } from './bootstrap.js';
import { auprc } from './discrimination.js';
import { auroc } from '../util/rank.js';
import { checkAlpha, checkBinaryInput, checkInteger, checkLabels } from './validate.js';

export const COMPARED_METRICS = ['auroc', 'auprc', 'brier'] as const;
type ComparedMetric = (typeof COMPARED_METRICS)[number];

/** Higher is better for AUROC and AUPRC; lower for the Brier score. */
const HIGHER_IS_BETTER: Record<ComparedMetric, boolean> = { auroc: true, auprc: true, brier: false };

interface PairedInput {
  yTrue: ArrayLike<number>;
  baseline: ArrayLike<number>;
  candidate: ArrayLike<number>;
  /** One id per example (families): whole clusters are resampled. */
  clusters?: readonly string[];
  samples: number;
  seed: number;
  alpha?: number;
  /** Fewest outcomes, and fewest non-outcomes, behind a verdict (default MIN_VALIDATION_EVENTS). */
  minEvents?: number;
}

/**
 * Below this many outcomes (or non-outcomes) in the compared examples no verdict is given: the common rule of at
 * least 100 events and 100 non-events for validating a prediction model (Collins, Ogundimu and Altman, Stat Med
 * 2016; Riley et al., Stat Med 2021 give sample-size calculations that usually ask for more). The intervals still
 * print, marked unreliable.
 */
const MIN_VALIDATION_EVENTS = 100;

type PairedVerdict = 'candidate better' | 'candidate worse' | 'no difference shown' | 'insufficient evidence';

export interface PairedComparison {
  n: number;
  positives: number;
  samples: number;
  alpha: number;
  baseline: Record<ComparedMetric, number | null>;
  candidate: Record<ComparedMetric, number | null>;
  /** candidate - baseline, with the paired percentile interval. */
  difference: Record<ComparedMetric, ConfidenceInterval>;
  /**
   * By the interval of each metric's difference (direction by HIGHER_IS_BETTER); no interval, no verdict shown;
   * 'insufficient evidence' for every metric when the examples hold fewer than minEvents outcomes or non-outcomes.
   */
  verdict: Record<ComparedMetric, PairedVerdict>;
  /** The minimum that applied, and whether the examples met it. */
  evidence: { minEvents: number; sufficient: boolean };
}

const METRIC: Record<ComparedMetric, (y: ArrayLike<number>, p: ArrayLike<number>) => number | null> = { auroc, auprc, brier };

function pointMetrics(y: ArrayLike<number>, p: ArrayLike<number>): Record<ComparedMetric, number | null> {
  return { auroc: auroc(y, p), auprc: auprc(y, p), brier: brier(y, p) };
}

function verdictOf(metric: ComparedMetric, ci: ConfidenceInterval): PairedVerdict {
  if (ci.lower === null || ci.upper === null || ci.replicates === 0) return 'no difference shown';
  const sign = HIGHER_IS_BETTER[metric] ? 1 : -1;
  if (ci.lower > 0) return sign > 0 ? 'candidate better' : 'candidate worse';
  if (ci.upper < 0) return sign > 0 ? 'candidate worse' : 'candidate better';
  return 'no difference shown';
}

export function comparePaired(input: PairedInput): PairedComparison {
  const alpha = input.alpha ?? 0.05;
  checkBinaryInput(input.yTrue, input.baseline);
  checkBinaryInput(input.yTrue, input.candidate);
  checkLabels(input.clusters, input.yTrue.length, 'clusters');
  checkInteger(input.samples, 'samples', 0);
  checkInteger(input.seed, 'seed', Number.MIN_SAFE_INTEGER);
  checkAlpha(alpha);
  const y = Float64Array.from(input.yTrue);
  const a = Float64Array.from(input.baseline);
  const b = Float64Array.from(input.candidate);
  const baseline = pointMetrics(y, a);
  const candidate = pointMetrics(y, b);
  const intervals = bootstrapIntervals(
    y.length,
    (idx) => {
      const ys = gather(y, idx);
      const as = gather(a, idx);
      const bs = gather(b, idx);
      const out = {} as Record<ComparedMetric, number | null>;
      for (const m of COMPARED_METRICS) {
        const mb = METRIC[m](ys, bs);
        const ma = METRIC[m](ys, as);
        out[m] = mb === null || ma === null ? null : mb - ma;
      }
      return out;
    },
    COMPARED_METRICS,
    { samples: input.samples, seed: input.seed, alpha, clusters: input.clusters },
  );
  const difference = {} as Record<ComparedMetric, ConfidenceInterval>;
  const verdict = {} as Record<ComparedMetric, PairedVerdict>;
  for (const m of COMPARED_METRICS) {
    const pa = baseline[m];
    const pb = candidate[m];
    difference[m] = { estimate: pa === null || pb === null ? null : pb - pa, ...intervals[m] };
    verdict[m] = verdictOf(m, difference[m]);
  }
  let positives = 0;
  for (const v of y) positives += v;
  const minEvents = input.minEvents ?? MIN_VALIDATION_EVENTS;
  const sufficient = positives >= minEvents && y.length - positives >= minEvents;
  if (!sufficient) for (const m of COMPARED_METRICS) verdict[m] = 'insufficient evidence';
  return { n: y.length, positives, samples: input.samples, alpha, baseline, candidate, difference, verdict, evidence: { minEvents, sufficient } };
}
