// Backend-neutral access to a tensor's memory for servicepath's kernels: a view of the wasm heap or
// the cpu backend's array, without copying.
import type * as tf from '@tensorflow/tfjs';

type Backend = tf.KernelBackend;

/** Minimal views of the two pure backends' storage, typed here so kernels stay backend-neutral. */
interface WasmLike {
  typedArrayFromHeap(info: tf.TensorInfo): tf.TypedArray;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
interface CpuLike {
  data: { get(dataId: tf.DataId): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: tf.TypedArray): tf.TensorInfo;
}

function isWasm(backend: Backend): backend is Backend & WasmLike {
  return typeof (backend as Partial<WasmLike>).typedArrayFromHeap === 'function';
}

/** The tensor's values without a copy (wasm heap view or cpu array). */
export function viewOf(backend: Backend, info: tf.TensorInfo): tf.TypedArray {
  if (isWasm(backend)) return backend.typedArrayFromHeap(info);
  const values = (backend as unknown as CpuLike).data.get(info.dataId).values;
  if (values === undefined) throw new Error('tensor has no values on this backend');
  return values as tf.TypedArray;
}

/** A new float32 output and a writable view of its (zero-filled) memory. */
export function allocFloat32(backend: Backend, shape: number[]): { info: tf.TensorInfo; values: Float32Array } {
  if (isWasm(backend)) {
    const info = backend.makeOutput(shape, 'float32');
    const values = backend.typedArrayFromHeap(info) as Float32Array;
    values.fill(0);
    return { info, values };
  }
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  return { info: (backend as unknown as CpuLike).makeTensorInfo(shape, 'float32', values), values };
}
