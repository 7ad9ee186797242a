// Store + task -> a trained, calibrated and evaluated model held in memory, as a sequence of stages:
//   examples -> split -> treatment view -> preprocessing -> loss weights -> base model -> effect model
//   -> calibration -> evaluation.
// Each stage is one function below; trainPipeline only passes their results on. Assembling and writing the
// bundle (cohort paths, input example, manifest, card) is src/bundle/assemble.ts.
import { buildExamples, type Example, type ExampleCounts, type PersonSource } from '../cohort/examples.js';
import { type Splits, splitExamples } from '../cohort/split.js';
import { ServicepathError } from '../errors/index.js';
import { evaluateBinary, membershipAttack } from '../evaluate/index.js';
import { modelWindow } from '../features/preprocessing.js';
import { chooseMaxLen, fitPreprocessing } from '../features/vocabulary.js';
import { type BackendInfo, initialiseWideFromLogreg, type LayersModel, resolveModelConfig, type SequenceModelConfig, selectBackend } from '../model/index.js';
import type { Catalogue } from '../schemas/catalogue.js';
import type { Calibration, EffectModel, LogregModel, Preprocessing } from '../schemas/fitted-models.js';
import { type EvaluationReport, METRICS_SCHEMA_VERSION, type MetricsFile } from '../schemas/metrics.js';
import type { Path } from '../schemas/path.js';
import type { TaskSpec } from '../schemas/task.js';
import { fitsEffectModel, type ResolvedTrainConfig, resolveContextHalfLives, type TrainConfig, usesIpw } from '../schemas/train-config.js';
import { calibrateAll } from '../scoring/calibration.js';
import { effectTrajectoryLogits, splitTreatments, type TreatmentSplit, treatedServices } from '../scoring/treatment.js';
import { fitCalibration } from './calibrate.js';
import type { EpochLog } from './checkpoint.js';
import { effectShape, fitEffectModel, positivityOf } from './effect-model.js';
import { featurise, fitLogreg, linearLogits } from './logreg.js';
import { encodeSequencePaths, finalStepLogits, type Progress, type SequenceData, trainSequenceModel } from './sequence.js';

const MIN_EXAMPLES = 20;

interface TrainInputs {
  persons: PersonSource;
  task: TaskSpec;
  config: TrainConfig;
  /** The generator's true risk per child pseudonym (--truth): adds the oracle AUROC to the evaluation. */
  truth?: ReadonlyMap<string, number>;
  /** Hook for confounding adjustment (config.adjustment 'ipw' or 'treatment+ipw'): one weight per training example, mean about 1. */
  adjustmentWeights?: (examples: readonly { path: Path; label: 0 | 1 }[]) => Float64Array;
  /** The actionable-service catalogue: its services are the treatments of config.adjustment = 'treatment'. */
  catalogue?: Catalogue;
  checkpointDir?: string;
  resume?: boolean;
  /** Identifies config and data for checkpoints. */
  fingerprint?: string;
  stopAfterEpoch?: number;
  followUpEndDay?: number;
  onStage?: (message: string) => void;
  onProgress?: (p: Progress) => void;
  onEpoch?: (log: EpochLog) => void;
}

type TrainedModel =
  | { kind: 'logreg'; logreg: LogregModel }
  | { kind: 'gru' | 'transformer'; network: LayersModel; modelConfig: SequenceModelConfig; backend: BackendInfo };

export interface TrainOutcome {
  resolvedConfig: ResolvedTrainConfig;
  counts: ExampleCounts;
  splits: Splits;
  prep: Preprocessing;
  calibration: Calibration;
  model: TrainedModel;
  /** The treatment-aware second stage (config.adjustment 'treatment' or 'treatment+ipw'), else null. */
  effect: EffectModel | null;
  metrics: MetricsFile;
  /** One line per epoch (sequence models) or per tried penalty (logreg). */
  trainingLog: Record<string, unknown>[];
  /** Training-split paths with outcome and calibrated prediction (for cohort paths); never leaves the process raw. */
  trainExamples: { path: Path; outcome: 0 | 1; predicted: number }[];
  /** True when a sequence run stopped at stopAfterEpoch (no metrics are meaningful then). */
  interrupted: boolean;
  /** The test split's pseudonyms, in memory only (the truth check picks its children from them). */
  testPersons: ReadonlySet<string>;
  dispose(): void;
}

function pick<T>(items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((i) => items[i] as T);
}

