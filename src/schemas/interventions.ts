// The answer to "where along this path would acting lower the risk most" (docs/interventions.md).
import { z } from 'zod';
import { OUTCOME_SUPPRESSIONS } from './disclosure.js';
import { GroupStatSchema } from './cohort-paths.js';
import { InterventionsCheckSchema } from './metrics.js';
import { PathRelationSchema } from './path.js';

const ATTRIBUTION_METHODS = ['occlusion', 'delta'] as const;
export const AttributionMethodSchema = z.enum(ATTRIBUTION_METHODS);
export type AttributionMethod = z.infer<typeof AttributionMethodSchema>;

/** Said with every answer: model estimates are associations learned from records, not proven effects. */
export const INTERVENTIONS_CAVEAT =
  'These are model estimates: associations learned from past records, not proven causal effects. ' +
  'Services were given more often to families already at risk, and some of that risk is not recorded, ' +
  'so an estimate can be biased. Use them to ask questions, not as evidence that a service works.';

const TrajectoryStepSchema = z
  .object({
    step: z.number().int().min(0),
    ageDays: z.number().int(),
    code: z.string(),
    domain: z.string(),
    relation: PathRelationSchema,
    /** Calibrated risk after this event. */
    risk: z.number().min(0).max(1),
    /** risk minus the risk after the previous event (0 for the first event). */
    deltaRisk: z.number(),
  })
  .strict();
export type TrajectoryStep = z.infer<typeof TrajectoryStepSchema>;

const TurningPointSchema = TrajectoryStepSchema.omit({ risk: true })
  .extend({
    /** Final risk minus the final risk with this event removed; null when the path has one event. */
    occlusion: z.number().nullable(),
    /** The attribution the turning points are ranked by (occlusion or deltaRisk). */
    score: z.number(),
  })
  .strict();
export type TurningPoint = z.infer<typeof TurningPointSchema>;

const CandidateSupportSchema = z
  .object({
    cohortPathId: z.string(),
    throughBand: z.string(),
    persons: z.number().int(),
    /** Null when hidden by the disclosure rules (outcomeSuppressed says why). */
    outcomeRate: z.number().nullable(),
    outcomeSuppressed: z.enum(OUTCOME_SUPPRESSIONS).optional(),
    received: GroupStatSchema,
    notReceived: GroupStatSchema,
  })
  .strict();

const CandidateSchema = z
  .object({
    rank: z.number().int().min(1),
    code: z.string(),
    domain: z.string(),
    relation: PathRelationSchema,
    label: z.string(),
    labelFi: z.string(),
    /** The child's age at which the service is inserted (a point of the catalogue's insertion grid). */
    ageDays: z.number().int(),
    /** Index of the inserted event in the new path (after every event at or before ageDays, canonical order). */
    position: z.number().int().min(0),
    finalRisk: z.number().min(0).max(1),
    /** Final risk of the path minus final risk with the service inserted (positive: lower risk). */
    riskDrop: z.number(),
    /**
     * The drop's interval over the bootstrap replicates of the bundle's effect model, at the result's
     * `intervals.level`; null when the bundle has no intervals.
     */
    riskDropInterval: z.object({ lower: z.number(), upper: z.number() }).strict().nullable(),
    /**
     * True when the training split seldom saw this service started at about this age (fewer than the effect
     * model's minStarts in its age band): the estimate is extrapolated. Null when the bundle does not record it.
     */
    seldomGiven: z.boolean().nullable(),
    /** Observed outcome rates of matching cohort paths with and without the service, when published. */
    support: CandidateSupportSchema.nullable(),
  })
  .strict();
export type Candidate = z.infer<typeof CandidateSchema>;

/** How the bundle's estimates were made: read with every answer so that an unadjusted one is never mistaken. */
const EstimatorSchema = z
  .object({
    /** The training config's `adjustment` (docs/interventions.md); 'unknown' when the caller did not say. */
    adjustment: z.string(),
    /** False for `none` (or unknown): the candidates are unadjusted associations. */
    adjusted: z.boolean(),
    /** The intervals' method, coverage and replicates; null when the bundle has none. */
    intervals: z.object({ method: z.literal('family-bootstrap'), level: z.number(), replicates: z.number().int() }).strict().nullable(),
    /** The bundle's estimates checked against a generator's truth at training (metrics.json /interventions); null without. */
    truthCheck: InterventionsCheckSchema.nullable(),
  })
  .strict();
export type Estimator = z.infer<typeof EstimatorSchema>;

/** Said instead of the caveat when the bundle was trained without any adjustment for who gets which service. */
export const UNADJUSTED_CAVEAT =
  'Unadjusted associations: this model was trained without any adjustment for who gets which service. ' +
  'Services go more often to families already at risk, so a helpful service can look useless or harmful here. ' +
  'Do not rank services by these figures; use a bundle trained with an adjustment (docs/interventions.md).';

export const InterventionsResultSchema = z
  .object({
    modelKind: z.string(),
    caveat: z.string(),
    estimator: EstimatorSchema,
    indexAgeDays: z.number().int(),
    finalRisk: z.number().min(0).max(1),
    attribution: AttributionMethodSchema,
    trajectory: z.array(TrajectoryStepSchema),
    turningPoints: z.array(TurningPointSchema),
    candidates: z.array(CandidateSchema),
    /** Candidates scored in total (before topK), and distinct paths sent to the scorer in the one batched call. */
    candidatesScored: z.number().int().min(0),
    variantsScored: z.number().int().min(0),
  })
  .strict();
export type InterventionsResult = z.infer<typeof InterventionsResultSchema>;
