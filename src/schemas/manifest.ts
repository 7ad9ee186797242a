// The bundle's root manifest (manifest.json): how to load the bundle and what it was made from (docs/bundle-format.md).
// Written once by the trainer; the loader checks it, every file checksum and the input example before serving.
import { z } from 'zod';
import { DEFAULT_MIN_COUNT, MIN_K, MIN_MIN_COUNT } from './disclosure.js';
import { TaskSpecSchema } from './task.js';
import { fitsEffectModel, MODEL_KINDS, type ModelKind, type ResolvedTrainConfig, ResolvedTrainConfigSchema } from './train-config.js';

const BUNDLE_FORMAT_VERSION = 1;
export { MODEL_KINDS } from './train-config.js';

/** The files each stage reads, relative to the bundle folder. */
export const STAGE_FILES = {
  logreg: ['logreg.json'],
  gru: ['model.json', 'weights.bin'],
  transformer: ['model.json', 'weights.bin'],
  effectModel: 'effect-model.json',
  calibration: 'calibration.json',
} as const;

/**
 * One stage of the trained model, in the order a score passes through them: the base model (logreg or a sequence
 * network) gives a logit per step; the treatment-aware effect model (adjustment treatment or treatment+ipw) adds
 * the service-start terms to the final logit; calibration maps the logit to a probability.
 */
const BundleStageSchema = z.discriminatedUnion('stage', [
  z.object({ stage: z.literal('base-model'), kind: z.enum(MODEL_KINDS), files: z.array(z.string().min(1)).min(1) }).strict(),
  z.object({ stage: z.literal('effect-model'), file: z.literal(STAGE_FILES.effectModel) }).strict(),
  z.object({ stage: z.literal('calibration'), method: z.enum(['platt', 'isotonic']), file: z.literal(STAGE_FILES.calibration) }).strict(),
]);
type BundleStage = z.infer<typeof BundleStageSchema>;
type BundleStageName = BundleStage['stage'];

/** The stages a training run with this config produces (what the manifest lists and the loader reads). */
export function stagesOf(modelKind: ModelKind, config: Pick<ResolvedTrainConfig, 'adjustment' | 'calibration'>): BundleStage[] {
  return [
    { stage: 'base-model', kind: modelKind, files: [...STAGE_FILES[modelKind]] },
    ...(fitsEffectModel(config.adjustment) ? [{ stage: 'effect-model' as const, file: STAGE_FILES.effectModel }] : []),
    { stage: 'calibration', method: config.calibration, file: STAGE_FILES.calibration },
  ];
}

/** Whether the bundle has the stage (the loader, card, compare and evaluate ask this, never a config key). */
export function hasStage(manifest: Pick<Manifest, 'stages'>, stage: BundleStageName): boolean {
  return manifest.stages.some((s) => s.stage === stage);
}

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 hex digest');
const Count = z.number().int().min(0);

/** One file of the bundle (path relative to the bundle folder, forward slashes). */
const BundleFileSchema = z.object({ path: z.string().min(1), sha256: Sha256, bytes: Count }).strict();
export type BundleFile = z.infer<typeof BundleFileSchema>;

const SplitSummarySchema = z.object({ persons: Count, families: Count, positives: Count }).strict();

/** The generator's record of a synthetic population (truth/effects.json): the world the data came from. */
export const SyntheticOriginSchema = z
  .object({
    generator: z.literal('servicepath synth'),
    mechanism: z.string(),
    mechanismVersion: z.number().int(),
    seed: z.number().int(),
    persons: z.number().int(),
  })
  .strict();
export type SyntheticOrigin = z.infer<typeof SyntheticOriginSchema>;

const DataFingerprintSchema = z
  .object({
    /** sha256 of the store's manifest.json bytes: the store's identity. */
    storeManifestSha256: Sha256,
    inputs: z.array(
      z
        .object({
          file: z.string(),
          sha256: Sha256,
          /** Rows read (the store manifest's `read`): accepted + quarantined + duplicates. */
          rows: Count,
          accepted: Count,
          quarantined: Count,
          byReason: z.record(z.string(), Count),
        })
        .strict(),
    ),
    persons: Count,
    events: Count,
    /** First and last accepted event date of the store (null when it has no events). */
    dateRange: z.object({ from: z.string(), to: z.string() }).strict().nullable(),
    keySource: z.enum(['file', 'env', 'demo']),
    /**
     * Present when the data came from `servicepath synth` and training was given its truth (--truth): which
     * mechanism and rules version made the data, with the seed and size (truth/effects.json).
     */
    synthetic: SyntheticOriginSchema.optional(),
  })
  .strict();
