// The sequence-model training loop: seeded shuffled, length-bucketed batches, class weights, Adam (src/model
// createTrainer), early stopping on validation AUROC, a checkpoint after every evaluation round and resume after
// a kill. A round is one epoch, or a slice of one when the training split is larger than evaluateEveryExamples
// (Espoo scale), so early stopping and its patience are measured in examples seen rather than in passes.
import { join } from 'node:path';
import { createRng, shuffled } from '../util/random.js';
import { auroc } from '../evaluate/index.js';
import { type EncodedBatch, encodePaths } from '../features/preprocessing.js';
import type { Preprocessing } from '../schemas/fitted-models.js';
import type { Path } from '../schemas/path.js';
import {
  buildModel,
  createTrainer,
  type LayersModel,
  loadModelArtifacts,
  loadOptimizerState,
  predictLogits,
  saveModelArtifacts,
  saveOptimizerState,
  type SequenceBatch,
  type SequenceModelConfig,
} from '../model/index.js';
import { ServicepathError } from '../errors/index.js';
import { meanLogLoss } from './logreg.js';
import { type CheckpointState, type EpochLog, readCheckpointState, writeCheckpointState } from './checkpoint.js';
import { WeightAverage } from './weight-average.js';

/** A split encoded once: every row right-padded to the dataset's seqLen (its paths' last maxLen events). */
export interface SequenceData {
  encoded: EncodedBatch;
  labels: Float32Array;
  /** Per-example loss weights (class balance x adjustment), mean about 1. */
  weights: Float32Array;
}

export interface Progress {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  examplesPerSecond: number;
  /** Seconds left in this epoch. */
  etaSeconds: number;
}

interface SequenceTrainOptions {
  modelConfig: SequenceModelConfig;
  train: SequenceData;
  validation: SequenceData;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Factor on the learning rate after each round without improvement (1 = constant); see TrainConfig. */
  learningRateDecay?: number;
  /** Moving average of the weights for validation and the result (0 or absent = off); see TrainConfig.emaDecay. */
  emaDecay?: number;
  /** Evaluation rounds (see evaluateEveryExamples) without a better validation AUROC before stopping. */
  patience: number;
  lastStepWeight: number;
  seed: number;
  /**
   * Validate (and checkpoint) after about this many training examples: an epoch larger than this is cut into
   * ceil(n / evaluateEveryExamples) equal rounds. Default: once per epoch.
   */
  evaluateEveryExamples?: number;
  /** Batches per length bucket (see epochBatches); 1 = plain shuffled batches. Default BUCKET_BATCHES. */
  bucketBatches?: number;
  /** Where checkpoints go; none = no checkpoints (tests). */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir when there is one. */
  resume?: boolean;
  /** Identifies config + data; a checkpoint with another fingerprint is refused. */
  fingerprint?: string;
  /** Called on a freshly built model before training (not on resume, where the checkpoint holds the weights). */
  initialiseModel?: (model: LayersModel) => void;
  /** Stop (as if killed) after this epoch; for tests of resume. */
  stopAfterEpoch?: number;
  onProgress?: (p: Progress) => void;
  onEpoch?: (log: EpochLog) => void;
  /** Milliseconds since some origin; injected so tests never depend on the clock. */
  now?: () => number;
}

interface SequenceTrainResult {
  model: LayersModel;
  log: EpochLog[];
  bestEpoch: number;
  /** `interrupted` only with stopAfterEpoch. */
  stopped: 'early' | 'epochs' | 'interrupted';
}

type Weights = ReturnType<LayersModel['getWeights']>;

/**
 * Batches drawn per pool of this many batches are sorted by length before they are cut: a batch is trimmed to
 * its longest row, and with paths of ~80 events against a context of ~170 a shuffled batch of 128 is almost
 * always as long as the longest, so half its steps were padding. Within a pool the order is by length (ties
 * keep the shuffled order), the batches of the whole epoch are then shuffled, and each example is still seen
 * once per epoch. The loss is normalised by a dataset-wide constant (lossNormaliser), so sorting changes which
 * examples share a step, not how much each example's steps weigh.
 */
const BUCKET_BATCHES = 32;

/**
 * encodePaths over many paths, in chunks: one padded [n, maxLen] buffer, no per-call argument spread over all
 * rows (encodeWindows takes Math.max over its rows' lengths as arguments: 170,000 rows overflow the stack) and no
 * second full-size copy held at once. Row r equals encodePaths(prep, paths)'s row r (same encoding, same padding).
 */