function classWeights(labels: readonly (0 | 1)[], mode: TrainConfig['classWeight']): Float64Array {
  const positives = labels.reduce<number>((s, y) => s + y, 0);
  const negatives = labels.length - positives;
  const wPos = mode === 'balanced' && positives > 0 ? negatives / positives : 1;
  const raw = labels.map((y) => (y === 1 ? wPos : 1));
  const mean = raw.reduce((s, w) => s + w, 0) / Math.max(1, raw.length);
  return Float64Array.from(raw, (w) => w / mean);
}

function checkSplits(task: TaskSpec, examples: readonly Example[], counts: ExampleCounts, splits: Splits): void {
  const breakdown = Object.entries(counts)
    .filter(([k, v]) => v > 0 && k !== 'examples')
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  if (examples.length < MIN_EXAMPLES) {
    throw new ServicepathError('TASK_NO_EXAMPLES', { task: task.name, examples: examples.length, min: MIN_EXAMPLES, detail: breakdown });
  }
  for (const name of ['train', 'validation', 'test'] as const) {
    const c = splits.counts[name];
    if (c.positives === 0 || c.positives === c.persons) {
      // The whole picture, not only the split: an outcome that never occurs is a task or code problem, not a seed's.
      const never = counts.positives === 0 ? "; the outcome never occurs among the examples: check the task's outcome codes against the store's (servicepath profile lists them)" : '';
      const detail = `all ${counts.examples} examples: ${counts.positives} with the outcome (${breakdown})${never}`;
      throw new ServicepathError('TASK_SINGLE_CLASS', { task: task.name, split: name, positives: c.positives, negatives: c.persons - c.positives, detail });
    }
  }
}

/** Whether a split's headline counts may be published under the disclosure rules (n >= k, both classes >= minCount). */
function publishable(rules: Pick<TrainConfig['evaluation'], 'k' | 'minCount'>, c: { persons: number; positives: number }): boolean {
  return c.persons >= rules.k && c.positives >= rules.minCount && c.persons - c.positives >= rules.minCount;
}

/** Fails before training when the test split's evaluation could not be published (the bundle would be refused). */
function checkPublishable(task: TaskSpec, rules: Pick<TrainConfig['evaluation'], 'k' | 'minCount'>, c: { persons: number; positives: number }, split: string): void {
  if (publishable(rules, c)) return;
  throw new ServicepathError('TASK_SPLIT_UNPUBLISHABLE', { task: task.name, split, persons: c.persons, positives: c.positives, negatives: c.persons - c.positives, k: rules.k, minCount: rules.minCount });
}

function sequenceData(prep: Preprocessing, examples: readonly Example[], weights?: Float64Array): SequenceData {
  return {
    encoded: encodeSequencePaths(prep, examples.map((e) => e.path)),
    labels: Float32Array.from(examples, (e) => e.label),
    weights: weights === undefined ? new Float32Array(examples.length).fill(1) : Float32Array.from(weights),
  };
}

function evaluate(examples: readonly Example[], probs: Float64Array, config: ResolvedTrainConfig, truth: ReadonlyMap<string, number> | undefined, seed: number): EvaluationReport {
  const oracle = truth === undefined ? undefined : examples.map((e) => truth.get(e.personId));
  const oracleProb = oracle?.every((p) => p !== undefined) ? Float64Array.from(oracle as number[]) : undefined;
  return evaluateBinary({
    yTrue: Float64Array.from(examples, (e) => e.label),
    yProb: probs,
    clusters: examples.map((e) => e.familyId),
    subgroups: {
      sex: examples.map((e) => e.subgroups.sex),
      birthCohort: examples.map((e) => e.subgroups.birthCohort),
      area: examples.map((e) => e.subgroups.area),
      languageGroup: examples.map((e) => e.subgroups.languageGroup),
    },
    k: config.evaluation.k,
    minCount: config.evaluation.minCount,
    roundTo: config.evaluation.roundTo,
    bootstrapSamples: config.evaluation.bootstrapSamples,
    seed,
    ...(oracleProb === undefined ? {} : { oracleProb }),
  });
}

/** The time-before-index step feature and its days per unit: what the wide part's windows and the context's half-lives read. */
function timeFeatureOf(prep: Preprocessing): { featureIndex: number; daysPerUnit: number } {
  const featureIndex = prep.stepFeatures.indexOf('yearsBeforeIndex');
  if (featureIndex < 0) throw new ServicepathError('MODEL_CONFIG_INVALID', { issues: 'the preprocessing has no yearsBeforeIndex step feature' });
  return { featureIndex, daysPerUnit: prep.scales.beforeIndexDays };
}

