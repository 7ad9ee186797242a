// The training config: every training default in one commented place (docs/training.md). `--config FILE`
// overrides it (strict: unknown keys fail); the resolved config (maxLen 'auto' resolved to a number) is the
// bundle manifest's `resolvedConfig`. The sequence network's fields are defined once here (NETWORK_FIELDS) and the
// model config (src/model/config.ts) is derived from them, so a default never has two homes.
import { z } from 'zod';
import { DEFAULT_K, DEFAULT_MIN_COUNT, DEFAULT_ROUND_TO, MIN_K, MIN_MIN_COUNT } from './disclosure.js';

export const SEQUENCE_KINDS = ['gru', 'transformer'] as const;
export const MODEL_KINDS = ['logreg', ...SEQUENCE_KINDS] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];
const GRU_CELLS = ['minimal', 'full'] as const;
const ADJUSTMENTS = ['none', 'ipw', 'treatment', 'treatment+ipw'] as const;
type Adjustment = (typeof ADJUSTMENTS)[number];

/** Seeds every initializer and dropout mask (and, in training, splits, shuffling and the bootstrap). */
export const SeedSchema = z.number().int().min(0).max(2 ** 31 - 1).default(42);

/** The sequence network's settings shared by the training config and the model config, with their defaults. */
export const NETWORK_FIELDS = {
  /**
   * Recurrent cell of the gru kind: 'minimal' (gates from the current input only, parallel over time; the default:
   * it met the speed targets at the full GRU's accuracy, docs/models.md) or 'full' (classic GRU, sequential in time).
   */
  cell: z.enum(GRU_CELLS).default('minimal'),
  /** Token embedding width; the benchmark shape uses 32. */
  embedDim: z.number().int().min(1).max(1024).default(32),
  /** GRU state width, or the transformer's feed-forward width; the benchmark shape uses 64. */
  hiddenDim: z.number().int().min(1).max(4096).default(64),
  /** Stacked GRU layers or transformer blocks. */
  layers: z.number().int().min(1).max(12).default(1),
  /** Attention heads (transformer only); must divide embedDim. */
  heads: z.number().int().min(1).max(64).default(2),
  /** Dropout rate on the sequence layers' outputs while training; seeded, so runs repeat. */
  dropout: z.number().min(0).max(0.9).default(0.1),
  /**
   * The minimal GRU's time-decayed context (src/model/context-kernels.ts): per half-life (days), each step's gates
   * also see a learned row per earlier event, weighed by 2^(-days since it / half-life). [] = none.
   */
  contextHalfLivesDays: z.array(z.number().min(1).max(36_525)).max(4).default([]),
};
/** The longest context a sequence model may be given. */
export const MAX_CONTEXT = 4096;
/** Bootstrap replicates of the treatment-aware stage when the config does not say (docs/interventions.md). */
const DEFAULT_BOOTSTRAP_REPLICATES = 50;

/**
 * The treatment-aware outcome model (`adjustment: treatment`, src/scoring/treatment.ts): the base model reads
 * the history without the catalogue's service starts, a second linear stage adds each start as
 * exp(-age / tau) terms for these time constants, the one at `interactionTau` also times the receiver's markers.
 * `replicates` is bootstrapReplicates' default: 50 for a new config, 0 for a manifest written before intervals.
 */
function treatmentSchema(replicates: number) {
  return z
    .object({
      tausDays: z.array(z.number().positive().max(36_525)).min(1).max(8).default([300, 1000, 3000]),
      interactionTau: z.number().int().min(0).max(7).default(1),
      /**
       * Intervals of every estimated risk drop: the second stage refitted on this many bootstrap resamples of the
       * training families (0: no intervals). The seed is the config's seed.
       */
      bootstrapReplicates: z.number().int().min(0).max(1000).refine((n) => n !== 1, { message: 'use 0 (no intervals) or at least 2' }).default(replicates),
      /** Coverage of the reported percentile intervals (0.9: the 5th to the 95th percentile of the replicates). */
      intervalLevel: z.number().min(0.5).max(0.99).default(0.9),
    })
    .strict()
    .refine((t) => t.interactionTau < t.tausDays.length, { message: 'interactionTau must index tausDays', path: ['interactionTau'] })
    .default({ tausDays: [300, 1000, 3000], interactionTau: 1, bootstrapReplicates: replicates, intervalLevel: 0.9 });
}