export function encodeSequencePaths(prep: Preprocessing, paths: readonly Path[], chunk = 8192): EncodedBatch {
  const n = paths.length;
  const f = prep.stepFeatures.length;
  let seqLen = 1;
  for (const p of paths) seqLen = Math.max(seqLen, Math.min(p.events.length, prep.maxLen));
  const tokens = new Int32Array(n * seqLen);
  const feats = new Float32Array(n * seqLen * f);
  const lengths = new Int32Array(n);
  for (let start = 0; start < n; start += chunk) {
    const part = encodePaths(prep, paths.slice(start, start + chunk));
    for (let i = 0; i < part.batchSize; i++) {
      const len = part.lengths[i] as number;
      const r = start + i;
      lengths[r] = len;
      tokens.set(part.tokens.subarray(i * part.seqLen, i * part.seqLen + len), r * seqLen);
      feats.set(part.feats.subarray(i * part.seqLen * f, (i * part.seqLen + len) * f), r * seqLen * f);
    }
  }
  return { tokens, feats, lengths, batchSize: n, seqLen };
}

/** Rows of a dataset as a batch, trimmed to the longest row among them. */
export function gatherBatch(data: SequenceData, rows: readonly number[]): SequenceBatch {
  const { encoded } = data;
  const f = encoded.feats.length / (encoded.batchSize * encoded.seqLen);
  let seqLen = 1;
  for (const r of rows) seqLen = Math.max(seqLen, encoded.lengths[r] as number);
  const b = rows.length;
  const tokens = new Int32Array(b * seqLen);
  const feats = new Float32Array(b * seqLen * f);
  const lengths = new Int32Array(b);
  const labels = new Float32Array(b);
  const weights = new Float32Array(b);
  rows.forEach((r, i) => {
    const len = encoded.lengths[r] as number;
    lengths[i] = len;
    labels[i] = data.labels[r] as number;
    weights[i] = data.weights[r] as number;
    tokens.set(encoded.tokens.subarray(r * encoded.seqLen, r * encoded.seqLen + len), i * seqLen);
    feats.set(encoded.feats.subarray(r * encoded.seqLen * f, (r * encoded.seqLen + len) * f), i * seqLen * f);
  });
  return { tokens, feats, lengths, labels, weights, batchSize: b, seqLen };
}

/**
 * The epoch's batches: a seeded shuffle (seed, epoch), pools of `bucketBatches` batches sorted by length and cut,
 * then the batch order shuffled with the same stream. Depends only on (lengths, seed, epoch): resumable.
 */
export function epochBatches(lengths: Int32Array, batchSize: number, seed: number, epoch: number, bucketBatches = BUCKET_BATCHES): number[][] {
  const n = lengths.length;
  const rng = createRng(seed * 7919 + epoch);
  const order = shuffled(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
  const batches: number[][] = [];
  if (bucketBatches <= 1) {
    for (let s = 0; s < n; s += batchSize) batches.push(order.slice(s, s + batchSize));
    return batches;
  }
  const pool = batchSize * bucketBatches;
  for (let s = 0; s < n; s += pool) {
    const chunk = order.slice(s, s + pool).sort((a, b) => (lengths[a] as number) - (lengths[b] as number)); // stable
    for (let k = 0; k < chunk.length; k += batchSize) batches.push(chunk.slice(k, k + batchSize));
  }
  return shuffled(batches, rng);
}

/**
 * The loss divisor per example: the mean over the training split of w_i (len_i - 1 + lastStepWeight), the
 * expected per-example sum of step coefficients. A batch's loss is its weighted step sum / (rows x this), which
 * equals the old per-batch normalisation in expectation over shuffled batches, whatever the batch's lengths.
 */
export function lossNormaliser(data: SequenceData, lastStepWeight: number): number {
  const n = data.encoded.batchSize;
  let total = 0;
  for (let i = 0; i < n; i++) total += (data.weights[i] as number) * Math.max(0, (data.encoded.lengths[i] as number) - 1 + lastStepWeight);
  return n === 0 || total <= 0 ? 1 : total / n;
}

/** Logit at each example's last step (the index date): rows sorted by length, in chunks (little padding). */
export function finalStepLogits(model: LayersModel, data: Pick<SequenceData, 'encoded'> & Partial<SequenceData>, chunk = 512): Float64Array {
  const n = data.encoded.batchSize;
  const out = new Float64Array(n);
  const lengths = data.encoded.lengths;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (lengths[a] as number) - (lengths[b] as number) || a - b);
  const full: SequenceData = { encoded: data.encoded, labels: data.labels ?? new Float32Array(n), weights: data.weights ?? new Float32Array(n).fill(1) };
  for (let start = 0; start < n; start += chunk) {
    const rows = order.slice(start, start + chunk);
    const batch = gatherBatch(full, rows);
    const logits = predictLogits(model, batch);
    rows.forEach((r, i) => {
      out[r] = logits[i * batch.seqLen + (batch.lengths[i] as number) - 1] as number;
    });
  }
  return out;
}

