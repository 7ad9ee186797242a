// Kernels servicepath registers at backend selection: plain TypedArray loops on the tensors' own memory,
// for ops the backends lack (UnsortedSegmentSum on wasm) or run slowly (the same op on cpu), and the
// fused GRU cell (gru-cell-kernels.ts) and the minimal GRU's scans (min-gru-kernels.ts).
import * as tf from '@tensorflow/tfjs';
import { allocFloat32, viewOf } from './backend-memory.js';
import { CONTEXT_SCAN, CONTEXT_SCAN_GRAD, contextScan, contextScanGrad } from './context-kernels.js';
import { GATHER_ROWS, gatherRowsKernel } from './gather-rows.js';
import { GRU_CELL, GRU_CELL_GRAD, gruCell, gruCellGrad } from './gru-cell-kernels.js';
import { MIN_GRU_SCAN, MIN_GRU_SCAN_GRAD, minGruScan, minGruScanGrad } from './min-gru-kernels.js';

type Backend = tf.KernelBackend;

/**
 * Scatter-add of rows into segments: O(rows x width). It is the gradient of tf.gather (Embedding).
 * wasm has no such kernel; cpu's stock one is O(segments x rows x width).
 */
function unsortedSegmentSum(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const backend = args.backend as Backend;
  const x = args.inputs.x as tf.TensorInfo;
  const ids = args.inputs.segmentIds as tf.TensorInfo;
  const numSegments = Number(args.attrs?.numSegments);
  // Output first: allocating can grow the wasm heap, which detaches every view taken before it.
  const out = allocFloat32(backend, [numSegments, ...x.shape.slice(ids.shape.length)]);
  const o = out.values;
  const xs = viewOf(backend, x);
  const segmentIds = viewOf(backend, ids);
  const rows = segmentIds.length;
  const width = rows === 0 ? 0 : xs.length / rows;
  for (let r = 0; r < rows; r++) {
    const s = segmentIds[r] as number;
    if (s < 0 || s >= numSegments) continue; // tf semantics: out-of-range ids are dropped
    const src = r * width;
    const dst = s * width;
    for (let j = 0; j < width; j++) o[dst + j] = (o[dst + j] as number) + (xs[src + j] as number);
  }
  return out.info;
}

const registered = new Set<string>();

/** Idempotent; replaces the stock kernel where one exists. Not for 'tensorflow' (native kernels are fine). */
export function registerModelKernels(backendName: string): void {
  if (backendName === 'tensorflow' || registered.has(backendName)) return;
  if (tf.getKernel('UnsortedSegmentSum', backendName) !== undefined) tf.unregisterKernel('UnsortedSegmentSum', backendName);
  tf.registerKernel({ kernelName: 'UnsortedSegmentSum', backendName, kernelFunc: unsortedSegmentSum as tf.KernelFunc });
  tf.registerKernel({ kernelName: GRU_CELL, backendName, kernelFunc: gruCell as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: GRU_CELL_GRAD, backendName, kernelFunc: gruCellGrad as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: GATHER_ROWS, backendName, kernelFunc: gatherRowsKernel as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: MIN_GRU_SCAN, backendName, kernelFunc: minGruScan as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: MIN_GRU_SCAN_GRAD, backendName, kernelFunc: minGruScanGrad as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: CONTEXT_SCAN, backendName, kernelFunc: contextScan as unknown as tf.KernelFunc });
  tf.registerKernel({ kernelName: CONTEXT_SCAN_GRAD, backendName, kernelFunc: contextScanGrad as unknown as tf.KernelFunc });
  registered.add(backendName);
}
