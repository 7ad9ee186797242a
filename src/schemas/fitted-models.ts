// The fitted parts of a trained model as the bundle stores them (docs/bundle-format.md): preprocessing (vocabulary,
// step features, count windows), the logistic-regression baseline, calibration and the treatment-aware effect
// model. How each is applied to a path lives in src/features (encoding) and src/scoring (scores).
import { z } from 'zod';

// ---- preprocessing.json -----------------------------------------------------------------------------------------
export const PREPROCESSING_VERSION = 1;
const PAD_ID = 0;
export const UNK_ID = 1;
export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';
/**
 * Per-step continuous features a preprocessing may list. recency90 / recency365: 2^(-days before the index / 90 or
 * 365), so a gate can weigh an event by how recent it is on the scale of months as well as years.
 */
export const STEP_FEATURES = ['ageYears', 'yearsBeforeIndex', 'logGapDays', 'recency90', 'recency365', 'logGapSameToken', 'logGapSameDomain'] as const;
export const PreprocessingSchema = z
  .object({
    formatVersion: z.literal(PREPROCESSING_VERSION),
    /** A token is `relation|domain|code`: whose event, where, what (one embedding carries all three). */
    tokenScheme: z.literal('relation|domain|code'),
    /** Token id = position; 0 is padding, 1 unknown; `relation|domain|<rare>` collects rare and unseen codes. */
    vocab: z.array(z.string()).min(2),
    /** Codes seen in fewer training persons than this fold into their `<rare>` token. */
    minPersonsPerCode: z.number().int().min(1),
    /** Sequence models see at most this many events: the most recent ones. */
    maxLen: z.number().int().min(1).max(4096),
    stepFeatures: z.array(z.enum(STEP_FEATURES)).min(1),
    /** Divisors that bring the step features to about unit scale. */
    scales: z.object({ ageDays: z.number().positive(), beforeIndexDays: z.number().positive(), logGap: z.number().positive() }).strict(),
    /** Windows of time before the index for logreg counts: [0, w0), [w0, w1), ..., [wn, inf) days. */
    countWindowsDays: z.array(z.number().int().positive()),
  })
  .strict()
  .refine((p) => p.vocab[PAD_ID] === PAD_TOKEN && p.vocab[UNK_ID] === UNK_TOKEN, { message: 'vocab must start with <pad>, <unk>', path: ['vocab'] });
export type Preprocessing = z.infer<typeof PreprocessingSchema>;

// ---- logreg.json ------------------------------------------------------------------------------------------------
export const LOGREG_VERSION = 1;

export const LogregModelSchema = z
  .object({
    formatVersion: z.literal(LOGREG_VERSION),
    /** Feature j = token id * windows + window index; length = vocab size * windows. */
    weights: z.array(z.number()),
    bias: z.number(),
    /** The L2 penalty chosen on the validation split. */
    l2: z.number().min(0),
  })
  .strict();
export type LogregModel = z.infer<typeof LogregModelSchema>;

// ---- calibration.json -------------------------------------------------------------------------------------------
/** Calibration maps a model's logit to a probability; fitted on the validation split (src/train/calibrate.ts). */
export const CalibrationSchema = z.discriminatedUnion('method', [
  z
    .object({
      method: z.literal('platt'),
      /** p = sigmoid(slope * logit + intercept), fitted on the validation split's final-step logits. */
      slope: z.number(),
      intercept: z.number(),
      fittedOn: z.literal('validation'),
      n: z.number().int().min(0),
    })
    .strict(),
  z
    .object({
      method: z.literal('isotonic'),
      /** Increasing logit thresholds and the calibrated probability from each threshold on (step function). */
      thresholds: z.array(z.number()),
      probabilities: z.array(z.number().min(0).max(1)),
      fittedOn: z.literal('validation'),
      n: z.number().int().min(0),
    })
    .strict()
    .refine((c) => c.thresholds.length === c.probabilities.length && c.thresholds.length > 0, { message: 'thresholds and probabilities must match' }),
]);
export type Calibration = z.infer<typeof CalibrationSchema>;

// ---- effect-model.json ------------------------------------------------------------------------------------------
export const EFFECT_MODEL_VERSION = 1;

const TreatedServiceSchema = z.object({ code: z.string().min(1), relation: z.string().min(1) }).strict();

