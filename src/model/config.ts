// Sequence model configuration: the network's part of the training config (src/schemas/train-config.ts holds
// every default) plus what the data decides (vocabulary, step features, resolved maxLen, the wide part's windows).
import { z } from 'zod';
import { formatZodIssues, ServicepathError } from '../errors/index.js';
import { MAX_CONTEXT, NETWORK_FIELDS, SEQUENCE_KINDS, SeedSchema } from '../schemas/train-config.js';

export { SEQUENCE_KINDS } from '../schemas/train-config.js';

/** The network's own settings come from the training config's fields (NETWORK_FIELDS): one home per default. */
const SequenceModelConfigSchema = z
  .object({
    kind: z.enum(SEQUENCE_KINDS).default('gru'),
    cell: NETWORK_FIELDS.cell,
    /** Token ids 0..vocabSize-1; 0 is padding. Comes from the vocabulary, never defaulted. */
    vocabSize: z.number().int().min(2).max(5_000_000),
    /** Continuous per-step features (age, time before index, ...). Comes from preprocessing. */
    numFeatures: z.number().int().min(1).max(1024),
    /** Longest path the model sees (positions for the transformer): the training config's resolved maxLen. */
    maxLen: z.number().int().min(1).max(MAX_CONTEXT),
    embedDim: NETWORK_FIELDS.embedDim,
    hiddenDim: NETWORK_FIELDS.hiddenDim,
    layers: NETWORK_FIELDS.layers,
    heads: NETWORK_FIELDS.heads,
    dropout: NETWORK_FIELDS.dropout,
    /** The minimal GRU's time-decayed context: half-lives in days on a time step feature (null = none). */
    context: z
      .object({
        halfLivesDays: NETWORK_FIELDS.contextHalfLivesDays,
        featureIndex: z.number().int().min(0),
        daysPerUnit: z.number().positive(),
      })
      .strict()
      .nullable()
      .default(null),
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
    seed: SeedSchema,
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.wide !== null && c.wide.featureIndex >= c.numFeatures) {
      ctx.addIssue({ code: 'custom', path: ['wide', 'featureIndex'], message: `must be below numFeatures (${c.numFeatures})` });
    }
    if (c.context !== null && c.context.featureIndex >= c.numFeatures) {
      ctx.addIssue({ code: 'custom', path: ['context', 'featureIndex'], message: `must be below numFeatures (${c.numFeatures})` });
    }
    if (c.context !== null && c.context.halfLivesDays.length > 0 && (c.kind !== 'gru' || c.cell !== 'minimal')) {
      ctx.addIssue({ code: 'custom', path: ['context'], message: 'the time-decayed context needs the gru kind with the minimal cell' });
    }
    if (c.kind === 'transformer' && c.embedDim % c.heads !== 0) {
      ctx.addIssue({ code: 'custom', path: ['heads'], message: `heads (${c.heads}) must divide embedDim (${c.embedDim})` });
    }
  });

export type SequenceModelConfig = z.infer<typeof SequenceModelConfigSchema>;

/** Fills defaults and checks ranges; throws MODEL_CONFIG_INVALID listing every bad field. */
export function resolveModelConfig(input: unknown): SequenceModelConfig {
  const parsed = SequenceModelConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new ServicepathError('MODEL_CONFIG_INVALID', { issues: formatZodIssues(parsed.error) }, { cause: parsed.error });
  }
  return parsed.data;
}
