// y = x W + b for 2-D x with a hand-written gradient. On wasm the stock matmul gradient uses
// transposed-operand products that run 10-20x slower than plain ones, and bias gradients reduce
// over axis 0 slowly; here every product is plain (explicit transposes) and column sums are matmuls.
import * as tf from '@tensorflow/tfjs';

/** Σ over rows of a [N,K] matrix as a [1,N] x [N,K] product. */
export function columnSum(x: tf.Tensor2D): tf.Tensor1D {
  const [rows, cols] = x.shape;
  return tf.reshape(tf.matMul(tf.ones([1, rows]), x), [cols]);
}

/** Plain product a bᵀ / aᵀ b via an explicit transpose. */
export const matMulT = (a: tf.Tensor2D, b: tf.Tensor2D, transposeA: boolean): tf.Tensor2D =>
  transposeA ? tf.matMul(tf.transpose(a), b) : tf.matMul(a, tf.transpose(b));

export const linear = tf.customGrad((...args: unknown[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [matMulT(g, ws, false), matMulT(xs, g, true), columnSum(g)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** y = x W (no bias) with the same plain-product gradient as `linear`. */
export const product = tf.customGrad((...args: unknown[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D;
      return [matMulT(g, ws, false), matMulT(xs, g, true)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;
