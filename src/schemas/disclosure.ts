// The disclosure-control rules every published aggregate follows, as outputs record them (src/privacy applies them;
// docs/privacy.md).
import { z } from 'zod';

export const MIN_K = 5;
export const MIN_MIN_COUNT = 3;
export const DEFAULT_K = 10;
export const DEFAULT_MIN_COUNT = 5;
export const DEFAULT_ROUND_TO = 5;

/** The composition the differential-privacy accounting of cohort paths relies on (src/privacy/dp.ts). */
export const DP_COMPOSITION = 'sequential over depths, parallel within a depth';

/** One noisy release of a differentially private output: what it counts, its share of epsilon, its noise. */
const DpQuerySchema = z
  .object({
    /** What was counted (and at which depth of the cohort-path tree). */
    quantity: z.string().min(1),
    /** This release's privacy loss. */
    epsilon: z.number().positive(),
    /** The most that adding or removing one person changes the release's counts, summed over them (L1). */
    sensitivity: z.number().int().min(1),
    /** Noise scale b = sensitivity / epsilon: the two-sided geometric noise has P(z) proportional to exp(-|z| / b). */
    scale: z.number().positive(),
  })
  .strict();

/**
 * The differential-privacy accounting of a published file (docs/differential-privacy.md): the mechanism, the total
 * epsilon and every release's share; the shares add up to at most epsilon.
 */
const DpAccountingSchema = z
  .object({
    /** The two-sided geometric mechanism (discrete Laplace; Ghosh, Roughgarden & Sundararajan 2009). */
    mechanism: z.literal('two-sided geometric'),
    /** Total privacy loss of the file's noisy counts under adding or removing one person. */
    epsilon: z.number().positive(),
    perQuery: z.array(DpQuerySchema).min(1),
    composition: z.literal(DP_COMPOSITION),
  })
  .strict()
  .superRefine((a, ctx) => {
    const spent = a.perQuery.reduce((s, q) => s + q.epsilon, 0);
    if (spent > a.epsilon * (1 + 1e-9)) ctx.addIssue({ code: 'custom', path: ['perQuery'], message: `the releases spend ${spent}, more than epsilon ${a.epsilon}` });
    a.perQuery.forEach((q, i) => {
      if (Math.abs(q.scale - q.sensitivity / q.epsilon) > 1e-9 * q.scale) {
        ctx.addIssue({ code: 'custom', path: ['perQuery', i, 'scale'], message: 'scale must be sensitivity / epsilon' });
      }
    });
  });
export type DpAccounting = z.infer<typeof DpAccountingSchema>;

export const DisclosureRulesSchema = z
  .object({
    /** Smallest group whose count or rate is shown. */
    k: z.number().int().min(MIN_K, `k must be at least ${MIN_K}`).default(DEFAULT_K),
    /** Smallest outcome count, and complement, behind a shown rate; fewer show as "<minCount". */
    minCount: z.number().int().min(MIN_MIN_COUNT, `minCount must be at least ${MIN_MIN_COUNT}`).default(DEFAULT_MIN_COUNT),
    /** Shown counts are rounded to a multiple of this. */
    roundTo: z.number().int().min(1, 'roundTo must be at least 1').default(DEFAULT_ROUND_TO),
    /** Present when the counts carry differential-privacy noise (cohort paths with privacy.epsilon set). */
    dp: DpAccountingSchema.optional(),
  })
  .strict();
export type DisclosureRules = z.infer<typeof DisclosureRulesSchema>;

/** Why an outcome rate is not shown: too few with the outcome, too few without, or it would reveal a hidden cell. */
export const OUTCOME_SUPPRESSIONS = ['numerator', 'complement', 'secondary'] as const;
export type OutcomeSuppression = (typeof OUTCOME_SUPPRESSIONS)[number];

