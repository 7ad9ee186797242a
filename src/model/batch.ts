// Batches as flat typed arrays, checked against their declared shape, and turned into tensors.
import * as tf from '@tensorflow/tfjs';
import { ServicepathError } from '../errors/index.js';

/** One training batch; tokens right-padded with 0, labels and weights per example. */
export interface SequenceBatch {
  tokens: Int32Array; // [B*T]
  feats: Float32Array; // [B*T*F]
  lengths: Int32Array; // [B], valid steps per example
  labels: Float32Array; // [B], 0 or 1
  weights: Float32Array; // [B], example weights (class balance)
  batchSize: number;
  seqLen: number;
  /** Divisor of the weighted step sum; default the batch's own coefficient sum (see stepCoefficients). */
  lossNormaliser?: number;
}
export type InputBatch = Omit<SequenceBatch, 'labels' | 'weights' | 'lossNormaliser'>;

function expectLength(name: string, actual: number, expected: number): void {
  if (actual !== expected) throw new ServicepathError('MODEL_BATCH_INVALID', { detail: `${name} has ${actual} values, expected ${expected}` });
}

/** Features per step the model expects (its second input's last axis). */
export function featureCount(model: tf.LayersModel): number {
  const featsInput = model.inputs[1];
  const width = featsInput?.shape[featsInput.shape.length - 1];
  if (typeof width !== 'number') throw new ServicepathError('MODEL_BATCH_INVALID', { detail: 'the model has no feats input' });
  return width;
}

export function checkInputBatch(model: tf.LayersModel, batch: InputBatch): number {
  const { batchSize: b, seqLen: t } = batch;
  if (!Number.isInteger(b) || !Number.isInteger(t) || b < 1 || t < 1) {
    throw new ServicepathError('MODEL_BATCH_INVALID', { detail: `batchSize ${b} and seqLen ${t} must be positive integers` });
  }
  const f = featureCount(model);
  expectLength('tokens', batch.tokens.length, b * t);
  expectLength('feats', batch.feats.length, b * t * f);
  expectLength('lengths', batch.lengths.length, b);
  return f;
}

export function checkBatch(model: tf.LayersModel, batch: SequenceBatch): void {
  checkInputBatch(model, batch);
  expectLength('labels', batch.labels.length, batch.batchSize);
  expectLength('weights', batch.weights.length, batch.batchSize);
}

/** Call inside tf.tidy. */
export function inputTensors(batch: InputBatch, numFeatures: number): [tf.Tensor2D, tf.Tensor3D] {
  const { batchSize: b, seqLen: t } = batch;
  return [tf.tensor2d(batch.tokens, [b, t], 'int32'), tf.tensor3d(batch.feats, [b, t, numFeatures], 'float32')];
}

/**
 * Per-step loss coefficients [B*T]: weight_b on valid steps (t < length_b), `lastStepWeight` times more
 * on each example's last valid step, normalised to sum to 1 so the loss is a weighted mean over steps, or divided
 * by `batch.lossNormaliser` when given (a dataset-wide constant, so length-sorted batches weigh steps alike).
 */
export function stepCoefficients(batch: SequenceBatch, lastStepWeight: number): Float32Array {
  const { batchSize: b, seqLen: t } = batch;
  const coef = new Float32Array(b * t);
  let total = 0;
  for (let i = 0; i < b; i++) {
    const len = Math.min(Math.max(batch.lengths[i] as number, 0), t);
    const w = batch.weights[i] as number;
    for (let s = 0; s < len; s++) {
      const c = s === len - 1 ? w * lastStepWeight : w;
      coef[i * t + s] = c;
      total += c;
    }
  }
  const divisor = batch.lossNormaliser !== undefined && batch.lossNormaliser > 0 ? batch.lossNormaliser : total;
  if (divisor > 0) for (let k = 0; k < coef.length; k++) coef[k] = (coef[k] as number) / divisor;
  return coef;
}
