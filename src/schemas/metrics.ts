// Evaluation report and the bundle's metrics.json: the summaries the trainer writes and the model card reads.
// Definitions of each metric live in docs/evaluation.md; counts shown here are already rounded and suppressed.
import { z } from 'zod';
import { DEFAULT_MIN_COUNT, MIN_K, MIN_MIN_COUNT, OUTCOME_SUPPRESSIONS } from './disclosure.js';

/** A point estimate with its bootstrap percentile interval; null where the metric is undefined (one class only). */
export const MetricEstimateSchema = z
  .object({
    estimate: z.number().nullable(),
    lower: z.number().nullable(),
    upper: z.number().nullable(),
    /** Bootstrap replicates in which the metric was defined (the interval is taken over these). */
    replicates: z.number().int().min(0),
  })
  .strict();
export type MetricEstimate = z.infer<typeof MetricEstimateSchema>;

export const METRIC_NAMES = ['auroc', 'auprc', 'brier', 'calibrationSlope', 'calibrationIntercept', 'ece'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

const MetricSetSchema = z
  .object({
    auroc: MetricEstimateSchema,
    auprc: MetricEstimateSchema,
    brier: MetricEstimateSchema,
    calibrationSlope: MetricEstimateSchema,
    calibrationIntercept: MetricEstimateSchema,
    ece: MetricEstimateSchema,
  })
  .strict();
export type MetricSet = z.infer<typeof MetricSetSchema>;

/**
 * Why an operating point's sensitivity, specificity, PPV and NPV are hidden: the cell of its confusion matrix (as
 * counted, or as a reader derives it from the shown figures and the report's n and positives) below `minCount`, or
 * `secondary`: the people flagged between its threshold and the previous shown one would be.
 */
const THRESHOLD_SUPPRESSIONS = ['truePositives', 'falsePositives', 'falseNegatives', 'trueNegatives', 'secondary'] as const;
export type ThresholdSuppression = (typeof THRESHOLD_SUPPRESSIONS)[number];

const ThresholdRowSchema = z
  .object({
    /** Requested share of people flagged (0.05 = the top 5% of risks). */
    alertRate: z.number().gt(0).lte(1),
    /** Flag when risk >= threshold. Ties at the threshold are all flagged, so alerts may exceed the rate. */
    threshold: z.number(),
    /** People flagged, rounded to `roundTo`. */
    alerts: z.number().int().min(0),
    /** Null where undefined, or all four null where hidden (`metricsSuppressed` says why). */
    sensitivity: z.number().nullable(),
    specificity: z.number().nullable(),
    ppv: z.number().nullable(),
    npv: z.number().nullable(),
    /** Present when the four figures are hidden by the disclosure rules; absent in files written before them. */
    metricsSuppressed: z.enum(THRESHOLD_SUPPRESSIONS).optional(),
  })
  .strict();
export type ThresholdRow = z.infer<typeof ThresholdRowSchema>;

const CalibrationPointSchema = z.union([
  z
    .object({
      suppressed: z.literal(false),
      meanPredicted: z.number(),
      observedRate: z.number(),
      /** People in the bin, rounded to `roundTo`. */
      n: z.number().int().min(0),
    })
    .strict(),
  /** A bin of at least k whose outcomes or non-outcomes number under `minCount` (or that would reveal such a bin). */
  z
    .object({
      suppressed: z.literal(false),
      meanPredicted: z.number(),
      observedRate: z.null(),
      outcomeSuppressed: z.enum(OUTCOME_SUPPRESSIONS),
      n: z.number().int().min(0),
    })
    .strict(),
  /** A bin of fewer than k people: nothing is shown. */
  z.object({ suppressed: z.literal(true) }).strict(),
]);
export type CalibrationPoint = z.infer<typeof CalibrationPointSchema>;

const CurvePointSchema = z.object({ x: z.number(), y: z.number(), threshold: z.number() }).strict();
export type CurvePoint = z.infer<typeof CurvePointSchema>;

const SubgroupSliceSchema = z.discriminatedUnion('suppressed', [
  z
    .object({
      label: z.string(),
      suppressed: z.literal(false),
      /** Rounded to `roundTo`. */
      n: z.number().int().min(0),
      positives: z.number().int().min(0),
      metrics: MetricSetSchema,
    })
    .strict(),
  /** Fewer than k (or minCount) people, positives or negatives: no counts and no metrics are shown. */
  z.object({ label: z.string(), suppressed: z.literal(true) }).strict(),
]);
export type SubgroupSlice = z.infer<typeof SubgroupSliceSchema>;

export const EvaluationReportSchema = z
  .object({
    /** Examples evaluated and those with the outcome, rounded to `roundTo`. */
    n: z.number().int().min(0),
    positives: z.number().int().min(0),
    /** The disclosure rules the report was published under (minCount: reports written before it read as the default). */
    privacy: z
      .object({ k: z.number().int().min(MIN_K), minCount: z.number().int().min(MIN_MIN_COUNT).default(DEFAULT_MIN_COUNT), roundTo: z.number().int().min(1) })
      .strict(),
    bootstrap: z
      .object({
        samples: z.number().int().min(0),
        seed: z.number().int(),
        alpha: z.number().gt(0).lt(1),
        /** What was resampled: persons, or whole clusters (families) when cluster ids were given. */
        unit: z.enum(['person', 'cluster']),
      })
      .strict(),
    overall: MetricSetSchema,
    thresholds: z.array(ThresholdRowSchema),
    calibrationCurve: z
      .object({ strategy: z.enum(['quantile', 'uniform']), bins: z.number().int().min(1), points: z.array(CalibrationPointSchema) })
      .strict(),
    /** x = false-positive rate, y = true-positive rate; at most 200 points. */
    roc: z.array(CurvePointSchema),
    /** x = recall, y = precision; at most 200 points. */
    pr: z.array(CurvePointSchema),
    /**
     * Share of each outcome group per risk bin; null where the bin holds fewer than max(k, minCount) people of that
     * group (0 included, unless the bin is empty), or where the hidden cells together would be that few.
     */
    riskDistribution: z
      .object({
        binEdges: z.array(z.number()),
        positive: z.array(z.number().nullable()),
        negative: z.array(z.number().nullable()),
      })
      .strict(),
    /** Attribute (sex, birthCohort, area, languageGroup, ...) -> one slice per label, sorted by label. */
    subgroups: z.record(z.string(), z.array(SubgroupSliceSchema)),
    /** On generated data: the AUROC of the true risks and the paired-bootstrap gap model - oracle. */
    oracle: z.object({ auroc: MetricEstimateSchema, gap: MetricEstimateSchema }).strict().optional(),
  })
  .strict();
export type EvaluationReport = z.infer<typeof EvaluationReportSchema>;

const SplitCountSchema = z
  .object({ persons: z.number().int().min(0), families: z.number().int().min(0).optional(), positives: z.number().int().min(0) })
  .loose();

/**
 * The loss-threshold membership-inference attack (Yeom et al. 2018) on the served, calibrated model: AUC of the
 * negative loss for training persons (members) against test persons (non-members), the larger group sampled down
 * to the smaller. 0.5 is no leakage; the card lists an estimate above `target` as a limitation.
 */
const MembershipAttackSchema = z
  .object({
    method: z.literal('loss-threshold (Yeom et al. 2018)'),
    /** What the attacker ranks persons by (higher = more likely a member). */
    score: z.string(),
    auc: MetricEstimateSchema,
    /** Persons in the attack: members and non-members, equal after balancing. */
    members: z.number().int().min(0),
    nonMembers: z.number().int().min(0),
    /** Training and test persons they were drawn from. */
    memberPool: z.number().int().min(0),
    nonMemberPool: z.number().int().min(0),
    /** Which group was cut, by a seeded sample without replacement, to the other's size. */
    balancing: z.enum(['sampled members', 'sampled non-members', 'none']),
    /** The most the AUC should be; above it the model card says so in its limitations. */
    target: z.number().gt(0.5).lte(1),
    /** `seed` is the attack's: the balancing sample and the bootstrap draw from streams derived from it. */
    bootstrap: z
      .object({ samples: z.number().int().min(0), seed: z.number().int(), alpha: z.number().gt(0).lt(1), unit: z.literal('person') })
      .strict(),
  })
  .strict();
export type MembershipAttack = z.infer<typeof MembershipAttackSchema>;

export const METRICS_SCHEMA_VERSION = 1;

/** The bundle's metrics.json. The trainer fills splits and calibration and puts evaluateBinary's result under `test`. */
/** A planner's figure with its family-bootstrap interval (nulls where undefined). */
const CheckEstimateSchema = z.object({ estimate: z.number().nullable(), lower: z.number().nullable(), upper: z.number().nullable() }).strict();

/**
 * The bundle's intervention estimates against the generator's truth: evaluate-interventions' figures
 * (docs/interventions.md, "How estimates are judged") on the first `children` test-split children of the truth file.
 */
export const InterventionsCheckSchema = z
  .object({
    source: z.literal('generator-truth'),
    split: z.literal('test'),
    children: z.number().int().min(0),
    pairs: z.number().int().min(0),
    top3HitRate: CheckEstimateSchema,
    top1Agreement: CheckEstimateSchema,
    meanSpearman: CheckEstimateSchema,
    signErrorRate: CheckEstimateSchema,
    meanRegretShare: CheckEstimateSchema,
    /** Policy value over the oracle's when the 5% of children ranked highest get their top-1. */
    policyRatioAt5: CheckEstimateSchema,
    /** Share of pairs whose true effect lies in the bundle's interval; null without intervals. */
    intervalCoverage: z.number().min(0).max(1).nullable(),
    intervalLevel: z.number().nullable(),
  })
  .strict();
export type InterventionsCheck = z.infer<typeof InterventionsCheckSchema>;

export const MetricsFileSchema = z
  .object({
    schemaVersion: z.literal(METRICS_SCHEMA_VERSION),
    splits: z.object({ train: SplitCountSchema, validation: SplitCountSchema, test: SplitCountSchema }).strict(),
    test: EvaluationReportSchema,
    validation: EvaluationReportSchema.optional(),
    /** External validations (`servicepath evaluate --store`), each named by its store. */
    external: z.array(EvaluationReportSchema.extend({ store: z.string().optional() })).optional(),
    calibration: z.object({ method: z.enum(['platt', 'isotonic']) }).loose(),
    /** The intervention estimates checked against the generator's truth on held-out children (train --truth). */
    interventions: InterventionsCheckSchema.optional(),
    /** Attacks on the fitted model's privacy (src/evaluate/membership.ts); absent in bundles trained before them. */
    privacy: z.object({ membership: MembershipAttackSchema }).strict().optional(),
  })
  .strict();
export type MetricsFile = z.infer<typeof MetricsFileSchema>;
