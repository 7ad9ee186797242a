// Store + task -> an immutable bundle: the training inputs (src/train/inputs.ts), the training stages
// (src/train/pipeline.ts) and the bundle's assembly: cohort paths, input example, manifest with its stages,
// model card, one atomic write (write.ts). The CLI's train and reproduce commands call trainBundle.
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { buildModelCard, writeCardFiles } from '../card/index.js';
import { loadTaskSpec, readConfigFile } from '../cohort/index.js';
import { ServicepathError } from '../errors/index.js';
import { mineCohortPaths } from '../explain/index.js';
import { resolvePseudonymKey } from '../ingest/key.js';
import { keyFingerprint, pseudonymise } from '../ingest/pseudonym.js';
import type { Catalogue } from '../schemas/catalogue.js';
import { type DataFingerprint, type Manifest, stagesOf } from '../schemas/manifest.js';
import type { TaskSpec } from '../schemas/task.js';
import { createScorer } from '../scoring/scorer.js';
import { openStore } from '../store/index.js';
import { computeAdjustmentWeights } from '../train/adjustment.js';
import type { EpochLog } from '../train/checkpoint.js';
import { dataFingerprintOf, packageVersion, readCatalogue, readSyntheticOrigin, readTruth, resolveTrainConfig, truthFileOf } from '../train/inputs.js';
import { readTruthChildrenOf } from '../train/truth.js';
import { checkAgainstTruth, TRUTH_CHECK_CHILDREN } from '../train/truth-check.js';
import { trainPipeline, type TrainOutcome } from '../train/pipeline.js';
import type { Progress } from '../train/sequence.js';
import { sha256Hex } from '../util/hash.js';
import { INPUT_EXAMPLE_TOLERANCE, inputExamplePaths } from './input-example.js';
import type { IdentifiedKey } from './signing.js';
import { type ManifestDraft, writeBundle } from './write.js';

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface TrainBundleOptions {
  store: string;
  task: string;
  model: string;
  out: string;
  name: string;
  catalogue?: string;
  truth?: string;
  keyFile?: string;
  demoKey?: boolean;
  epochs?: number;
  batchSize?: number;
  seed?: number;
  backend?: string;
  version?: string;
  config?: string;
  resume?: boolean;
  /** Tests only: stop as if killed after this epoch (no bundle is written). */
  stopAfterEpoch?: number;
  /** Signs the bundle's manifest (src/bundle/signing.ts resolveSigningKey); absent: the bundle is unsigned. */
  signingKey?: IdentifiedKey | null;
}

export interface TrainBundleResult {
  bundle: string | null;
  name: string;
  version: string | null;
  modelKind: string;
  examples: number;
  positives: number;
  splits: TrainOutcome['splits']['counts'];
  test: { auroc: number | null; auprc: number | null; brier: number | null; calibrationSlope: number | null; oracleAuroc: number | null };
  epochs: number;
  interrupted: boolean;
  /** The id of the key that signed the manifest; null when unsigned (or interrupted). */
  signingKeyId: string | null;
}

/** Progress callbacks (the CLI prints them). */
interface TrainHooks {
  onStage?: (message: string) => void;
  onProgress?: (p: Progress) => void;
  onEpoch?: (log: EpochLog) => void;
}