/** The wide part's windows: the logreg's count windows on the time-before-index step feature. */
function wideSpecOf(prep: Preprocessing): Omit<NonNullable<SequenceModelConfig['wide']>, 'trainable'> {
  return { windowEdgesDays: [...prep.countWindowsDays], ...timeFeatureOf(prep) };
}

type SplitName = 'train' | 'validation' | 'test';
type PerSplit<T> = Record<SplitName, T>;
type Logits = PerSplit<Float64Array>;

/** Stage 1-2: examples at the index date and their family (or temporal) split, checked for both classes. */
async function examplesStage(input: TrainInputs): Promise<{ counts: ExampleCounts; splits: Splits; sets: PerSplit<Example[]> }> {
  const { task, config } = input;
  const { examples, counts } = await buildExamples(input.persons, task, input.followUpEndDay === undefined ? {} : { followUpEndDay: input.followUpEndDay });
  const splits = splitExamples(examples, {
    seed: config.seed,
    fractions: config.split,
    method: config.split.method,
    ...(config.split.maxTrainExamples === undefined ? {} : { maxTrainExamples: config.split.maxTrainExamples }),
  });
  checkSplits(task, examples, counts, splits);
  return { counts, splits, sets: { train: pick(examples, splits.train), validation: pick(examples, splits.validation), test: pick(examples, splits.test) } };
}

/** What the base model reads: every example, or (treatment-aware) each path's history without the catalogue's service starts. */
interface TreatmentView {
  /** Per example, its history/treatment split; null unless the config fits the effect model. */
  splits: PerSplit<TreatmentSplit[] | null>;
  /** The base model's examples (treatment-aware: those with a history, as histories). */
  base: PerSplit<Example[]>;
}

/** Stage 3: the treatment view (src/scoring/treatment.ts holds the one treatment rule). */
function treatmentStage(config: TrainConfig, task: TaskSpec, catalogue: Catalogue | undefined, sets: PerSplit<Example[]>): TreatmentView {
  const treatmentAware = fitsEffectModel(config.adjustment);
  if (treatmentAware && catalogue === undefined) throw new Error(`adjustment ${config.adjustment} needs the catalogue`);
  const treated = catalogue === undefined ? null : treatedServices(catalogue);
  const splitOf = (set: readonly Example[]): TreatmentSplit[] | null => (treatmentAware && treated !== null ? set.map((e) => splitTreatments(treated, e.path)) : null);
  const splits = { train: splitOf(sets.train), validation: splitOf(sets.validation), test: splitOf(sets.test) };
  const baseView = (set: readonly Example[], sp: TreatmentSplit[] | null): Example[] =>
    sp === null
      ? [...set]
      : set.flatMap((e, i) => {
          const history = (sp[i] as TreatmentSplit).history;
          return history === null ? [] : [{ ...e, path: history }];
        });
  const base = { train: baseView(sets.train, splits.train), validation: baseView(sets.validation, splits.validation), test: baseView(sets.test, splits.test) };
  if (base.train.length < MIN_EXAMPLES) throw new ServicepathError('TASK_NO_EXAMPLES', { task: task.name, examples: base.train.length, min: MIN_EXAMPLES, detail: 'training examples with a history' });
  return { splits, base };
}

/** Stage 4: the context length (maxLen auto) and the preprocessing fitted on the training split's base paths. */
function preprocessingStage(config: TrainConfig, task: TaskSpec, baseTrain: readonly Example[]): { resolvedConfig: ResolvedTrainConfig; prep: Preprocessing } {
  const maxLen = config.maxLen === 'auto' ? chooseMaxLen(baseTrain.map((e) => e.path), 0.95, 16, 256) : config.maxLen;
  const prep = fitPreprocessing(baseTrain.map((e) => e.path), { minPersonsPerCode: task.minPersonsPerCode, maxLen });
  return { resolvedConfig: { ...config, maxLen, contextHalfLivesDays: resolveContextHalfLives(config) }, prep };
}

