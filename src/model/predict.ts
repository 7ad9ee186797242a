// Inference: per-step logits for a batch of paths, all tensors released before returning.
import * as tf from '@tensorflow/tfjs';
import { checkInputBatch, type InputBatch, inputTensors } from './batch.js';

/** [B*T] per-step logits (row-major: example, then step). Steps at or past an example's length are padding. */
export function predictLogits(model: tf.LayersModel, batch: InputBatch): Float32Array {
  const numFeatures = checkInputBatch(model, batch);
  const logits = tf.tidy(() => model.apply(inputTensors(batch, numFeatures), { training: false }) as tf.Tensor);
  // Read outside tidy: tidy walks a returned TypedArray element by element (a Set insert per value), which
  // cost more than the forward pass itself for a batch of long rows.
  try {
    return new Float32Array(logits.dataSync());
  } finally {
    logits.dispose();
  }
}
