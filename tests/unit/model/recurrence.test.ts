// The fused GRU recurrence (kernels + hand-written BPTT) against the same math in stock ops and autodiff.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/model/index.js';
import { gruRecurrence, gruRecurrenceOps } from '../../../src/model/recurrence.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe.each(['wasm', 'cpu'] as const)('fused GRU recurrence on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it('matches the stock-op recurrence in value and in all three gradients', () => {
    const [b, t, h] = [3, 5, 4];
    const projected = tf.randomNormal([b, t, 3 * h], 0, 1, 'float32', 1) as tf.Tensor3D;
    const u = tf.randomNormal([h, 3 * h], 0, 0.5, 'float32', 2) as tf.Tensor2D;
    const c = tf.randomNormal([3 * h], 0, 0.5, 'float32', 3) as tf.Tensor1D;
    const probe = tf.randomNormal([b, t, h], 0, 1, 'float32', 4);
    const lossOf = (f: typeof gruRecurrence) => (p: tf.Tensor, uu: tf.Tensor, cc: tf.Tensor) =>
      tf.sum(tf.mul(f(p as tf.Tensor3D, uu as tf.Tensor2D, cc as tf.Tensor1D), probe));
    expect(maxAbsDiff(gruRecurrence(projected, u, c), gruRecurrenceOps(projected, u, c))).toBeLessThan(1e-4); // the kernels' sigmoid table is exact to 1.5e-6 per gate
    const fused = tf.grads(lossOf(gruRecurrence))([projected, u, c]);
    const reference = tf.grads(lossOf(gruRecurrenceOps))([projected, u, c]);
    for (let i = 0; i < 3; i++) {
      const scale = tf.tidy(() => tf.max(tf.abs(reference[i] as tf.Tensor)).dataSync()[0] as number);
      expect(scale).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(fused[i] as tf.Tensor, reference[i] as tf.Tensor)).toBeLessThan(1e-3 * Math.max(1, scale));
    }
  });
});
