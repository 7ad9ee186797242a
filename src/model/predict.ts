// Inference: per-step logits for a batch of paths, all tensors released before returning.
import * as tf from '@tensorflow/tfjs';
import { checkInputBatch, type InputBatch, inputTensors } from './batch.js';

/** [B*T] per-step logits (row-major: example, then step). Steps at or past an example's length are padding. */
export function predictLogits(model: tf.LayersModel, batch: InputBatch): Float32Array {
  const numFeatures = checkInputBatch(model, batch);
  return tf.tidy(() => {
    const logits = model.apply(inputTensors(batch, numFeatures), { training: false }) as tf.Tensor;
    return new Float32Array(logits.dataSync());
  });
}