/** Store + task -> a written bundle: reads the inputs, runs the training stages, assembles the bundle. */
export async function trainBundle(opts: TrainBundleOptions, hooks: TrainHooks = {}): Promise<TrainBundleResult> {
  if (!NAME_RE.test(opts.name)) throw new ServicepathError('CLI_USAGE', { detail: `--name must be lowercase letters, digits, _ and -, got "${opts.name}"` });
  if (!['logreg', 'gru', 'transformer'].includes(opts.model)) throw new ServicepathError('CLI_USAGE', { detail: `--model must be logreg, gru or transformer, got "${opts.model}"` });
  const config = resolveTrainConfig(opts.config === undefined ? {} : await readConfigFile(opts.config), opts, opts.config ?? '--config');
  const task = await loadTaskSpec(opts.task);
  const catalogueFile = opts.catalogue ?? join(dirname(opts.task), 'catalogue.json');
  if (opts.catalogue === undefined && !existsSync(catalogueFile)) {
    throw new ServicepathError('CLI_USAGE', { detail: `no --catalogue given and no catalogue.json beside ${opts.task}` });
  }
  const catalogue = await readCatalogue(catalogueFile);
  const store = await openStore(opts.store);
  const dataFingerprint = await dataFingerprintOf(store, opts.store);
  let truth: Map<string, number> | undefined;
  let truthKey: Buffer | undefined;
  if (opts.truth !== undefined) {
    const { key } = await resolvePseudonymKey({ keyFile: opts.keyFile, demoKey: opts.demoKey });
    truthKey = key;
    if (keyFingerprint(key) !== store.manifest.pseudonym.keyFingerprint) {
      throw new ServicepathError('TRAIN_TRUTH_INVALID', { file: opts.truth, detail: 'the key given is not the key the store was made with' });
    }
    truth = await readTruth(opts.truth, key);
    const synthetic = await readSyntheticOrigin(opts.truth);
    if (synthetic !== undefined) dataFingerprint.synthetic = synthetic;
  }
  const checkpointDir = join(opts.out, `.${opts.name}.checkpoint`);
  if (opts.resume !== true) await rm(checkpointDir, { recursive: true, force: true });
  const fingerprint = sha256Hex(JSON.stringify({ config, task, store: dataFingerprint.storeManifestSha256 }));
  const outcome = await trainPipeline({
    persons: () => store.persons(),
    task,
    config,
    ...(truth === undefined ? {} : { truth }),
    adjustmentWeights: (examples) => computeAdjustmentWeights(examples, catalogue),
    catalogue,
    checkpointDir,
    resume: opts.resume === true,
    fingerprint,
    ...(opts.stopAfterEpoch === undefined ? {} : { stopAfterEpoch: opts.stopAfterEpoch }),
    ...(hooks.onStage === undefined ? {} : { onStage: hooks.onStage }),
    ...(hooks.onProgress === undefined ? {} : { onProgress: hooks.onProgress }),
    ...(hooks.onEpoch === undefined ? {} : { onEpoch: hooks.onEpoch }),
  });
  try {
    if (opts.truth !== undefined && truthKey !== undefined && !outcome.interrupted) {
      hooks.onStage?.(`checking the intervention estimates against the truth (up to ${TRUTH_CHECK_CHILDREN} test-split children)`);
      const key = truthKey;
      const children = await readTruthChildrenOf(truthFileOf(opts.truth), (raw) => pseudonymise(key, raw), outcome.testPersons, TRUTH_CHECK_CHILDREN);
      const m = outcome.model;
      const scorer = createScorer(outcome.prep, m.kind === 'logreg' ? m : { kind: m.kind, network: m.network }, outcome.calibration, outcome.effect);
      outcome.metrics.interventions = await checkAgainstTruth(scorer, children, catalogue, { bootstrapSamples: config.evaluation.bootstrapSamples, seed: config.seed });
    }
    const overall = outcome.metrics.test.overall;
    const base = {
      name: opts.name,
      modelKind: config.model,
      examples: outcome.counts.examples,
      positives: outcome.counts.positives,
      splits: outcome.splits.counts,
      test: {
        auroc: overall.auroc.estimate,
        auprc: overall.auprc.estimate,
        brier: overall.brier.estimate,
        calibrationSlope: overall.calibrationSlope.estimate,
        oracleAuroc: outcome.metrics.test.oracle?.auroc.estimate ?? null,
      },
      // The base model's rows only (the treatment-aware stage logs its penalty grid under `stage`).
      epochs: outcome.trainingLog.filter((l) => l.stage === undefined).length,
    };
    if (outcome.interrupted) return { ...base, bundle: null, version: null, interrupted: true, signingKeyId: null };
    const written = await assembleBundle(outcome, {
      modelsDir: opts.out,
      name: opts.name,
      ...(opts.version === undefined ? {} : { version: opts.version }),
      task,
      catalogue,
      dataFingerprint,
      servicepathVersion: await packageVersion(),
      signingKey: opts.signingKey ?? null,
    });
    await rm(checkpointDir, { recursive: true, force: true });
    return { ...base, bundle: written.dir, version: written.manifest.version, interrupted: false, signingKeyId: written.manifest.manifestSignature?.keyId ?? null };
  } finally {
    outcome.dispose();
  }
}