export const TrainConfigSchema = z
  .object({
    model: z.enum(MODEL_KINDS).default('gru'),
    /** Seeds splits, shuffling, initialisation, dropout and the bootstrap. */
    seed: SeedSchema,
    /**
     * Upper bound on epochs; early stopping usually ends sooner (about 10 epochs on 10,000 generated children).
     * data-samples still trains in about a minute.
     */
    epochs: z.number().int().min(1).max(1000).default(20),
    batchSize: z.number().int().min(1).max(8192).default(128),
    /** Adam step; 0.01 reached the validation AUROC of 0.003 in about a third of the epochs (docs/training.md). */
    learningRate: z.number().positive().max(1).default(0.01),
    /**
     * After each evaluation round without a better validation AUROC the learning rate is multiplied by this
     * factor (reduce on plateau); 1 = constant. The rate of a round follows from the log, so resume keeps it.
     * 0.5 (with patience 6 and the wide part) brought the 520,000-person gru level with the baseline (docs/training.md).
     */
    learningRateDecay: z.number().gt(0).max(1).default(0.5),
    /**
     * Evaluation rounds (epochs, or slices of evaluateEveryExamples) without a better validation AUROC before
     * stopping. 6 with learningRateDecay 0.5: the rate has halved a few times before the run gives up.
     */
    patience: z.number().int().min(1).max(100).default(6),
    /**
     * Sequence models: validate, early-stop and save an exponential moving average of the weights over the
     * optimizer's steps (src/train/weight-average.ts) instead of the last step's weights; 0 = off. The decay ramps
     * up as min(emaDecay, (1 + step) / (10 + step)).
     */
    emaDecay: z.number().min(0).lt(1).default(0),
    /**
     * Sequence models validate (and checkpoint) after about this many training examples: a larger epoch is cut
     * into equal rounds, so early stopping and patience are measured in examples seen, not passes (at 170,000
     * training children patience 3 is ~130,000 examples without improvement, not 510,000). Smaller training
     * splits (up to this size) validate once per epoch as before. docs/training.md "Espoo-scale run".
     */
    evaluateEveryExamples: z.number().int().min(1).default(50_000),
    /** `balanced`: positives weigh n_neg/n_pos in the loss (then calibration undoes the shift); `none`: all 1. */
    classWeight: z.enum(['balanced', 'none']).default('balanced'),
    /**
     * Extra loss weight on each path's last step (the risk at the index date) over each earlier prefix step.
     * Paths have ~100-170 steps, so at 2 the index-date risk was ~1-2% of the loss; at 50 it is about a third.
     */
    lastStepWeight: z.number().min(1).max(1000).default(50),
    /** Context of the sequence models: `auto` = the 95th percentile of training path lengths, in [16, 256]. */
    maxLen: z.union([z.literal('auto'), z.number().int().min(1).max(MAX_CONTEXT)]).default('auto'),
    ...NETWORK_FIELDS,
    /**
     * The minimal GRU's time-decayed context (docs/models.md): half-lives in days, [] for none, or `auto`: one
     * half-life of 60 days for the minimal gru, none for other models (docs/training.md, issue 15's measurements).
     */
    contextHalfLivesDays: z.union([z.literal('auto'), NETWORK_FIELDS.contextHalfLivesDays.unwrap()]).default('auto'),
    /**
     * Sequence models: add the wide part (src/model/wide.ts), a learned weight per (token, count window) on the
     * log1p count so far, to every step's logit: the baseline's features inside the sequence model. Default on:
     * without it the gru matched the baseline's AUROC at scale but was clearly below it in AUPRC (docs/training.md).
     */
    wide: z.boolean().default(true),
    /**
     * How the wide part starts: `zero`; `logreg`: from a logistic regression fitted first on the same features (on
     * the model's window of each path: its last maxLen events); `logreg-fixed`: from that regression, kept fixed,
     * with the head's kernel at zero, so the model starts as the baseline and the deep part learns the residual.
     */
    wideInit: z.enum(['zero', 'logreg', 'logreg-fixed']).default('zero'),
    split: z
      .object({
        train: z.number().gt(0).default(0.7),
        validation: z.number().gt(0).default(0.15),
        test: z.number().gt(0).default(0.15),
        method: z.enum(['family', 'temporal']).default('family'),
        /** Learning curves: keep at most this many training examples (whole families); validation and test unchanged. */
        maxTrainExamples: z.number().int().min(1).optional(),
      })
      .strict()
      .default({ train: 0.7, validation: 0.15, test: 0.15, method: 'family' }),
    logreg: z
      .object({
        /** L2 penalties tried; the one with the best validation AUROC is kept. */
        l2Grid: z.array(z.number().min(0)).min(1).default([1e-4, 1e-3, 1e-2]),
        maxIterations: z.number().int().min(1).max(10_000).default(200),
      })
      .strict()
      .default({ l2Grid: [1e-4, 1e-3, 1e-2], maxIterations: 200 }),
    calibration: z.enum(['platt', 'isotonic']).default('platt'),
    evaluation: z
      .object({
        bootstrapSamples: z.number().int().min(0).max(10_000).default(200),
        /** Smallest group shown in subgroup tables and cohort paths (never below 5). */
        k: z.number().int().min(MIN_K).default(DEFAULT_K),
        /** Smallest outcome count, and complement, behind any published rate (never below 3); fewer show as "<5". */
        minCount: z.number().int().min(MIN_MIN_COUNT).default(DEFAULT_MIN_COUNT),
        roundTo: z.number().int().min(1).default(DEFAULT_ROUND_TO),
      })
      .strict()
      .default({ bootstrapSamples: 200, k: DEFAULT_K, minCount: DEFAULT_MIN_COUNT, roundTo: DEFAULT_ROUND_TO }),
    /**
     * Confounding-by-indication adjustment: `ipw` multiplies each example's weight in the training loss by
     * stabilised inverse propensities of the catalogue's services (src/train/adjustment.ts computeAdjustmentWeights);
     * `treatment` fits the treatment-aware outcome model (below); `treatment+ipw` does both.
     */
    adjustment: z.enum(ADJUSTMENTS).default('treatment'),
    /** The treatment-aware outcome model (treatmentSchema). */
    treatment: treatmentSchema(DEFAULT_BOOTSTRAP_REPLICATES),
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    /**
     * Differential privacy of the published cohort-path counts and outcome counts (docs/differential-privacy.md):
     * epsilon > 0 adds two-sided geometric noise whose total privacy loss is epsilon (smaller = more noise); null
     * (the default) publishes the exact counts under the disclosure rules alone.
     */
    privacy: z
      .object({
        epsilon: z.number().positive('privacy.epsilon must be greater than 0 (allowed: a number > 0, or null for no noise)').nullable().default(null),
      })
      .strict()
      .default({ epsilon: null }),
  })
  .strict()
  .refine((c) => c.wide || c.wideInit === 'zero', { message: 'wideInit other than zero needs the wide part (wide: true)', path: ['wideInit'] });
