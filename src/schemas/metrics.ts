// Evaluation report and the bundle's metrics.json: the summaries the trainer writes and the model card reads.
// Definitions of each metric live in docs/evaluation.md; counts shown here are already rounded and suppressed.
import { z } from 'zod';

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

const ThresholdRowSchema = z
  .object({
    /** Requested share of people flagged (0.05 = the top 5% of risks). */
    alertRate: z.number().gt(0).lte(1),
    /** Flag when risk >= threshold. Ties at the threshold are all flagged, so alerts may exceed the rate. */
    threshold: z.number(),
    /** People flagged, rounded to `roundTo`. */
    alerts: z.number().int().min(0),
    sensitivity: z.number().nullable(),
    specificity: z.number().nullable(),
    ppv: z.number().nullable(),
    npv: z.number().nullable(),
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
  /** Fewer than k people, positives or negatives: no counts and no metrics are shown. */
  z.object({ label: z.string(), suppressed: z.literal(true) }).strict(),
]);
export type SubgroupSlice = z.infer<typeof SubgroupSliceSchema>;

export const EvaluationReportSchema = z
  .object({
    /** Examples evaluated and those with the outcome, rounded to `roundTo`. */
    n: z.number().int().min(0),
    positives: z.number().int().min(0),
    privacy: z.object({ k: z.number().int().min(5), roundTo: z.number().int().min(1) }).strict(),
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
    /** Share of each outcome group per risk bin; null where the bin holds 1..k-1 people of that group. */
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

export const METRICS_SCHEMA_VERSION = 1;

/** The bundle's metrics.json. The trainer fills splits and calibration and puts evaluateBinary's result under `test`. */
export const MetricsFileSchema = z
  .object({
    schemaVersion: z.literal(METRICS_SCHEMA_VERSION),
    splits: z.object({ train: SplitCountSchema, validation: SplitCountSchema, test: SplitCountSchema }).strict(),
    test: EvaluationReportSchema,
    validation: EvaluationReportSchema.optional(),
    /** External validations (`servicepath evaluate --store`), each named by its store. */
    external: z.array(EvaluationReportSchema.extend({ store: z.string().optional() })).optional(),
    calibration: z.object({ method: z.enum(['platt', 'isotonic']) }).loose(),
    /** Intervention-point validation against the generator's truth (filled by the explain side). */
    interventions: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type MetricsFile = z.infer<typeof MetricsFileSchema>;