export const EffectModelSchema = z
  .object({
    formatVersion: z.literal(EFFECT_MODEL_VERSION),
    method: z.literal('treatment-aware'),
    /** The catalogue services whose starts are treatments: (code, receiver). */
    services: z.array(TreatedServiceSchema).min(1),
    /** Starts before this child age are history (a receipt for an older sibling), not treatment. */
    fromAgeDays: z.number().int(),
    /** Time constants of the exposure basis exp(-age / tau). */
    tausDays: z.array(z.number().positive()).min(1),
    /** Which tau the interaction terms use. */
    interactionTau: z.number().int().min(0),
    /** Per service: the receiver's history tokens (relation|domain|code) whose log-counts modify the effect. */
    markers: z.array(z.array(z.string())),
    /**
     * Per service and marker: the training mean and standard deviation of log1p(count). Markers enter standardised,
     * so the exposure weights are the effect in a family with average markers and the interactions its deviations.
     */
    markerMean: z.array(z.array(z.number())),
    markerScale: z.array(z.array(z.number().positive())),
    /** Logit used for g when a path has no history event yet. */
    emptyHistoryLogit: z.number(),
    l2: z.number().min(0),
    /**
     * Uncertainty of the second stage (null: none fitted): the same fit repeated on bootstrap resamples of the
     * training families (whole families drawn with replacement), started from the point estimate, at the chosen
     * l2. Each theta is laid out as the design's columns (base, counts, exposures, interactions) then the bias.
     * The base model is held fixed, so the intervals are conditional on it (docs/interventions.md).
     */
    bootstrap: z
      .object({
        method: z.literal('family-bootstrap'),
        replicates: z.number().int().min(2),
        seed: z.number().int(),
        /** Coverage of the percentile intervals the scorer reports, e.g. 0.9 for the 5th..95th percentile. */
        level: z.number().gt(0).lt(1),
        thetas: z.array(z.array(z.number())),
      })
      .strict()
      .refine((b) => b.thetas.length === b.replicates, { message: 'one theta per replicate', path: ['thetas'] })
      .nullable()
      .default(null),
    /**
     * Positivity (null: not recorded): per service and insertion-age band of `stepDays` from `fromAgeDays`, whether
     * the training split holds fewer than `minStarts` starts of it there. Such estimates are extrapolated from the
     * fading curves fitted where the service was given; answers flag them. Flags, never counts, are published.
     */
    positivity: z
      .object({
        minStarts: z.number().int().min(1),
        stepDays: z.number().int().min(1),
        /** [service][band]; ages past the last band count as seldom. */
        seldom: z.array(z.array(z.boolean())),
      })
      .strict()
      .nullable()
      .default(null),
    weights: z
      .object({
        bias: z.number(),
        base: z.number(),
        /** One per logreg count feature of the preprocessing (token x window). */
        counts: z.array(z.number()),
        /** [service][tau], flattened service-major. */
        exposure: z.array(z.number()),
        /** [service][marker]. */
        interactions: z.array(z.array(z.number())),
      })
      .strict(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const s = m.services.length;
    if (m.interactionTau >= m.tausDays.length) ctx.addIssue({ code: 'custom', path: ['interactionTau'], message: 'must index tausDays' });
    if (m.markers.length !== s) ctx.addIssue({ code: 'custom', path: ['markers'], message: 'one marker list per service' });
    for (const key of ['markerMean', 'markerScale'] as const) {
      if (m[key].length !== s || m[key].some((w, i) => w.length !== (m.markers[i]?.length ?? -1))) ctx.addIssue({ code: 'custom', path: [key], message: 'one value per service marker' });
    }
    if (m.weights.exposure.length !== s * m.tausDays.length) ctx.addIssue({ code: 'custom', path: ['weights', 'exposure'], message: 'services x taus weights' });
    if (m.weights.interactions.length !== s || m.weights.interactions.some((w, i) => w.length !== (m.markers[i]?.length ?? -1))) {
      ctx.addIssue({ code: 'custom', path: ['weights', 'interactions'], message: 'one weight per service marker' });
    }
    if (m.positivity !== null && m.positivity.seldom.length !== s) ctx.addIssue({ code: 'custom', path: ['positivity', 'seldom'], message: 'one list of bands per service' });
    if (m.bootstrap !== null) {
      const width = 2 + m.weights.counts.length + m.weights.exposure.length + m.weights.interactions.reduce((a, w) => a + w.length, 0);
      const bad = m.bootstrap.thetas.findIndex((t) => t.length !== width);
      if (bad >= 0) ctx.addIssue({ code: 'custom', path: ['bootstrap', 'thetas', bad], message: `each replicate needs ${width} parameters (the weights' layout, bias last)` });
    }
  });
export type EffectModel = z.infer<typeof EffectModelSchema>;