/** Stage 5: each training example's loss weight (class balance, times IPW when asked) and the base model's share. */
function weightsStage(config: TrainConfig, train: readonly Example[], view: TreatmentView, adjustmentWeights: TrainInputs['adjustmentWeights']): { weights: Float64Array; baseWeights: Float64Array } {
  let weights = classWeights(train.map((e) => e.label), config.classWeight);
  if (usesIpw(config.adjustment) && adjustmentWeights !== undefined) {
    const adj = adjustmentWeights(train.map((e) => ({ path: e.path, label: e.label })));
    weights = weights.map((w, i) => w * (adj[i] as number));
  }
  const sp = view.splits.train;
  const baseWeights = sp === null ? weights : weights.filter((_, i) => sp[i]?.history !== null);
  return { weights, baseWeights };
}

interface BaseModelResult {
  model: TrainedModel;
  /** Final-step logits of the base examples. */
  logits: Logits;
  trainingLog: Record<string, unknown>[];
  interrupted: boolean;
}

/** Stage 6: the base model (logreg, or a sequence model with its optional wide part) on the base examples. */
async function baseModelStage(input: TrainInputs, resolved: ResolvedTrainConfig, prep: Preprocessing, base: PerSplit<Example[]>, baseWeights: Float64Array, stage: (m: string) => void): Promise<BaseModelResult> {
  const config = input.config;
  const { maxLen } = resolved;
  // The baseline's fit: the logreg model itself, or the start of a sequence model's wide part (wideInit logreg).
  const fitBaseline = (view: (path: Path) => Path = (p) => p) =>
    fitLogreg(
      prep,
      { paths: base.train.map((e) => view(e.path)), labels: Float64Array.from(base.train, (e) => e.label), weights: baseWeights },
      { paths: base.validation.map((e) => view(e.path)), labels: Float64Array.from(base.validation, (e) => e.label) },
      config.logreg,
    );
  const windowsText = `${prep.vocab.length} tokens x ${prep.countWindowsDays.length + 1} windows`;
  if (config.model === 'logreg') {
    stage(`fitting logreg on ${windowsText}`);
    const fit = fitBaseline();
    const theta = Float64Array.from([...fit.model.weights, fit.model.bias]);
    const predict = (set: readonly Example[]) => linearLogits(featurise(prep, set.map((e) => e.path)), theta);
    return {
      model: { kind: 'logreg', logreg: fit.model },
      logits: { train: predict(base.train), validation: predict(base.validation), test: predict(base.test) },
      trainingLog: fit.grid.map((g, i) => ({ epoch: i + 1, ...g, best: g.l2 === fit.model.l2 })),
      interrupted: false,
    };
  }
  const backend = await selectBackend(config.backend);
  stage(`training ${config.model} on the ${backend.name} backend (maxLen ${maxLen}, vocabulary ${prep.vocab.length})`);
  const modelConfig = resolveModelConfig({
    kind: config.model,
    cell: config.cell,
    vocabSize: prep.vocab.length,
    numFeatures: prep.stepFeatures.length,
    maxLen,
    embedDim: config.embedDim,
    hiddenDim: config.hiddenDim,
    layers: config.layers,
    heads: config.heads,
    dropout: config.dropout,
    seed: config.seed,
    wide: config.wide ? { ...wideSpecOf(prep), trainable: config.wideInit !== 'logreg-fixed' } : null,
    context: resolved.contextHalfLivesDays.length === 0 ? null : { halfLivesDays: resolved.contextHalfLivesDays, ...timeFeatureOf(prep) },
  });
  let initialiseModel: ((m: LayersModel) => void) | undefined;
  if (config.wide && config.wideInit !== 'zero') {
    const fixed = config.wideInit === 'logreg-fixed';
    stage(`fitting logreg ${fixed ? 'as the fixed wide part' : 'to start the wide part'} (${windowsText}, on the model's window of each path)`);
    // On the events the wide part sees: the model's window of each path (its last maxLen events).
    const start = fitBaseline((p) => modelWindow(prep, p)).model;
    initialiseModel = (m) => initialiseWideFromLogreg(m, start.weights, start.bias, { zeroDeep: fixed });
  }
  const trainData = sequenceData(prep, base.train, baseWeights);
  const valData = sequenceData(prep, base.validation);
  const result = await trainSequenceModel({
    modelConfig,
    ...(initialiseModel === undefined ? {} : { initialiseModel }),
    train: trainData,
    validation: valData,
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    learningRateDecay: config.learningRateDecay,
    emaDecay: config.emaDecay,
    patience: config.patience,
    evaluateEveryExamples: config.evaluateEveryExamples,
    lastStepWeight: config.lastStepWeight,
    seed: config.seed,
    ...(input.checkpointDir === undefined ? {} : { checkpointDir: input.checkpointDir }),
    resume: input.resume === true,
    ...(input.fingerprint === undefined ? {} : { fingerprint: input.fingerprint }),
    ...(input.stopAfterEpoch === undefined ? {} : { stopAfterEpoch: input.stopAfterEpoch }),
    ...(input.onProgress === undefined ? {} : { onProgress: input.onProgress }),
    ...(input.onEpoch === undefined ? {} : { onEpoch: input.onEpoch }),
  });
  return {
    model: { kind: config.model, network: result.model, modelConfig, backend },
    logits: {
      train: finalStepLogits(result.model, trainData),
      validation: finalStepLogits(result.model, valData),
      test: finalStepLogits(result.model, sequenceData(prep, base.test)),
    },
    trainingLog: result.log.map((l) => ({ ...l })),
    interrupted: result.stopped === 'interrupted',
  };
}

