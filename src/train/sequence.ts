// The sequence-model training loop: seeded shuffled batches, class weights, Adam (src/model createTrainer),
// early stopping on validation AUROC, a checkpoint after every epoch and resume after a kill.
import { join } from 'node:path';
import { createRng, shuffled } from '../cohort/rng.js';
import { auroc } from '../evaluate/index.js';
import type { EncodedBatch } from '../features/preprocessing.js';
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

export interface SequenceTrainOptions {
  modelConfig: SequenceModelConfig;
  train: SequenceData;
  validation: SequenceData;
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  lastStepWeight: number;
  seed: number;
  /** Where checkpoints go; none = no checkpoints (tests). */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir when there is one. */
  resume?: boolean;
  /** Identifies config + data; a checkpoint with another fingerprint is refused. */
  fingerprint?: string;
  /** Stop (as if killed) after this epoch; for tests of resume. */
  stopAfterEpoch?: number;
  onProgress?: (p: Progress) => void;
  onEpoch?: (log: EpochLog) => void;
  /** Milliseconds since some origin; injected so tests never depend on the clock. */
  now?: () => number;
}

export interface SequenceTrainResult {
  model: LayersModel;
  log: EpochLog[];
  bestEpoch: number;
  /** `interrupted` only with stopAfterEpoch. */
  stopped: 'early' | 'epochs' | 'interrupted';
}

type Weights = ReturnType<LayersModel['getWeights']>;

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

/** Logit at each example's last step (the index date), in chunks. */
export function finalStepLogits(model: LayersModel, data: Pick<SequenceData, 'encoded'> & Partial<SequenceData>, chunk = 512): Float64Array {
  const n = data.encoded.batchSize;
  const out = new Float64Array(n);
  const full: SequenceData = { encoded: data.encoded, labels: data.labels ?? new Float32Array(n), weights: data.weights ?? new Float32Array(n).fill(1) };
  for (let start = 0; start < n; start += chunk) {
    const rows = Array.from({ length: Math.min(chunk, n - start) }, (_, i) => start + i);
    const batch = gatherBatch(full, rows);
    const logits = predictLogits(model, batch);
    rows.forEach((_, i) => {
      out[start + i] = logits[i * batch.seqLen + (batch.lengths[i] as number) - 1] as number;
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
  let best: Weights | null = null;
  if (state.bestDir !== null) {
    const bestModel = await loadModelArtifacts(join(dir, state.bestDir));
    best = snapshot(bestModel);
    bestModel.dispose();
  }
  return { model, trainer, best };
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
  if (saved !== null && dir !== undefined) {
    ({ model, trainer, best } = await restore(saved, dir, opts));
  } else {
    model = buildModel(opts.modelConfig);
    trainer = createTrainer(model, { learningRate: opts.learningRate, seed: opts.seed, lastStepWeight: opts.lastStepWeight });
  }
  const n = opts.train.encoded.batchSize;
  const batches = Math.ceil(n / opts.batchSize);
  const all = Array.from({ length: n }, (_, i) => i);
  let stopped: SequenceTrainResult['stopped'] = 'epochs';
  try {
    if (state.epochsWithoutImprovement >= opts.patience) stopped = 'early';
    for (let epoch = state.epochsDone + 1; epoch <= opts.epochs && stopped === 'epochs'; epoch++) {
      const started = now();
      const order = shuffled(all, createRng(opts.seed * 7919 + epoch));
      let lossSum = 0;
      for (let b = 0; b < batches; b++) {
        const rows = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
        const loss = trainer.step(gatherBatch(opts.train, rows));
        if (!Number.isFinite(loss)) throw new ServicepathError('TRAIN_DIVERGED', { epoch, loss: String(loss) });
        lossSum += loss * rows.length;
        const elapsed = Math.max(1e-9, (now() - started) / 1000);
        const done = Math.min(n, (b + 1) * opts.batchSize);
        opts.onProgress?.({ epoch, epochs: opts.epochs, batch: b + 1, batches, examplesPerSecond: done / elapsed, etaSeconds: (elapsed / done) * (n - done) });
      }
      const trainSeconds = Math.max(1e-9, (now() - started) / 1000);
      const valLogits = finalStepLogits(model, opts.validation);
      const valAuroc = auroc(opts.validation.labels, valLogits);
      const improved = state.bestDir === null && best === null ? true : (valAuroc ?? -1) > (state.bestValAuroc ?? -1) + 1e-4;
      const entry: EpochLog = {
        epoch,
        trainLoss: lossSum / n,
        valLoss: meanLogLoss(opts.validation.labels, valLogits),
        valAuroc,
        seconds: (now() - started) / 1000,
        examplesPerSecond: n / trainSeconds,
        best: improved,
      };
      state.log.push(entry);
      state.epochsDone = epoch;
      state.rng.nextEpoch = epoch + 1;
      if (improved) {
        disposeAll(best);
        best = snapshot(model);
        state.bestEpoch = epoch;
        state.bestValAuroc = valAuroc;
        state.epochsWithoutImprovement = 0;
      } else {
        state.epochsWithoutImprovement += 1;
      }
      if (dir !== undefined) await checkpoint(dir, state, model, trainer.optimizer, improved);
      opts.onEpoch?.(entry);
      if (state.epochsWithoutImprovement >= opts.patience) stopped = 'early';
      if (opts.stopAfterEpoch !== undefined && epoch >= opts.stopAfterEpoch && epoch < opts.epochs && stopped === 'epochs') {
        stopped = 'interrupted';
      }
    }
    if (best !== null && stopped !== 'interrupted') model.setWeights(best);
  } finally {
    disposeAll(best);
    trainer.dispose();
  }
  return { model, log: state.log, bestEpoch: state.bestEpoch, stopped };
}

async function checkpoint(
  dir: string,
  state: CheckpointState,
  model: LayersModel,
  optimizer: ReturnType<typeof createTrainer>['optimizer'],
  improved: boolean,
): Promise<void> {
  const obsolete = [state.latestDir, ...(improved && state.bestDir !== null ? [state.bestDir] : [])].filter((d) => d !== '');
  const latest = `epoch-${state.epochsDone}`;
  await saveModelArtifacts(model, join(dir, latest));
  await saveOptimizerState(optimizer, join(dir, latest));
  state.latestDir = latest;
  if (improved) {
    const bestDir = `best-${state.epochsDone}`;
    await saveModelArtifacts(model, join(dir, bestDir));
    state.bestDir = bestDir;
  }
  await writeCheckpointState(dir, state, obsolete);
}