export type DataFingerprint = z.infer<typeof DataFingerprintSchema>;

/** keyId: the first 16 hex digits of the sha256 of the public key (SPKI DER); value: the 64-byte signature, base64. */
const ManifestSignatureSchema = z
  .object({
    algorithm: z.literal('ed25519'),
    keyId: z.string().regex(/^[0-9a-f]{16}$/, 'not a key id (16 hex digits)'),
    value: z.string().regex(/^[A-Za-z0-9+/]{86}==$/, 'not a base64 Ed25519 signature'),
  })
  .strict();
export type ManifestSignature = z.infer<typeof ManifestSignatureSchema>;

export const ManifestSchema = z
  .object({
    formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    /** Content hash of the bundle's files other than the manifest and the model card: `sha256:<hex>`. */
    id: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    createdAt: z.iso.datetime(),
    modelKind: z.enum(MODEL_KINDS),
    /** The full task spec, defaults filled. */
    task: TaskSpecSchema,
    /** Every training setting with its default resolved (src/schemas/train-config.ts). */
    resolvedConfig: ResolvedTrainConfigSchema,
    /** The trained model's stages in scoring order (stagesOf): base model, effect model when fitted, calibration. */
    stages: z.array(BundleStageSchema).min(2),
    seed: z.number().int(),
    software: z
      .object({
        node: z.string(),
        servicepath: z.string(),
        /** TensorFlow.js version, or `none` for logreg (plain TypeScript). */
        tfjs: z.string(),
        /** tensorflow | wasm | cpu, or `typescript` for logreg. */
        backend: z.string(),
        backendVersion: z.string(),
      })
      .strict(),
    dataFingerprint: DataFingerprintSchema,
    splits: z
      .object({
        method: z.enum(['family', 'temporal']),
        seed: z.number().int(),
        train: SplitSummarySchema,
        validation: SplitSummarySchema,
        test: SplitSummarySchema,
      })
      .strict(),
    /** The disclosure rules the bundle's published aggregates follow (src/privacy), and the vocabulary's floor. */
    privacy: z
      .object({
        k: z.number().int().min(MIN_K),
        /** Bundles written before it was recorded read as the default (and are audited against it). */
        minCount: z.number().int().min(MIN_MIN_COUNT).default(DEFAULT_MIN_COUNT),
        roundTo: z.number().int().min(1),
        minPersonsPerCode: z.number().int().min(1),
      })
      .strict(),
    signature: z.object({ input: z.literal('Path'), output: z.literal('trajectory') }).strict(),
    /** Every file of the bundle except manifest.json, sorted by path. */
    files: z.array(BundleFileSchema).min(1),
    /**
     * The trainer's Ed25519 signature over the canonical manifest without this field (src/bundle/signing.ts,
     * docs/bundle-format.md "Signature"); absent when the bundle was trained without a signing key.
     */
    manifestSignature: ManifestSignatureSchema.optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    const want = stagesOf(m.modelKind, m.resolvedConfig);
    if (JSON.stringify(m.stages) !== JSON.stringify(want)) {
      ctx.addIssue({ code: 'custom', path: ['stages'], message: `do not match modelKind and resolvedConfig (expected ${want.map((x) => x.stage).join(', ')})` });
    }
    if (m.modelKind !== m.resolvedConfig.model) ctx.addIssue({ code: 'custom', path: ['modelKind'], message: `differs from resolvedConfig.model (${m.resolvedConfig.model})` });
  });
export type Manifest = z.infer<typeof ManifestSchema>;

/**
 * Bundles written before manifests listed their stages (same formatVersion): the stages follow from modelKind and
 * the resolved config, so they are derived on reading; every other check is the same.
 */
export const StoredManifestSchema = z.preprocess((raw) => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || 'stages' in raw) return raw;
  const m = raw as { modelKind?: unknown; resolvedConfig?: unknown };
  const kind = z.enum(MODEL_KINDS).safeParse(m.modelKind);
  const config = ResolvedTrainConfigSchema.safeParse(m.resolvedConfig);
  return kind.success && config.success ? { ...raw, stages: stagesOf(kind.data, config.data) } : raw;
}, ManifestSchema);