export type TrainConfig = z.infer<typeof TrainConfigSchema>;
/** The config with maxLen resolved to a number: what the manifest records. */


/**
 * The training config as the manifest records it: maxLen resolved to a number. Fields added after a bundle was made
 * read as what that bundle did: no adjustment, no intervals.
 */
export const ResolvedTrainConfigSchema = TrainConfigSchema.safeExtend({
  maxLen: z.number().int().min(1).max(MAX_CONTEXT),
  contextHalfLivesDays: NETWORK_FIELDS.contextHalfLivesDays,
  adjustment: z.enum(ADJUSTMENTS).default('none'),
  treatment: treatmentSchema(0),
});
export type ResolvedTrainConfig = z.infer<typeof ResolvedTrainConfigSchema>;

/** The half-lives `contextHalfLivesDays: auto` gives the minimal gru (chosen on development seeds, docs/training.md). */
const AUTO_CONTEXT_HALF_LIVES_DAYS = [60];

/** The time-decayed context a config asks for, `auto` resolved: [60] for the minimal gru, [] otherwise. */
export function resolveContextHalfLives(config: Pick<TrainConfig, 'model' | 'cell' | 'contextHalfLivesDays'>): number[] {
  if (config.contextHalfLivesDays !== 'auto') return [...config.contextHalfLivesDays];
  return config.model === 'gru' && config.cell === 'minimal' ? [...AUTO_CONTEXT_HALF_LIVES_DAYS] : [];
}

/** Whether a training adjustment fits the treatment-aware outcome model (the bundle then holds effect-model.json). */
export function fitsEffectModel(adjustment: Adjustment): boolean {
  return adjustment === 'treatment' || adjustment === 'treatment+ipw';
}

/** Whether a training adjustment weights the loss by inverse propensities. */
export function usesIpw(adjustment: Adjustment): boolean {
  return adjustment === 'ipw' || adjustment === 'treatment+ipw';
}
