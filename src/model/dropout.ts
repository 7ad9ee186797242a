// Seeded dropout for servicepath's layers: the mask depends on (seed, training step, layer), so runs repeat.
import * as tf from '@tensorflow/tfjs';

/** Implemented by layers that drop out; the trainer moves the clock once per step. */
export interface SeededDropout {
  dropoutClock: number;
}

export function hasSeededDropout(layer: unknown): layer is SeededDropout {
  return typeof layer === 'object' && layer !== null && 'dropoutClock' in layer;
}

export function seededDropout(x: tf.Tensor, rate: number, seed: number, clock: number, training: boolean): tf.Tensor {
  if (!training || rate <= 0) return x;
  // Large odd multipliers keep (seed, clock) pairs from colliding for realistic step counts.
  return tf.dropout(x, rate, undefined, (seed * 1_000_003 + clock * 7_919) % 2_147_483_647);
}
