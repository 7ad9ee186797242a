// `servicepath train`: store + task -> a calibrated, evaluated, immutable bundle (docs/training.md).
// Wires the pieces: cohort -> features -> train -> evaluate -> explain (cohort paths) -> card -> bundle.
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createScorer, INPUT_EXAMPLE_TOLERANCE, inputExamplePaths, type ManifestDraft, sha256Hex, writeBundle } from '../bundle/index.js';
import { buildModelCard, writeCardFiles } from '../card/index.js';
import { loadTaskSpec, parseConfigText, readConfigFile } from '../cohort/index.js';
import { formatZodIssues, ServicepathError } from '../errors/index.js';
import { computeAdjustmentWeights, mineCohortPaths } from '../explain/index.js';
import { resolvePseudonymKey } from '../ingest/key.js';
import { keyFingerprint, pseudonymise } from '../ingest/pseudonym.js';
import { type Catalogue, CatalogueSchema } from '../schemas/catalogue.js';
import { stagesOf, type SyntheticOrigin, SyntheticOriginSchema } from '../schemas/manifest.js';
import { openStore } from '../store/index.js';
import type { TrainConfig } from '../schemas/train-config.js';
import { parseTrainConfig } from '../train/config.js';
import { trainPipeline, type TrainOutcome } from '../train/pipeline.js';
import { readTruthProbabilities } from '../train/truth.js';
import type { Progress } from '../train/sequence.js';
import type { EventStore } from '../store/reader.js';
import { type CommandIo, type CommandModule, emit, intOption, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath train --store STORE --task FILE --model logreg|gru|transformer [--out MODELS] --name NAME
                        [--catalogue FILE] [--truth DIR (--key-file FILE | --demo-key)] [--epochs N]
                        [--batch-size N] [--seed S] [--backend auto|wasm|cpu|tensorflow] [--version V]
                        [--config FILE] [--resume] [--json]

Builds one example per eligible person at the task's index date (own and relatives' events of the lookback
window, nothing after the index), splits by family, fits the model, calibrates it on the validation split,
evaluates it on the test split and writes an immutable bundle to MODELS/NAME/<version>/ (docs/training.md).

  --store STORE       event store (servicepath ingest)
  --task FILE         task spec (JSON or YAML; docs/tasks.md)
  --model KIND        logreg (baseline), gru or transformer
  --out MODELS        models folder (default: models, the repository's folder for bundles); the bundle goes to MODELS/NAME/<version>/
  --name NAME         bundle name (lowercase letters, digits, _ and -)
  --catalogue FILE    actionable-service catalogue; default: catalogue.json beside the task file
  --truth DIR         the generator's truth folder: adds the oracle AUROC (needs the store's key)
  --key-file FILE     the pseudonymisation key the store was made with (for --truth)
  --demo-key          the public demo key (stores made with --demo-key)
  --epochs N          most epochs (early stopping may end sooner)
  --batch-size N      examples per training step
  --seed S            seeds splits, initialisation, shuffling and the bootstrap
  --backend B         TensorFlow.js backend (default auto: tensorflow, else wasm, else cpu)
  --version V         bundle version (default: next number); an existing version is refused
  --config FILE       training overrides (JSON or YAML; unknown keys fail; docs/training.md)
  --resume            continue an interrupted run from MODELS/.NAME.checkpoint/
  --json              print the result as JSON`;

const NAME_RE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface TrainCommandOptions {
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
}

export interface TrainCommandResult {
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
}

async function packageVersion(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(await readFile(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'servicepath') return pkg.version ?? 'unknown';
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

async function readCatalogue(file: string): Promise<Catalogue> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  const parsed = CatalogueSchema.safeParse(parseConfigText(text, file));
  if (!parsed.success) throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) }, { cause: parsed.error });
  return parsed.data;
}

/** truth/children.ndjson -> pseudonym -> true probability (ids are pseudonymised at once, never kept raw). */
export async function readTruth(dir: string, key: Buffer): Promise<Map<string, number>> {
  const file = join(dir, 'truth', 'children.ndjson');
  const path = existsSync(file) ? file : join(dir, 'children.ndjson');
  // Streamed: at Espoo scale the file (whole paths per child) is larger than one string can hold.
  return readTruthProbabilities(path, (rawId) => pseudonymise(key, rawId));
}

export function resolveTrainConfig(fileValues: unknown, opts: TrainCommandOptions, file: string): TrainConfig {
  const base = (fileValues ?? {}) as Record<string, unknown>;
  const overrides: Record<string, unknown> = { model: opts.model };
  if (opts.epochs !== undefined) overrides.epochs = opts.epochs;
  if (opts.batchSize !== undefined) overrides.batchSize = opts.batchSize;
  if (opts.seed !== undefined) overrides.seed = opts.seed;
  if (opts.backend !== undefined) overrides.backend = opts.backend;
  return parseTrainConfig({ ...base, ...overrides }, file);
}

/** The store's identity in a bundle's data fingerprint: the sha256 of its manifest.json's bytes. */
export async function storeManifestSha256(storeDir: string): Promise<string> {
  return sha256Hex(await readFile(join(storeDir, 'manifest.json')));
}

async function dataFingerprintOf(store: EventStore, storeDir: string): Promise<ManifestDraft['dataFingerprint']> {
  const m = store.manifest;
  return {
    storeManifestSha256: await storeManifestSha256(storeDir),
    inputs: m.inputs.map((f) => ({ file: f.file, sha256: f.sha256, rows: f.read, accepted: f.accepted, quarantined: f.quarantined, byReason: f.byReason })),
    persons: m.counts.persons,
    events: m.counts.events,
    dateRange: m.dateRange === null ? null : { from: m.dateRange.min, to: m.dateRange.max },
    keySource: m.pseudonym.keySource,
  };
}

/** The world a synthetic population came from (truth/effects.json), or undefined for a file without it. */
async function readSyntheticOrigin(dir: string): Promise<SyntheticOrigin | undefined> {
  const file = join(dir, 'truth', 'effects.json');
  if (!existsSync(file)) return undefined;
  let summary: Record<string, unknown>;
  try {
    summary = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: 'is not JSON' }, { cause: err });
  }
  const parsed = SyntheticOriginSchema.safeParse({
    generator: 'servicepath synth',
    mechanism: summary.mechanism ?? 'additive',
    mechanismVersion: summary.mechanismVersion ?? 1,
    seed: summary.seed,
    persons: summary.persons,
  });
  if (!parsed.success) throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: 'has no seed, persons or mechanism' });
  return parsed.data;
}

function progressPrinter(io: CommandIo): { onProgress: (p: Progress) => void; done: () => void } {
  let drawn = false;
  return {
    onProgress: (p) => {
      if (!io.isTty) return;
      const width = 24;
      const filled = Math.round((p.batch / p.batches) * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      process.stderr.write(`\repoch ${p.epoch}/${p.epochs} [${bar}] ${Math.round(p.examplesPerSecond)} ex/s, ETA ${Math.ceil(p.etaSeconds)} s   `);
      drawn = true;
    },
    done: () => {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

/** The whole command, callable from tests and from `reproduce`. */
export async function runTrain(opts: TrainCommandOptions, io: CommandIo): Promise<TrainCommandResult> {
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
  if (opts.truth !== undefined) {
    const { key } = await resolvePseudonymKey({ keyFile: opts.keyFile, demoKey: opts.demoKey });
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
  const progress = progressPrinter(io);
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
    onStage: (m) => io.stderr(m),
    onProgress: progress.onProgress,
    onEpoch: (l) => {
      progress.done();
      io.stderr(`epoch ${l.epoch}: train loss ${l.trainLoss.toFixed(4)}, validation loss ${l.valLoss.toFixed(4)}, AUROC ${fmt(l.valAuroc)}, ${Math.round(l.examplesPerSecond)} ex/s${l.best ? ' (best)' : ''}`);
    },
  });
  try {
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
      epochs: outcome.trainingLog.length,
    };
    if (outcome.interrupted) return { ...base, bundle: null, version: null, interrupted: true };
    const { k, roundTo } = config.evaluation;
    const cohortPaths = mineCohortPaths(outcome.trainExamples, catalogue, { k, roundTo });
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
        servicepath: await packageVersion(),
        tfjs: m.kind === 'logreg' ? 'none' : m.backend.tfjsVersion,
        backend: m.kind === 'logreg' ? 'typescript' : m.backend.name,
        backendVersion: m.kind === 'logreg' ? 'none' : m.backend.backendVersion,
      },
      dataFingerprint,
      splits: { method: config.split.method, seed: config.seed, ...outcome.splits.counts },
      privacy: { k, roundTo, minPersonsPerCode: task.minPersonsPerCode },
      signature: { input: 'Path', output: 'trajectory' },
    };
    const written = await writeBundle({
      modelsDir: opts.out,
      name: opts.name,
      ...(opts.version === undefined ? {} : { version: opts.version }),
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
      writeCard: async (dir, manifest) => {
        const card = buildModelCard({ manifest, metrics: outcome.metrics, trainingLog: [...outcome.trainingLog] });
        await writeCardFiles(card, dir);
      },
    });
    await rm(checkpointDir, { recursive: true, force: true });
    return { ...base, bundle: written.dir, version: written.manifest.version, interrupted: false };
  } finally {
    outcome.dispose();
  }
}

function renderResult(r: TrainCommandResult): string {
  const s = r.splits;
  return [
    r.bundle === null ? 'Training interrupted; resume with --resume.' : `Bundle written: ${r.bundle}`,
    `Model ${r.modelKind}; ${r.examples} examples (${r.positives} with the outcome); ${r.epochs} epochs`,
    `Splits (persons/families/positives): train ${s.train.persons}/${s.train.families}/${s.train.positives}, validation ${s.validation.persons}/${s.validation.families}/${s.validation.positives}, test ${s.test.persons}/${s.test.families}/${s.test.positives}`,
    `Test AUROC ${fmt(r.test.auroc)}, AUPRC ${fmt(r.test.auprc)}, Brier ${fmt(r.test.brier)}, calibration slope ${fmt(r.test.calibrationSlope)}${r.test.oracleAuroc === null ? '' : `, oracle AUROC ${fmt(r.test.oracleAuroc)}`}`,
  ].join('\n');
}

export const command: CommandModule = {
  name: 'train',
  summary: 'train a model on a store and a task; write a bundle',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      {
        store: { type: 'string' },
        task: { type: 'string' },
        model: { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        catalogue: { type: 'string' },
        truth: { type: 'string' },
        'key-file': { type: 'string' },
        'demo-key': { type: 'boolean' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        seed: { type: 'string' },
        backend: { type: 'string' },
        version: { type: 'string' },
        config: { type: 'string' },
        resume: { type: 'boolean' },
      },
      usage,
    );
    const opts: TrainCommandOptions = {
      store: requireOption(values, 'store', usage),
      task: requireOption(values, 'task', usage),
      model: requireOption(values, 'model', usage),
      out: values.out ?? 'models',
      name: requireOption(values, 'name', usage),
      ...(values.catalogue === undefined ? {} : { catalogue: values.catalogue }),
      ...(values.truth === undefined ? {} : { truth: values.truth }),
      ...(values['key-file'] === undefined ? {} : { keyFile: values['key-file'] }),
      ...(values['demo-key'] === true ? { demoKey: true } : {}),
      ...(values.epochs === undefined ? {} : { epochs: intOption(values, 'epochs', 0) }),
      ...(values['batch-size'] === undefined ? {} : { batchSize: intOption(values, 'batch-size', 0) }),
      ...(values.seed === undefined ? {} : { seed: intOption(values, 'seed', 0) }),
      ...(values.backend === undefined ? {} : { backend: values.backend }),
      ...(values.version === undefined ? {} : { version: values.version }),
      ...(values.config === undefined ? {} : { config: values.config }),
      ...(values.resume === true ? { resume: true } : {}),
    };
    const result = await runTrain(opts, io);
    emit(io, values.json === true, result, () => renderResult(result));
    return 0;
  },
};
