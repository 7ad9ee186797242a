// Sequence model configuration: the zod schema is the source of truth; every default lives here.
import { z } from 'zod';
import { formatZodIssues, ServicepathError } from '../errors/index.js';

export const SEQUENCE_KINDS = ['gru', 'transformer'] as const;
export type SequenceKind = (typeof SEQUENCE_KINDS)[number];

export const GRU_CELLS = ['minimal', 'full'] as const;
export type GruCell = (typeof GRU_CELLS)[number];

export const SequenceModelConfigSchema = z
  .object({
    /** Default kind: the one that met the speed and accuracy targets (docs/models.md). */
    kind: z.enum(SEQUENCE_KINDS).default('gru'),
    /**
     * Recurrent cell of the gru kind: 'minimal' (gates from the current input only, parallel over time;
     * the default: it meets the speed targets at the full GRU's accuracy) or 'full' (classic GRU).
     */
    cell: z.enum(GRU_CELLS).default('minimal'),
    /** Token ids 0..vocabSize-1; 0 is padding. Comes from the vocabulary, never defaulted. */
    vocabSize: z.number().int().min(2).max(5_000_000),
    /** Continuous per-step features (age, time before index, ...). Comes from preprocessing. */
    numFeatures: z.number().int().min(1).max(1024),
    /** Longest path the model sees (positions for the transformer). */
    maxLen: z.number().int().min(1).max(4096).default(64),
    /** Token embedding width; the benchmark shape uses 32. */
    embedDim: z.number().int().min(1).max(1024).default(32),
    /** GRU state width, or the transformer's feed-forward width; the benchmark shape uses 64. */
    hiddenDim: z.number().int().min(1).max(4096).default(64),
    /** Stacked GRU layers or transformer blocks. */
    layers: z.number().int().min(1).max(12).default(1),
    /** Attention heads (transformer only); must divide embedDim. */
    heads: z.number().int().min(1).max(64).default(2),
    /** Dropout rate on the sequence layers' outputs while training; seeded, so runs repeat. */
    dropout: z.number().min(0).max(0.9).default(0),
    /**
     * The wide part (src/model/wide.ts): a learned weight per (token, window before the index) on the log1p count
     * so far, added to every step's logit. Its windows come from the preprocessing; null = no wide part.
     */
    wide: z
      .object({
        windowEdgesDays: z.array(z.number().int().min(1)).max(16),
        featureIndex: z.number().int().min(0),
        daysPerUnit: z.number().positive(),
        /** False: the wide part's weights stay as initialised (a fitted baseline) and only the deep part trains. */
        trainable: z.boolean().default(true),
      })
      .strict()
      .nullable()
      .default(null),
    /** Seeds every initializer and dropout mask. */
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.wide !== null && c.wide.featureIndex >= c.numFeatures) {
      ctx.addIssue({ code: 'custom', path: ['wide', 'featureIndex'], message: `must be below numFeatures (${c.numFeatures})` });
    }
    if (c.kind === 'transformer' && c.embedDim % c.heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['heads'], message: `heads (${c.heads}) must divide embedDim (${c.embedDim})` });
    }
  });

export type SequenceModelConfig = z.infer<typeof SequenceModelConfigSchema>;
export type SequenceModelConfigInput = z.input<typeof SequenceModelConfigSchema>;

/** Fills defaults and checks ranges; throws MODEL_CONFIG_INVALID listing every bad field. */
export function resolveModelConfig(input: unknown): SequenceModelConfig {
  const parsed = SequenceModelConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ServicepathError('MODEL_CONFIG_INVALID', { issues: formatZodIssues(parsed.error) }, { cause: parsed.error });
  }
  return parsed.data;
}