/**
 * Stage 7 (adjustment treatment or treatment+ipw): the treatment-aware second stage on the base model's logits;
 * returns the effect model and every example's final-step logit through it.
 */
function effectModelStage(
  config: TrainConfig,
  catalogue: Catalogue,
  prep: Preprocessing,
  sets: PerSplit<Example[]>,
  sp: PerSplit<TreatmentSplit[]>,
  baseLogits: Logits,
  weights: Float64Array,
  stage: (m: string) => void,
): { effect: EffectModel; logits: Logits; trainingLog: Record<string, unknown>[] } {
  // The base model's logit for every example (the mean training logit where a path has no history yet).
  const emptyHistoryLogit = baseLogits.train.reduce((a, b) => a + b, 0) / Math.max(1, baseLogits.train.length);
  const expand = (splits: TreatmentSplit[], logits: Float64Array): Float64Array => {
    let k = 0;
    return Float64Array.from(splits, (x) => (x.history === null ? emptyHistoryLogit : (logits[k++] as number)));
  };
  const baseFinal = { train: expand(sp.train, baseLogits.train), validation: expand(sp.validation, baseLogits.validation), test: expand(sp.test, baseLogits.test) };
  stage(`fitting the treatment-aware stage (${catalogue.services.length} services, taus ${config.treatment.tausDays.join('/')} days)`);
  const shape = effectShape(
    prep,
    catalogue,
    sets.train.map((e, i) => ({ path: e.path, split: sp.train[i] as TreatmentSplit })),
    config.treatment.tausDays,
    config.treatment.interactionTau,
  );
  const set = (name: SplitName) => ({
    paths: sets[name].map((e) => e.path),
    splits: sp[name],
    baseFinal: baseFinal[name],
    labels: Float64Array.from(sets[name], (e) => e.label),
  });
  const fit = fitEffectModel(prep, shape, { ...set('train'), weights }, set('validation'), {
    l2Grid: config.logreg.l2Grid,
    maxIterations: config.logreg.maxIterations,
    emptyHistoryLogit,
    positivity: positivityOf(
      shape,
      catalogue.insertion.stepDays,
      sets.train.map((e, i) => ({ path: e.path, split: sp.train[i] as TreatmentSplit })),
    ),
    bootstrap: {
      replicates: config.treatment.bootstrapReplicates,
      seed: config.seed,
      level: config.treatment.intervalLevel,
      families: sets.train.map((e) => e.familyId),
    },
  });
  const fitted = fit.model;
  if (config.treatment.bootstrapReplicates >= 2) {
    stage(
      fitted.bootstrap === null
        ? 'no intervals: the treatment-aware stage separates the training split, so no bootstrap refit moves (too few training children)'
        : `intervals: the treatment-aware stage refitted on ${fitted.bootstrap.replicates} bootstrap resamples of the training families`,
    );
  }
  // The final step reads the base logit of the whole history, which is all we hold: every history step gets it.
  const stageTwo = (name: SplitName) =>
    Float64Array.from(sets[name], (e, i) => {
      const split = sp[name][i] as TreatmentSplit;
      const g = new Float64Array(split.history?.events.length ?? 0).fill(baseFinal[name][i] as number);
      const z = effectTrajectoryLogits(prep, fitted, e.path, split, split.history === null ? null : g);
      return z[z.length - 1] as number;
    });
  return {
    effect: fitted,
    logits: { train: stageTwo('train'), validation: stageTwo('validation'), test: stageTwo('test') },
    trainingLog: fit.grid.map((g) => ({ stage: 'treatment-aware', ...g, best: g.l2 === fitted.l2 })),
  };
}