/** A deep copy of the weights: clone() would share the buffers, which in-place kernels may later overwrite. */
function snapshot(model: LayersModel): Weights {
  return model.getWeights().map((t) => t.mul(1));
}

function disposeAll(weights: Weights | null): void {
  for (const t of weights ?? []) t.dispose();
}

async function restore(state: CheckpointState, dir: string, opts: SequenceTrainOptions) {
  const model = await loadModelArtifacts(join(dir, state.latestDir));
  const trainer = createTrainer(model, { learningRate: opts.learningRate, seed: opts.seed, lastStepWeight: opts.lastStepWeight });
  await loadOptimizerState(join(dir, state.latestDir), trainer.optimizer);
  const weightsOf = async (sub: string | null | undefined): Promise<Weights | null> => {
    if (sub === null || sub === undefined) return null;
    const saved = await loadModelArtifacts(join(dir, sub));
    const weights = snapshot(saved);
    saved.dispose();
    return weights;
  };
  const best = await weightsOf(state.bestDir);
  const averaged = await weightsOf(state.averageDir);
  return { model, trainer, best, averaged };
}

export async function trainSequenceModel(opts: SequenceTrainOptions): Promise<SequenceTrainResult> {
  const now = opts.now ?? (() => performance.now());
  const dir = opts.checkpointDir;
  const fingerprint = opts.fingerprint ?? 'none';
  const saved = dir !== undefined && opts.resume === true ? await readCheckpointState(dir, fingerprint) : null;
  let model: LayersModel;
  let trainer: ReturnType<typeof createTrainer>;
  let best: Weights | null = null;
  const state: CheckpointState = saved ?? {
    fingerprint,
    epochsDone: 0,
    latestDir: '',
    bestDir: null,
    bestEpoch: 0,
    bestValAuroc: null,
    epochsWithoutImprovement: 0,
    rng: { seed: opts.seed, nextEpoch: 1 },
    log: [],
  };
  let averaged: Weights | null = null;
  if (saved !== null && dir !== undefined) {
    ({ model, trainer, best, averaged } = await restore(saved, dir, opts));
  } else {
    model = buildModel(opts.modelConfig);
    opts.initialiseModel?.(model);
    trainer = createTrainer(model, { learningRate: opts.learningRate, seed: opts.seed, lastStepWeight: opts.lastStepWeight });
  }
  const emaDecay = opts.emaDecay ?? 0;
  if (emaDecay > 0 && saved !== null && saved.epochsDone > 0 && averaged === null) {
    throw new ServicepathError('TRAIN_CHECKPOINT_INVALID', { dir: dir ?? '', detail: 'it holds no weight average' });
  }
  const average = emaDecay > 0 ? new WeightAverage(model, emaDecay, averaged ?? undefined) : null;
  disposeAll(averaged);
  const n = opts.train.encoded.batchSize;
  // Rounds: one per epoch, or equal slices of an epoch when it is larger than evaluateEveryExamples.
  const roundsPerEpoch = Math.max(1, Math.ceil(n / Math.max(1, opts.evaluateEveryExamples ?? n)));
  const maxRounds = opts.epochs * roundsPerEpoch;
  const normaliser = lossNormaliser(opts.train, opts.lastStepWeight);
  let current = { epoch: 0, batches: [] as number[][] };
  let stopped: SequenceTrainResult['stopped'] = 'epochs';
  try {
    if (state.epochsWithoutImprovement >= opts.patience) stopped = 'early';
    for (let round = state.epochsDone + 1; round <= maxRounds && stopped === 'epochs'; round++) {
      const started = now();
      const epoch = Math.ceil(round / roundsPerEpoch);
      // Reduce on plateau: the base rate times the decay once per earlier round without improvement.
      const decay = opts.learningRateDecay ?? 1;
      const learningRate = opts.learningRate * decay ** state.log.filter((l) => !l.best).length;
      trainer.setLearningRate(learningRate);
      if (current.epoch !== epoch) current = { epoch, batches: epochBatches(opts.train.encoded.lengths, opts.batchSize, opts.seed, epoch, opts.bucketBatches) };
      const batches = current.batches;
      const part = (round - 1) % roundsPerEpoch;
      const from = Math.floor((part * batches.length) / roundsPerEpoch);
      const to = Math.floor(((part + 1) * batches.length) / roundsPerEpoch);
      let roundExamples = 0;
      for (let b = from; b < to; b++) roundExamples += (batches[b] as number[]).length;
      let lossSum = 0;
      let seen = 0;
      for (let b = from; b < to; b++) {
        const rows = batches[b] as number[];
        const loss = trainer.step({ ...gatherBatch(opts.train, rows), lossNormaliser: normaliser * rows.length });
        if (!Number.isFinite(loss)) throw new ServicepathError('TRAIN_DIVERGED', { epoch: round, loss: String(loss) });
        average?.update(trainer.optimizer.iterations);
        lossSum += loss * rows.length;
        seen += rows.length;
        const elapsed = Math.max(1e-9, (now() - started) / 1000);
        opts.onProgress?.({
          epoch,
          epochs: opts.epochs,
          batch: b + 1,
          batches: batches.length,
          examplesPerSecond: seen / elapsed,
          etaSeconds: (elapsed / seen) * (roundExamples - seen),
        });
      }
      const trainSeconds = Math.max(1e-9, (now() - started) / 1000);
      // With a weight average, validation, the best snapshot and the checkpoint's average see the average.
      average?.swapIn();
      const valLogits = finalStepLogits(model, opts.validation);
      const valAuroc = auroc(opts.validation.labels, valLogits);
      const improved = state.bestDir === null && best === null ? true : (valAuroc ?? -1) > (state.bestValAuroc ?? -1) + 1e-4;
      const entry: EpochLog = {
        epoch: round,
        trainLoss: lossSum / Math.max(1, seen),
        valLoss: meanLogLoss(opts.validation.labels, valLogits),
        valAuroc,
        seconds: (now() - started) / 1000,
        examplesPerSecond: seen / trainSeconds,
        best: improved,
        ...(decay < 1 ? { learningRate } : {}),
        ...(roundsPerEpoch > 1 ? { examplesSeen: (state.log[state.log.length - 1]?.examplesSeen ?? 0) + seen } : {}),
      };
      state.log.push(entry);
      state.epochsDone = round;
      state.rng.nextEpoch = round + 1;
      if (improved) {
        disposeAll(best);
        best = snapshot(model);
        state.bestEpoch = round;
        state.bestValAuroc = valAuroc;
        state.epochsWithoutImprovement = 0;
      } else {
        state.epochsWithoutImprovement += 1;
      }
      average?.swapOut();
      if (dir !== undefined) await checkpoint(dir, state, model, trainer.optimizer, improved, average);
      opts.onEpoch?.(entry);
      if (state.epochsWithoutImprovement >= opts.patience) stopped = 'early';
      if (opts.stopAfterEpoch !== undefined && round >= opts.stopAfterEpoch && round < maxRounds && stopped === 'epochs') {
        stopped = 'interrupted';
      }
    }
    if (best !== null && stopped !== 'interrupted') model.setWeights(best);
  } finally {
    disposeAll(best);
    average?.dispose();
    trainer.dispose();
  }
  return { model, log: state.log, bestEpoch: state.bestEpoch, stopped };
}

