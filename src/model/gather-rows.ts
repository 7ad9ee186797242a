// Row gather (the embedding lookup) as a plain copy kernel: the wasm backend's GatherV2 took ~265 ms
// for 40,960 rows of 128 floats (one path's 640 variants), a row copy takes a few ms. The gradient is
// the scatter-add UnsortedSegmentSum that kernels.ts registers.
import * as tf from '@tensorflow/tfjs';
import { ServicepathError } from '../errors/index.js';
import { allocFloat32, viewOf } from './backend-memory.js';

export const GATHER_ROWS = 'SpGatherRows';

type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown };

/** table [V,W] float32, ids [N] int32 -> [N,W]; an id outside 0..V-1 is a bad batch. */
export function gatherRowsKernel({ inputs, backend: b }: KernelArgs): tf.TensorInfo {
  const backend = b as tf.KernelBackend;
  const tableInfo = inputs.table as tf.TensorInfo;
  const [rows, width] = tableInfo.shape as [number, number];
  const idsInfo = inputs.ids as tf.TensorInfo;
  const n = idsInfo.shape.reduce((a, d) => a * d, 1);
  // Allocate before taking views: growing the wasm heap detaches every view taken earlier.
  const out = allocFloat32(backend, [n, width]);
  const o = out.values;
  const table = viewOf(backend, tableInfo) as Float32Array;
  const ids = viewOf(backend, idsInfo);
  for (let r = 0; r < n; r++) {
    const id = ids[r] as number;
    if (!(id >= 0 && id < rows)) {
      throw new ServicepathError('MODEL_BATCH_INVALID', { detail: `token id ${id} is outside the vocabulary 0..${rows - 1}` });
    }
    o.set(table.subarray(id * width, id * width + width), r * width);
  }
  return out.info;
}

const fusedGather = tf.customGrad((...args: unknown[]) => {
  const [table, ids, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([ids]);
  const rows = table.shape[0];
  return {
    value: tf.engine().runKernel(GATHER_ROWS, { table, ids }) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const kept = saved[0] as tf.Tensor1D;
      return [tf.unsortedSegmentSum(dy as tf.Tensor2D, kept, rows), tf.zerosLike(kept)];
    },
  };
}) as (table: tf.Tensor2D, ids: tf.Tensor1D) => tf.Tensor2D;

/** table [V,W], ids [N] int32 -> table[ids] [N,W], differentiable in table. */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return tf.getKernel(GATHER_ROWS, tf.getBackend()) === undefined ? tf.gather(table, ids) : fusedGather(table, ids);
}
