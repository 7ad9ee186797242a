// model-card.json: sections of Google's Model Card Toolkit schema plus what an EU AI Act / TRIPOD+AI audit asks for.
// Rule: every number, hash, count or date is a Sourced value naming the bundle file and JSON pointer it was read from.
import { z } from 'zod';

/** Bundle files a card may read from. `previous/...` are the previous version's files (for the change log). */
const SourceFileSchema = z.enum(['manifest.json', 'metrics.json', 'training-log.jsonl', 'previous/model-card.json']);
export type SourceFile = z.infer<typeof SourceFileSchema>;

/** JSON pointer (RFC 6901) into the file; for training-log.jsonl the document is the array of its lines. */
const SourceSchema = z.object({ file: SourceFileSchema, pointer: z.string().regex(/^(\/.*)?$/) }).strict();
export type Source = z.infer<typeof SourceSchema>;

const SourcedNumberSchema = z.object({ value: z.number().nullable(), source: SourceSchema }).strict();
export type SourcedNumber = z.infer<typeof SourcedNumberSchema>;
const SourcedStringSchema = z.object({ value: z.string(), source: SourceSchema }).strict();
export type SourcedString = z.infer<typeof SourcedStringSchema>;
/** Any JSON value copied verbatim (a curve, a config): deep-equal to the value at the pointer. */
const SourcedDataSchema = z.object({ value: z.json(), source: SourceSchema }).strict();
export type SourcedData = z.infer<typeof SourcedDataSchema>;
/** A number computed from two sourced ones (a change-log delta = current - previous). */
const DerivedNumberSchema = z
  .object({ value: z.number().nullable(), derived: z.object({ op: z.literal('difference'), operands: z.tuple([SourceSchema, SourceSchema]) }).strict() })
  .strict();

const IntervalSchema = z.object({ lower: SourcedNumberSchema, upper: SourcedNumberSchema }).strict();

const PerformanceMetricSchema = z
  .object({
    type: z.string(),
    /** `overall` or `attribute=label`. */
    slice: z.string(),
    /** `test`, `validation` or `external:<store>`. */
    split: z.string(),
    value: SourcedNumberSchema,
    confidence_interval: IntervalSchema.nullable(),
  })
  .strict();
export type PerformanceMetric = z.infer<typeof PerformanceMetricSchema>;

const GRAPHIC_NAMES = ['roc', 'precision_recall', 'calibration', 'risk_distribution', 'subgroups', 'training_curves'] as const;
const GraphicSchema = z
  .object({ name: z.enum(GRAPHIC_NAMES), title: z.string(), description: z.string(), data: SourcedDataSchema })
  .strict();
export type Graphic = z.infer<typeof GraphicSchema>;

const SubgroupRowSchema = z.discriminatedUnion('suppressed', [
  z
    .object({
      attribute: z.string(),
      label: z.string(),
      suppressed: z.literal(false),
      n: SourcedNumberSchema,
      positives: SourcedNumberSchema,
      auroc: z.object({ value: SourcedNumberSchema, lower: SourcedNumberSchema, upper: SourcedNumberSchema }).strict(),
    })
    .strict(),
  z.object({ attribute: z.string(), label: z.string(), suppressed: z.literal(true) }).strict(),
]);

const ThresholdRowSchema = z
  .object({
    alert_rate: SourcedNumberSchema,
    threshold: SourcedNumberSchema,
    alerts: SourcedNumberSchema,
    sensitivity: SourcedNumberSchema,
    ppv: SourcedNumberSchema,
    specificity: SourcedNumberSchema,
    npv: SourcedNumberSchema,
  })
  .strict();

const SplitSizeSchema = z.object({ persons: SourcedNumberSchema, positives: SourcedNumberSchema }).strict();

export const CARD_SCHEMA_VERSION = 1;