/**
 * Latest weights with Adam's state; the weight average when there is one; the best weights when they improved
 * (with a weight average the best weights are this round's average, so its folder is named best, not written twice).
 */
async function checkpoint(
  dir: string,
  state: CheckpointState,
  model: LayersModel,
  optimizer: ReturnType<typeof createTrainer>['optimizer'],
  improved: boolean,
  average: WeightAverage | null,
): Promise<void> {
  const obsolete = [state.latestDir, ...(improved && state.bestDir !== null ? [state.bestDir] : []), ...(average !== null ? [state.averageDir ?? ''] : [])].filter(
    (d) => d !== '',
  );
  const latest = `epoch-${state.epochsDone}`;
  await saveModelArtifacts(model, join(dir, latest));
  await saveOptimizerState(optimizer, join(dir, latest));
  state.latestDir = latest;
  if (average !== null) {
    const averageDir = `average-${state.epochsDone}`;
    average.swapIn();
    await saveModelArtifacts(model, join(dir, averageDir));
    average.swapOut();
    state.averageDir = averageDir;
    if (improved) state.bestDir = averageDir;
  } else if (improved) {
    const bestDir = `best-${state.epochsDone}`;
    await saveModelArtifacts(model, join(dir, bestDir));
    state.bestDir = bestDir;
  }
  await writeCheckpointState(dir, state, obsolete);
}
