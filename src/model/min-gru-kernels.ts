// The minimal GRU's recurrence as two fused kernels (TypedArray loops on the tensors' own memory, wasm
// heap or cpu arrays): one op for the whole forward scan over time and one for its backward scan.
// They take the gates already through the sigmoid (one vectorised backend op over [B,T,2H]: the JS
// loops then do no transcendental math, which V8 cannot vectorise and which cost 3-5x the scan itself).
// Layout of the 2H axis of `gates` [B,T,2H]: [z | s] with z = σ(a), s = σ(b); the candidate is
// c = 2s - 1 = tanh(b/2), and h_t = h_{t-1} + z_t ⊙ (c_t - h_{t-1}), h_0 = 0.
import type * as tf from '@tensorflow/tfjs';
import { allocFloat32, viewOf } from './backend-memory.js';

export const MIN_GRU_SCAN = 'SpMinGruScan';
export const MIN_GRU_SCAN_GRAD = 'SpMinGruScanGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** gates [B,T,2H] -> states [B,T,H]. O(B·T·H), one pass in memory order. */
export function minGruScan({ inputs, backend: b }: KernelArgs): tf.TensorInfo {
  const backend = b as tf.KernelBackend;
  const gatesInfo = inputs.gates as tf.TensorInfo;
  const [batch, steps, h2] = gatesInfo.shape as [number, number, number];
  const units = h2 >> 1;
  const out = allocFloat32(backend, [batch, steps, units]);
  scanForward(viewOf(backend, gatesInfo) as Float32Array, out.values, batch, steps, units);
  return out.info;
}

function scanForward(g: Float32Array, hs: Float32Array, batch: number, steps: number, units: number): void {
  const h2 = 2 * units;
  for (let i = 0; i < batch; i++) {
    const first = i * steps;
    for (let t = 0; t < steps; t++) {
      const row = first + t;
      const g0 = row * h2;
      const c0 = g0 + units;
      const s0 = row * units;
      if (t === 0) {
        for (let j = 0; j < units; j++) hs[s0 + j] = (g[g0 + j] as number) * (2 * (g[c0 + j] as number) - 1);
        continue;
      }
      const prev = s0 - units;
      for (let j = 0; j < units; j++) {
        const hp = hs[prev + j] as number;
        hs[s0 + j] = hp + (g[g0 + j] as number) * (2 * (g[c0 + j] as number) - 1 - hp);
      }
    }
  }
}

/**
 * Backward scan: dStates [B,T,H] (gradient from the outputs), gates [B,T,2H], states [B,T,H] ->
 * dProjected [B,T,2H], the gradient of the gates' pre-activations (the sigmoid's derivative included).
 * The carry d = ∂L/∂h_t runs from the last step back: d_t = dStates_t + (1 - z_{t+1}) d_{t+1}.
 */
export function minGruScanGrad({ inputs, backend: b }: KernelArgs): tf.TensorInfo {
  const backend = b as tf.KernelBackend;
  const gatesInfo = inputs.gates as tf.TensorInfo;
  const [batch, steps, h2] = gatesInfo.shape as [number, number, number];
  const units = h2 >> 1;
  const out = allocFloat32(backend, [batch, steps, h2]);
  scanBackward(
    viewOf(backend, inputs.dStates as tf.TensorInfo) as Float32Array,
    viewOf(backend, gatesInfo) as Float32Array,
    viewOf(backend, inputs.states as tf.TensorInfo) as Float32Array,
    out.values,
    batch,
    steps,
    units,
  );
  return out.info;
}

function scanBackward(
  dS: Float32Array,
  g: Float32Array,
  hs: Float32Array,
  dp: Float32Array,
  batch: number,
  steps: number,
  units: number,
): void {
  const h2 = 2 * units;
  const carry = new Float32Array(units);
  for (let i = 0; i < batch; i++) {
    carry.fill(0);
    for (let t = steps - 1; t >= 0; t--) {
      const row = i * steps + t;
      const g0 = row * h2;
      const c0 = g0 + units;
      const s0 = row * units;
      const prev = s0 - units;
      for (let j = 0; j < units; j++) {
        const z = g[g0 + j] as number;
        const s = g[c0 + j] as number;
        const hp = t === 0 ? 0 : (hs[prev + j] as number);
        const d = (carry[j] as number) + (dS[s0 + j] as number);
        dp[g0 + j] = d * (2 * s - 1 - hp) * z * (1 - z);
        dp[c0 + j] = 2 * d * z * s * (1 - s);
        carry[j] = d * (1 - z);
      }
    }
  }
}
