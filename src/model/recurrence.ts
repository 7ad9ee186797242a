// The GRU recurrence over pre-projected inputs: h_t from x_t W + b (given) and h_{t-1} U + c.
// r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r ⊙ hn), h = (1 - z) ⊙ n + z ⊙ h_prev.
// Fast path: per step one matmul (XNNPACK on wasm) and one fused gate kernel, with a hand-written
// BPTT of the same shape; dU is one large matmul after the loop. Fallback: plain ops and autodiff.
import * as tf from '@tensorflow/tfjs';
import { GRU_CELL, GRU_CELL_GRAD } from './gru-cell-kernels.js';
import { columnSum, matMulT } from './linear.js';

/** projected [B,T,3H], recurrentKernel [H,3H], recurrentBias [3H] -> states [B,T,H]. */
export function gruRecurrence(
  projected: tf.Tensor3D,
  recurrentKernel: tf.Tensor2D,
  recurrentBias: tf.Tensor1D,
): tf.Tensor3D {
  const fused = tf.getKernel(GRU_CELL, tf.getBackend()) !== undefined;
  if (!fused) return gruRecurrenceOps(projected, recurrentKernel, recurrentBias);
  return fusedGru(projected, recurrentKernel, recurrentBias) as tf.Tensor3D;
}

const runKernel = (name: string, inputs: tf.NamedTensorMap, step: number): tf.Tensor[] =>
  tf.engine().runKernel(name, inputs, { step }) as unknown as tf.Tensor[];

const fusedGru = tf.customGrad((...args: unknown[]) => {
  const [projected, u, c, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  const [batch, steps] = projected.shape;
  const units = u.shape[0];
  const { states, saved } = tf.tidy(() => {
    const hs: tf.Tensor[] = [tf.zeros([batch, units])]; // hs[t] = state before step t
    const ghs: tf.Tensor[] = [];
    const gates: tf.Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      const h = hs[t] as tf.Tensor;
      const gh = tf.matMul(h, u);
      const [hNew, g] = runKernel(GRU_CELL, { projected, gh, h, c }, t) as [tf.Tensor, tf.Tensor];
      hs.push(hNew);
      ghs.push(gh);
      gates.push(g);
    }
    return { states: tf.stack(hs.slice(1), 1), saved: [...hs, ...ghs, ...gates] };
  });
  save([u, c, ...saved]);
  tf.dispose(saved); // save() kept its own clones
  const gradFunc = (dy: tf.Tensor | tf.Tensor[], kept: tf.Tensor[]): tf.Tensor[] =>
    tf.tidy(() => {
      const [uKept, cKept] = kept as [tf.Tensor2D, tf.Tensor1D];
      const hs = kept.slice(2, 3 + steps); // steps + 1 states, h_0 first
      const ghs = kept.slice(3 + steps, 3 + 2 * steps);
      const gates = kept.slice(3 + 2 * steps);
      const uT = tf.transpose(uKept); // [3H,H]: a plain (cached) weight for the per-step matmul
      const zeros = tf.zeros([batch, units]);
      let carryDirect: tf.Tensor = zeros;
      let carryRecurrent: tf.Tensor = zeros;
      const dxps: tf.Tensor[] = new Array(steps);
      const dghs: tf.Tensor[] = new Array(steps);
      for (let t = steps - 1; t >= 0; t--) {
        const [dxp, dgh, direct] = runKernel(GRU_CELL_GRAD, {
          dStates: dy as tf.Tensor,
          carryDirect,
          carryRecurrent,
          gates: gates[t] as tf.Tensor,
          gh: ghs[t] as tf.Tensor,
          h: hs[t] as tf.Tensor,
          c: cKept,
        }, t) as [tf.Tensor, tf.Tensor, tf.Tensor];
        dxps[t] = dxp;
        dghs[t] = dgh;
        carryDirect = direct;
        carryRecurrent = tf.matMul(dgh, uT);
      }
      // Σ_t h_{t-1}ᵀ dgh_t as one [H, T·B] x [T·B, 3H] product.
      const dghAll = tf.concat(dghs, 0) as tf.Tensor2D;
      const dU = matMulT(tf.concat(hs.slice(0, steps), 0) as tf.Tensor2D, dghAll, true);
      return [tf.stack(dxps, 1), dU, columnSum(dghAll)];
    });
  return { value: states, gradFunc };
});

/** Reference implementation with stock ops; used where the fused kernels are not registered. */
export function gruRecurrenceOps(projected: tf.Tensor3D, recurrentKernel: tf.Tensor2D, recurrentBias: tf.Tensor1D): tf.Tensor3D {
  const [batch, steps] = projected.shape;
  const units = recurrentKernel.shape[0];
  const inputs = tf.unstack(projected, 1);
  let h: tf.Tensor = tf.zeros([batch, units]);
  const states: tf.Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const [xr, xz, xn] = tf.split(inputs[t] as tf.Tensor, 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, recurrentKernel), recurrentBias), 3, 1) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    h = tf.add(n, tf.mul(z, tf.sub(h, n)));
    states.push(h);
  }
  return tf.stack(states, 1) as tf.Tensor3D;
}
