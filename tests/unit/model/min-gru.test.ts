// The minimal GRU's fused scan kernels and row gather against the same math in stock ops and autodiff.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherRows } from '../../../src/model/gather-rows.js';
import { selectBackend, tensorCount } from '../../../src/model/index.js';
import { minGruScan, minGruScanOps } from '../../../src/model/min-gru.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe.each(['wasm', 'cpu'] as const)('minimal GRU kernels on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it('the fused scan matches the stock-op scan in value and gradient', () => {
    const before = tensorCount();
    tf.tidy(() => {
      const [b, t, h] = [3, 7, 5];
      const projected = tf.randomNormal([b, t, 2 * h], 0, 1.5, 'float32', 1) as tf.Tensor3D;
      const probe = tf.randomNormal([b, t, h], 0, 1, 'float32', 2);
      const fusedStates = minGruScan(projected);
      expect(maxAbsDiff(fusedStates, minGruScanOps(projected))).toBeLessThan(1e-5);
      // The state carries information forward: the last step depends on the first step's input.
      expect(tf.max(tf.abs(fusedStates)).dataSync()[0]).toBeGreaterThan(0.05);
      const lossOf = (f: typeof minGruScan) => (p: tf.Tensor) => tf.sum(tf.mul(f(p as tf.Tensor3D), probe));
      const fused = tf.grad(lossOf(minGruScan))(projected);
      const reference = tf.grad(lossOf(minGruScanOps))(projected);
      const scale = tf.max(tf.abs(reference)).dataSync()[0] as number;
      expect(scale).toBeGreaterThan(1e-2);
      expect(maxAbsDiff(fused, reference)).toBeLessThan(1e-4 * Math.max(1, scale));
      // Causality of the scan: an input at step 4 has no gradient from outputs before step 4.
      const early = tf.grad((p: tf.Tensor) => tf.sum(tf.slice(minGruScan(p as tf.Tensor3D), [0, 0, 0], [-1, 4, -1])))(projected);
      expect(tf.max(tf.abs(tf.slice(early, [0, 4, 0], [-1, -1, -1]))).dataSync()[0]).toBe(0);
    });
    expect(tensorCount()).toBe(before);
  });

  it('the row gather matches tf.gather in value and gradient, and rejects ids outside the table', () => {
    tf.tidy(() => {
      const table = tf.randomNormal([6, 4], 0, 1, 'float32', 3) as tf.Tensor2D;
      const ids = tf.tensor1d([5, 0, 2, 2, 5, 1], 'int32');
      expect(maxAbsDiff(gatherRows(table, ids), tf.gather(table, ids))).toBe(0);
      const weights = tf.randomNormal([6, 4], 0, 1, 'float32', 4);
      const g1 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(gatherRows(x as tf.Tensor2D, ids), weights)))(table);
      const g2 = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.gather(x, ids), weights)))(table);
      expect(maxAbsDiff(g1, g2)).toBeLessThan(1e-6);
      expect(() => gatherRows(table, tf.tensor1d([1, 6], 'int32'))).toThrow(/outside the vocabulary/);
    });
  });
});
