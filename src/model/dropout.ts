// Seeded dropout for servicepath's layers: the mask depends on (seed, training step, layer), so runs repeat.
// The mask is drawn in one TypedArray loop (mulberry32 seeded through splitmix32) rather than through
// tf.dropout: tfjs draws its uniforms one by one through seedrandom's alea in JavaScript, which took ~20% of a
// training step of the default model ([128, 174, 64] states). Same distribution (keep with 1 - rate, scale
// 1 / (1 - rate)), different stream.
import * as tf from '@tensorflow/tfjs';

/** Implemented by layers that drop out; the trainer moves the clock once per step. */
export interface SeededDropout {
  dropoutClock: number;
}

export function hasSeededDropout(layer: unknown): layer is SeededDropout {
  return typeof layer === 'object' && layer !== null && 'dropoutClock' in layer;
}

/** Inverted-dropout mask: 1 / (1 - rate) with probability 1 - rate, else 0; a pure function of (size, rate, seed). */
export function dropoutMask(size: number, rate: number, seed: number): Float32Array {
  const keep = 1 - rate;
  const scale = 1 / keep;
  const threshold = keep * 4294967296;
  const mask = new Float32Array(size);
  // splitmix32 of the seed, then mulberry32.
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  let a = (z ^ (z >>> 16)) | 0;
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    if ((t ^ (t >>> 14)) >>> 0 < threshold) mask[i] = scale;
  }
  return mask;
}

export function seededDropout(x: tf.Tensor, rate: number, seed: number, clock: number, training: boolean): tf.Tensor {
  if (!training || rate <= 0) return x;
  // Large odd multipliers keep (seed, clock) pairs from colliding for realistic step counts.
  const streamSeed = (seed * 1_000_003 + clock * 7_919) % 2_147_483_647;
  const apply = tf.customGrad((...args: unknown[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const mask = tf.tensor(dropoutMask(input.size, rate, streamSeed), input.shape, 'float32');
    save([mask]);
    return {
      value: tf.mul(input, mask),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => [tf.mul(dy as tf.Tensor, saved[0] as tf.Tensor)],
    };
  }) as (input: tf.Tensor) => tf.Tensor;
  return apply(x);
}