interface AssembleContext {
  modelsDir: string;
  name: string;
  /** Default: the next free number. */
  version?: string;
  task: TaskSpec;
  catalogue: Catalogue;
  dataFingerprint: DataFingerprint;
  servicepathVersion: string;
  signingKey: IdentifiedKey | null;
}

/**
 * A trained outcome -> a written bundle: cohort paths mined from the training split, the input example scored
 * by the bundle's own scorer, the manifest (with the stages), the model card, then one atomic write.
 */
async function assembleBundle(outcome: TrainOutcome, ctx: AssembleContext): Promise<{ dir: string; manifest: Manifest }> {
  const { task, catalogue, dataFingerprint } = ctx;
  const config = outcome.resolvedConfig;
  const { k, minCount, roundTo } = config.evaluation;
  // With privacy.epsilon the noise is seeded with a fresh secret (never stored): a seed in the manifest would let any
  // reader recompute and subtract it. Such a bundle's cohort paths (and id) differ between runs.
  const cohortPaths = mineCohortPaths(outcome.trainExamples, catalogue, { k, minCount, roundTo, epsilon: config.privacy.epsilon });
  const m = outcome.model;
  const scorer = createScorer(outcome.prep, m.kind === 'logreg' ? m : { kind: m.kind, network: m.network }, outcome.calibration, outcome.effect);
  const examplePaths = inputExamplePaths(
    outcome.trainExamples.map((e) => e.path),
    outcome.prep,
    cohortPaths,
  );
  const expected = await scorer.scoreTrajectories(examplePaths.map((e) => e.path));
  const draft: ManifestDraft = {
    createdAt: new Date().toISOString(),
    modelKind: config.model,
    task,
    resolvedConfig: { ...outcome.resolvedConfig },
    stages: stagesOf(config.model, outcome.resolvedConfig),
    seed: config.seed,
    software: {
      node: process.versions.node,
      servicepath: ctx.servicepathVersion,
      tfjs: m.kind === 'logreg' ? 'none' : m.backend.tfjsVersion,
      backend: m.kind === 'logreg' ? 'typescript' : m.backend.name,
      backendVersion: m.kind === 'logreg' ? 'none' : m.backend.backendVersion,
    },
    dataFingerprint,
    splits: { method: config.split.method, seed: config.seed, ...outcome.splits.counts },
    privacy: { k, minCount, roundTo, minPersonsPerCode: task.minPersonsPerCode },
    signature: { input: 'Path', output: 'trajectory' },
  };
  return writeBundle({
    modelsDir: ctx.modelsDir,
    name: ctx.name,
    ...(ctx.version === undefined ? {} : { version: ctx.version }),
    manifest: draft,
    contents: {
      model: m.kind === 'logreg' ? { kind: 'logreg', logreg: m.logreg } : { kind: m.kind, network: m.network },
      preprocessing: outcome.prep,
      effect: outcome.effect,
      calibration: outcome.calibration,
      metrics: outcome.metrics,
      catalogue,
      cohortPaths,
      inputExample: {
        formatVersion: 1,
        tolerance: INPUT_EXAMPLE_TOLERANCE,
        examples: examplePaths.map((e, i) => ({ ...e, expected: Array.from(expected[i] as Float64Array) })),
      },
      trainingLog: outcome.trainingLog,
    },
    signingKey: ctx.signingKey,
    writeCard: async (dir, manifest) => {
      const card = buildModelCard({ manifest, metrics: outcome.metrics, trainingLog: [...outcome.trainingLog] });
      await writeCardFiles(card, dir);
    },
  });
}