/** Stage 8: calibration fitted on the validation split's final-step logits, applied to every split. */
function calibrationStage(method: TrainConfig['calibration'], logits: Logits, validation: readonly Example[]): { calibration: Calibration; probs: Logits } {
  const calibration = fitCalibration(method, logits.validation, Float64Array.from(validation, (e) => e.label));
  return {
    calibration,
    probs: { train: calibrateAll(calibration, logits.train), validation: calibrateAll(calibration, logits.validation), test: calibrateAll(calibration, logits.test) },
  };
}

/**
 * Stage 9: the metrics file: the test split's evaluation (the validation split's beside it) and the loss-threshold
 * membership-inference attack on the calibrated model, training persons against test persons.
 */
function evaluationStage(resolved: ResolvedTrainConfig, splits: Splits, sets: PerSplit<Example[]>, probs: Logits, calibration: Calibration, truth: ReadonlyMap<string, number> | undefined): MetricsFile {
  const labels = (examples: readonly Example[]) => Float64Array.from(examples, (e) => e.label);
  return {
    schemaVersion: METRICS_SCHEMA_VERSION,
    splits: { train: { ...splits.counts.train }, validation: { ...splits.counts.validation }, test: { ...splits.counts.test } },
    test: evaluate(sets.test, probs.test, resolved, truth, resolved.seed),
    // The validation split's report is published only where its counts pass the disclosure rules (a small split
    // with one or two outcomes would show them); the card then shows the test split alone.
    ...(publishable(resolved.evaluation, splits.counts.validation) ? { validation: evaluate(sets.validation, probs.validation, resolved, truth, resolved.seed + 1) } : {}),
    calibration: { ...calibration },
    privacy: {
      membership: membershipAttack({
        memberProbs: probs.train,
        memberLabels: labels(sets.train),
        nonMemberProbs: probs.test,
        nonMemberLabels: labels(sets.test),
        bootstrapSamples: resolved.evaluation.bootstrapSamples,
        seed: resolved.seed + 2,
      }),
    },
  };
}

export async function trainPipeline(input: TrainInputs): Promise<TrainOutcome> {
  const { task, config } = input;
  const stage = input.onStage ?? (() => {});
  stage('building examples at the index date');
  const { counts, splits, sets } = await examplesStage(input);
  checkPublishable(task, config.evaluation, splits.counts.test, 'test');
  stage(`examples: ${counts.examples} (${counts.positives} with the outcome); train ${sets.train.length}, validation ${sets.validation.length}, test ${sets.test.length}`);
  const view = treatmentStage(config, task, input.catalogue, sets);
  const { resolvedConfig, prep } = preprocessingStage(config, task, view.base.train);
  const { weights, baseWeights } = weightsStage(config, sets.train, view, input.adjustmentWeights);
  const base = await baseModelStage(input, resolvedConfig, prep, view.base, baseWeights, stage);
  let { logits, trainingLog } = base;
  let effect: EffectModel | null = null;
  const sp = view.splits;
  if (input.catalogue !== undefined && sp.train !== null && sp.validation !== null && sp.test !== null) {
    const second = effectModelStage(config, input.catalogue, prep, sets, { train: sp.train, validation: sp.validation, test: sp.test }, logits, weights, stage);
    effect = second.effect;
    logits = second.logits;
    trainingLog = [...trainingLog, ...second.trainingLog];
  }
  stage(`calibrating (${config.calibration}) on the validation split and evaluating on the test split`);
  const { calibration, probs } = calibrationStage(config.calibration, logits, sets.validation);
  const metrics = evaluationStage(resolvedConfig, splits, sets, probs, calibration, input.truth);
  const network = base.model.kind === 'logreg' ? null : base.model.network;
  return {
    resolvedConfig,
    counts,
    splits,
    prep,
    calibration,
    model: base.model,
    effect,
    metrics,
    trainingLog,
    trainExamples: sets.train.map((e, i) => ({ path: e.path, outcome: e.label, predicted: probs.train[i] as number })),
    interrupted: base.interrupted,
    testPersons: new Set(sets.test.map((e) => e.personId)),
    dispose: () => network?.dispose(),
  };
}
