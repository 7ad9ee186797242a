// Fused GRU gate kernels in plain TypedArray loops, registered for wasm and cpu: one op per step for
// all the gate arithmetic (stock layers issue about a dozen small ops per step), forward and backward.
// Layout of the 3H axis: [r | z | n]. gh = h_prev U (no bias); c is the recurrent bias.
import type * as tf from '@tensorflow/tfjs';
import { allocFloat32, viewOf } from './backend-memory.js';

export const GRU_CELL = 'SpGruCell';
export const GRU_CELL_GRAD = 'SpGruCellGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

// Sigmoid from a table on [-16, 16] at 1/128 steps with linear interpolation: max error 1.5e-6 (below
// what float32 training notices) and about 3.5x faster than Math.exp here, which dominated the kernel.
const SIG_RANGE = 16;
const SIG_STEPS = 128;
const SIG_LAST = 2 * SIG_RANGE * SIG_STEPS;
const SIG_TABLE = new Float64Array(SIG_LAST + 2).map((_, i) => 1 / (1 + Math.exp(-(i / SIG_STEPS - SIG_RANGE))));

function sigmoid(x: number): number {
  const u = (x + SIG_RANGE) * SIG_STEPS;
  if (!(u > 0)) return u <= 0 ? (SIG_TABLE[0] as number) : u; // u is NaN: let it propagate
  if (u >= SIG_LAST) return SIG_TABLE[SIG_LAST] as number;
  const i = u | 0;
  const lo = SIG_TABLE[i] as number;
  return lo + (u - i) * ((SIG_TABLE[i + 1] as number) - lo);
}
const tanh = (x: number): number => 2 * sigmoid(2 * x) - 1;

/**
 * Inputs projected [B,T,3H] (x W + b, read at attrs.step in place: slicing per step costs more than the
 * gate math), gh [B,3H], h [B,H], c [3H] -> h_new [B,H], gates [B,3H] = (r, z, n).
 */
export function gruCell({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as tf.KernelBackend;
  const hInfo = inputs.h as tf.TensorInfo;
  const [batch, units] = hInfo.shape as [number, number];
  const projected = inputs.projected as tf.TensorInfo;
  const steps = projected.shape[1] as number;
  const step = Number(attrs?.step);
  // Outputs first: allocating can grow the wasm heap, which detaches every view taken before it.
  const hOut = allocFloat32(backend, [batch, units]);
  const gOut = allocFloat32(backend, [batch, 3 * units]);
  const hNew = viewOf(backend, hOut.info) as Float32Array;
  const gates = gOut.values;
  const xp = viewOf(backend, projected);
  const gh = viewOf(backend, inputs.gh as tf.TensorInfo);
  const h = viewOf(backend, hInfo);
  const c = viewOf(backend, inputs.c as tf.TensorInfo);
  const h3 = 3 * units;
  for (let i = 0; i < batch; i++) {
    const g0 = i * h3;
    const x0 = (i * steps + step) * h3 - g0; // offset of this example's step in projected, relative to g0
    const s0 = i * units;
    for (let j = 0; j < units; j++) {
      const ir = g0 + j;
      const iz = ir + units;
      const inn = iz + units;
      const r = sigmoid((xp[x0 + ir] as number) + (gh[ir] as number) + (c[j] as number));
      const z = sigmoid((xp[x0 + iz] as number) + (gh[iz] as number) + (c[j + units] as number));
      const n = tanh((xp[x0 + inn] as number) + r * ((gh[inn] as number) + (c[j + 2 * units] as number)));
      const hp = h[s0 + j] as number;
      hNew[s0 + j] = n + z * (hp - n);
      gates[ir] = r;
      gates[iz] = z;
      gates[inn] = n;
    }
  }
  return [hOut.info, gOut.info];
}

/**
 * One step of backpropagation through time. dh = dStates[:, step] + carryDirect + carryRecurrent (the gradient
 * arriving from the output at this step and from step t+1). Outputs: dxp [B,3H] (pre-activation
 * gradients, also the input projection's), dgh [B,3H] (gradient of h_prev U + c), and z ⊙ dh [B,H]
 * (the direct path to h_prev; the recurrent path is dgh Uᵀ, one matmul outside).
 */
export function gruCellGrad({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo[] {
  const backend = b as tf.KernelBackend;
  const hInfo = inputs.h as tf.TensorInfo;
  const [batch, units] = hInfo.shape as [number, number];
  const dStates = inputs.dStates as tf.TensorInfo; // [B,T,H], read at attrs.step in place
  const steps = dStates.shape[1] as number;
  const step = Number(attrs?.step);
  // Outputs first: allocating can grow the wasm heap, which detaches every view taken before it.
  const dxpOut = allocFloat32(backend, [batch, 3 * units]);
  const dghOut = allocFloat32(backend, [batch, 3 * units]);
  const directOut = allocFloat32(backend, [batch, units]);
  const dxp = viewOf(backend, dxpOut.info) as Float32Array;
  const dgh = viewOf(backend, dghOut.info) as Float32Array;
  const direct = directOut.values;
  const dS = viewOf(backend, dStates);
  const carryDirect = viewOf(backend, inputs.carryDirect as tf.TensorInfo);
  const carryRecurrent = viewOf(backend, inputs.carryRecurrent as tf.TensorInfo);
  const gates = viewOf(backend, inputs.gates as tf.TensorInfo);
  const gh = viewOf(backend, inputs.gh as tf.TensorInfo);
  const h = viewOf(backend, hInfo);
  const c = viewOf(backend, inputs.c as tf.TensorInfo);
  const h3 = 3 * units;
  for (let i = 0; i < batch; i++) {
    const g0 = i * h3;
    const s0 = i * units;
    for (let j = 0; j < units; j++) {
      const s = s0 + j;
      const ir = g0 + j;
      const iz = ir + units;
      const inn = iz + units;
      const dh = (dS[(i * steps + step) * units + j] as number) + (carryDirect[s] as number) + (carryRecurrent[s] as number);
      const r = gates[ir] as number;
      const z = gates[iz] as number;
      const n = gates[inn] as number;
      const hn = (gh[inn] as number) + (c[j + 2 * units] as number);
      const dnPre = dh * (1 - z) * (1 - n * n);
      const drPre = dnPre * hn * r * (1 - r);
      const dzPre = dh * ((h[s] as number) - n) * z * (1 - z);
      dxp[ir] = drPre;
      dxp[iz] = dzPre;
      dxp[inn] = dnPre;
      dgh[ir] = drPre;
      dgh[iz] = dzPre;
      dgh[inn] = dnPre * r;
      direct[s] = dh * z;
    }
  }
  return [dxpOut.info, dghOut.info, directOut.info];
}