export const ModelCardSchema = z
  .object({
    schema_version: z.literal(CARD_SCHEMA_VERSION),
    model_details: z
      .object({
        name: SourcedStringSchema,
        version: SourcedStringSchema,
        overview: z.string(),
        owners: z.array(z.object({ name: z.string(), contact: z.string().optional() }).strict()),
        references: z.array(z.object({ reference: z.string() }).strict()),
        licence: z.object({ identifier: z.string() }).strict(),
        created: SourcedStringSchema,
        bundle_files: z.array(z.object({ path: SourcedStringSchema, sha256: SourcedStringSchema, bytes: SourcedNumberSchema }).strict()),
      })
      .strict(),
    model_parameters: z
      .object({
        model_architecture: SourcedStringSchema,
        architecture_description: z.string(),
        software: z.object({ node: SourcedStringSchema, tfjs: SourcedStringSchema, backend: SourcedStringSchema }).strict(),
        seed: SourcedNumberSchema,
        resolved_config: SourcedDataSchema,
        task: SourcedDataSchema,
        data: z.object({ train: SplitSizeSchema, validation: SplitSizeSchema, test: SplitSizeSchema, description: z.string() }).strict(),
        input_format: z.string(),
        output_format: z.string(),
      })
      .strict(),
    quantitative_analysis: z
      .object({
        performance_metrics: z.array(PerformanceMetricSchema),
        thresholds: z.array(ThresholdRowSchema),
        subgroups: z.array(SubgroupRowSchema),
        graphics: z.object({ description: z.string(), collection: z.array(GraphicSchema) }).strict(),
      })
      .strict(),
    considerations: z
      .object({
        users: z.array(z.string()),
        use_cases: z.array(z.string()),
        limitations: z.array(z.string()),
        tradeoffs: z.array(z.string()),
        ethical_considerations: z.array(z.object({ name: z.string(), mitigation_strategy: z.string() }).strict()),
      })
      .strict(),
    intended_purpose: z.string(),
    out_of_scope_uses: z.array(z.string()),
    human_oversight: z.array(z.string()),
    data_governance: z
      .object({
        inputs: z.array(
          z
            .object({
              file: SourcedStringSchema,
              sha256: SourcedStringSchema,
              rows: SourcedNumberSchema,
              accepted: SourcedNumberSchema,
              quarantined: SourcedNumberSchema,
              quarantined_by_reason: z.array(z.object({ reason: z.string(), rows: SourcedNumberSchema }).strict()),
            })
            .strict(),
        ),
        persons: SourcedNumberSchema,
        events: SourcedNumberSchema,
        date_range: z.object({ from: SourcedStringSchema, to: SourcedStringSchema }).strict(),
        pseudonymisation: z.object({ method: z.string(), key_source: SourcedStringSchema }).strict(),
        /** Synthetic data only: the generator, its mechanism and rules version, seed and size. */
        synthetic: z
          .object({ generator: SourcedStringSchema, mechanism: SourcedStringSchema, mechanism_version: SourcedNumberSchema, seed: SourcedNumberSchema, persons: SourcedNumberSchema })
          .strict()
          .optional(),
      })
      .strict(),
    privacy_measures: z
      .object({
        k: SourcedNumberSchema,
        round_to: SourcedNumberSchema,
        min_persons_per_code: SourcedNumberSchema,
        /** Smallest outcome count (and complement) behind a published rate; absent for bundles written before it. */
        min_count: SourcedNumberSchema.optional(),
        /** Differential-privacy noise on the cohort-path counts (training config privacy.epsilon), when used. */
        differential_privacy: z.object({ epsilon: SourcedNumberSchema, mechanism: z.string(), accounting: z.string() }).strict().optional(),
        statements: z.array(z.string()),
        /** The loss-threshold membership-inference attack (metrics.json /privacy/membership); absent for older bundles. */
        membership_inference: z
          .object({
            method: SourcedStringSchema,
            auc: z.object({ value: SourcedNumberSchema, lower: SourcedNumberSchema, upper: SourcedNumberSchema }).strict(),
            members: SourcedNumberSchema,
            non_members: SourcedNumberSchema,
            balancing: SourcedStringSchema,
            bootstrap_unit: SourcedStringSchema,
            target: SourcedNumberSchema,
            /** The AUC estimate is at most the target; null when the AUC is not defined. */
            within_target: z.boolean().nullable(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    evaluation_design: z
      .object({
        split_unit: z.string(),
        calibration_method: SourcedStringSchema,
        bootstrap: z.object({ samples: SourcedNumberSchema, alpha: SourcedNumberSchema, unit: SourcedStringSchema }).strict(),
        external_validation: z.array(
          z.object({ store: z.string(), n: SourcedNumberSchema, positives: SourcedNumberSchema, auroc: SourcedNumberSchema }).strict(),
        ),
      })
      .strict(),
    intervention_validation: SourcedDataSchema.optional(),
    limitations: z.array(z.string()),
    tripod_ai_checklist: z.array(z.object({ item: z.string(), topic: z.string(), answered_in: z.string() }).strict()),
    change_log: z
      .object({
        previous_version: SourcedStringSchema,
        metric_changes: z
          .array(z.object({ type: z.string(), slice: z.string(), current: SourcedNumberSchema, previous: SourcedNumberSchema, delta: DerivedNumberSchema }).strict()),
        config_changes: z.array(z.object({ path: z.string(), current: SourcedDataSchema.nullable(), previous: SourcedDataSchema.nullable() }).strict()),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ModelCard = z.infer<typeof ModelCardSchema>;
