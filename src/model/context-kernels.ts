// The time-decayed context of the minimal GRU's first layer as two fused kernels (forward and backward scan).
// One kernel runs every half-life of the layer and returns their sum. For one half-life: m_0 = 0, m_t = d_t ⊙ (m_{t-1} + x_{t-1}), with d_t = 2^(-|τ_t - τ_{t-1}| / halfLife), where
// τ is each step's time (a step feature, in its own units) and x the context rows of the steps' tokens. So m_t is
// the sum of the earlier steps' rows, each weighed by how long ago, in time, it happened: what the gates at step t
// see of the recent path. The gradient flows to x only (times are data): dx_t = G_t with G_{T-1} = 0 and
// G_t = d_{t+1} (dm_{t+1} + G_{t+1}).
import * as tf from '@tensorflow/tfjs';
import { allocFloat32, viewOf } from './backend-memory.js';

export const CONTEXT_SCAN = 'SpContextScan';
export const CONTEXT_SCAN_GRAD = 'SpContextScanGrad';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** The decay between step t-1 and t of every row: d[b*T + t] (d at t = 0 is unused). */
function decays(times: tf.TypedArray, batch: number, steps: number, halfLife: number): Float32Array {
  const d = new Float32Array(batch * steps);
  const k = -1 / halfLife;
  for (let i = 0; i < batch; i++) {
    for (let t = 1; t < steps; t++) {
      const r = i * steps + t;
      d[r] = 2 ** (k * Math.abs((times[r] as number) - (times[r - 1] as number)));
    }
  }
  return d;
}

function halfLivesOf(attrs: tf.NamedAttrMap | undefined): number[] {
  const halfLives = attrs?.halfLives;
  if (!Array.isArray(halfLives) || halfLives.length === 0) throw new Error(`${CONTEXT_SCAN}: attrs.halfLives must be a non-empty array`);
  return halfLives.map(Number);
}

/**
 * x [B,T,K*C] (per step, the K half-lives' rows side by side), times [B,T]; attrs.halfLives (K, time units)
 * -> the sum over the half-lives of m [B,T,C].
 */
export function contextScan({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo {
  const backend = b as tf.KernelBackend;
  const xInfo = inputs.x as tf.TensorInfo;
  const [batch, steps, wide] = xInfo.shape as [number, number, number];
  const halfLives = halfLivesOf(attrs);
  const K = halfLives.length;
  const width = wide / K;
  const out = allocFloat32(backend, [batch, steps, width]);
  const o = out.values;
  const times = viewOf(backend, inputs.times as tf.TensorInfo);
  const d = halfLives.map((hl) => decays(times, batch, steps, hl));
  const x = viewOf(backend, xInfo) as Float32Array;
  const m = new Float32Array(wide);
  for (let i = 0; i < batch; i++) {
    m.fill(0);
    for (let t = 1; t < steps; t++) {
      const r = i * steps + t;
      const p = (r - 1) * wide;
      const q = r * width;
      for (let k = 0; k < K; k++) {
        const dt = (d[k] as Float32Array)[r] as number;
        const mk = k * width;
        for (let j = 0; j < width; j++) {
          const v = dt * ((m[mk + j] as number) + (x[p + mk + j] as number));
          m[mk + j] = v;
          o[q + j] = (o[q + j] as number) + v;
        }
      }
    }
  }
  return out.info;
}

/** dm [B,T,C] (gradient of the summed context), times [B,T]; attrs.halfLives -> dx [B,T,K*C]. */
export function contextScanGrad({ inputs, backend: b, attrs }: KernelArgs): tf.TensorInfo {
  const backend = b as tf.KernelBackend;
  const dmInfo = inputs.dm as tf.TensorInfo;
  const [batch, steps, width] = dmInfo.shape as [number, number, number];
  const halfLives = halfLivesOf(attrs);
  const K = halfLives.length;
  const wide = K * width;
  const out = allocFloat32(backend, [batch, steps, wide]);
  const g = out.values;
  const times = viewOf(backend, inputs.times as tf.TensorInfo);
  const d = halfLives.map((hl) => decays(times, batch, steps, hl));
  const dm = viewOf(backend, dmInfo) as Float32Array;
  for (let i = 0; i < batch; i++) {
    for (let t = steps - 2; t >= 0; t--) {
      const r = i * steps + t;
      const n = (r + 1) * width;
      for (let k = 0; k < K; k++) {
        const dn = (d[k] as Float32Array)[r + 1] as number;
        const o = r * wide + k * width;
        const next = o + wide;
        for (let j = 0; j < width; j++) g[o + j] = dn * ((dm[n + j] as number) + (g[next + j] as number));
      }
    }
  }
  return out.info;
}

const fusedContextScan = (halfLives: number[]) =>
  tf.customGrad((...args: unknown[]) => {
    const [x, times, save] = args as [tf.Tensor3D, tf.Tensor2D, tf.GradSaveFunc];
    save([times]);
    return {
      value: tf.engine().runKernel(CONTEXT_SCAN, { x, times }, { halfLives }) as tf.Tensor3D,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const kept = saved[0] as tf.Tensor2D;
        return [tf.engine().runKernel(CONTEXT_SCAN_GRAD, { dm: dy as tf.Tensor, times: kept }, { halfLives }) as tf.Tensor, tf.zerosLike(kept)];
      },
    };
  }) as (x: tf.Tensor3D, times: tf.Tensor2D) => tf.Tensor3D;

/** Reference scan with stock ops and autodiff; used where the fused kernels are not registered. */
export function contextScanOps(x: tf.Tensor3D, times: tf.Tensor2D, halfLives: readonly number[]): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, steps, wide] = x.shape;
    const width = wide / halfLives.length;
    const gaps = tf.abs(tf.sub(tf.slice(times, [0, 1], [batch, steps - 1]), tf.slice(times, [0, 0], [batch, steps - 1])));
    let total: tf.Tensor = tf.zeros([batch, steps, width]);
    halfLives.forEach((halfLife, k) => {
      const d = tf.unstack(tf.expandDims(tf.pow(2, tf.div(tf.neg(gaps), halfLife)), 2), 1);
      const xs = tf.unstack(tf.slice(x, [0, 0, k * width], [batch, steps, width]), 1);
      let m: tf.Tensor = tf.zeros([batch, width]);
      const out: tf.Tensor[] = [m];
      for (let t = 1; t < steps; t++) {
        m = tf.mul(d[t - 1] as tf.Tensor, tf.add(m, xs[t - 1] as tf.Tensor));
        out.push(m);
      }
      total = tf.add(total, tf.stack(out, 1));
    });
    return total as tf.Tensor3D;
  });
}

/** x [B,T,K*C] (the steps' context rows, one block per half-life), times [B,T] -> [B,T,C], differentiable in x. */
export function contextScanOf(x: tf.Tensor3D, times: tf.Tensor2D, halfLives: readonly number[]): tf.Tensor3D {
  return tf.getKernel(CONTEXT_SCAN, tf.getBackend()) === undefined ? contextScanOps(x, times, halfLives) : fusedContextScan([...halfLives])(x, times);
}
