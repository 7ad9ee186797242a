// Saving and loading without tfjs-node: model.json + weights.bin through tf.io.withSaveHandler /
// tf.io.fromMemory (the standard tfjs layout), and Adam's state beside them for resuming.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ServicepathError } from '../errors/index.js';
import './gru.js'; // registers the custom layer classes the loader must know
import './min-gru.js';
import './step-logit.js';
import './transformer.js';

const MODEL_JSON = 'model.json';
const WEIGHTS_BIN = 'weights.bin';
const OPTIMIZER_JSON = 'optimizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';

function joinWeights(data: tf.io.WeightData | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  return tf.io.CompositeArrayBuffer.join(data);
}

function invalid(dir: string, detail: string, cause?: unknown): ServicepathError {
  return new ServicepathError('MODEL_ARTIFACTS_INVALID', { dir, detail }, { cause });
}

async function readJson(dir: string, file: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw invalid(dir, `${file} is missing or not JSON`, err);
  }
}

async function readBinary(dir: string, file: string): Promise<ArrayBuffer> {
  try {
    const bytes = await readFile(join(dir, file));
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  } catch (err) {
    throw invalid(dir, `${file} cannot be read`, err);
  }
}

/** Writes model.json and weights.bin (plus the optimizer files when asked); returns the names written. */
export async function saveModelArtifacts(
  model: tf.LayersModel,
  dir: string,
  opts: { includeOptimizer?: boolean; optimizer?: tf.Optimizer } = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
    }),
  );
  if (artifacts === undefined) throw invalid(dir, 'the model produced no artifacts');
  const modelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
  };
  await writeFile(join(dir, WEIGHTS_BIN), new Uint8Array(joinWeights(artifacts.weightData)));
  await writeFile(join(dir, MODEL_JSON), `${JSON.stringify(modelJson)}\n`);
  const written = [MODEL_JSON, WEIGHTS_BIN];
  if (opts.includeOptimizer === true) {
    if (opts.optimizer === undefined) throw invalid(dir, 'includeOptimizer needs the optimizer');
    written.push(...(await saveOptimizerState(opts.optimizer, dir)));
  }
  return written;
}

export async function loadModelArtifacts(dir: string): Promise<tf.LayersModel> {
  const json = await readJson(dir, MODEL_JSON);
  const manifest = json.weightsManifest as tf.io.WeightsManifestConfig | undefined;
  if (json.modelTopology === undefined || !Array.isArray(manifest)) throw invalid(dir, `${MODEL_JSON} lacks modelTopology or weightsManifest`);
  const weightSpecs = manifest.flatMap((group) => group.weights);
  const buffers: ArrayBuffer[] = [];
  for (const group of manifest) for (const path of group.paths) buffers.push(await readBinary(dir, path));
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology as object, weightSpecs, weightData: tf.io.CompositeArrayBuffer.join(buffers) }),
    );
  } catch (err) {
    throw invalid(dir, 'the topology or weights do not load', err);
  }
}

/** Adam's iteration count and moments, in getWeights() order (setWeights matches by position). */
export async function saveOptimizerState(optimizer: tf.Optimizer, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const named = await optimizer.getWeights();
  const { data, specs } = await tf.io.encodeWeights(named);
  // getWeights() makes a fresh 'iter' scalar each call; the moments are the optimizer's own variables.
  for (const n of named) if (n.name === 'iter') n.tensor.dispose();
  const meta = { className: optimizer.getClassName(), config: optimizer.getConfig(), weightSpecs: specs };
  await writeFile(join(dir, OPTIMIZER_BIN), new Uint8Array(data));
  await writeFile(join(dir, OPTIMIZER_JSON), `${JSON.stringify(meta)}\n`);
  return [OPTIMIZER_JSON, OPTIMIZER_BIN];
}

/** Restores state written by saveOptimizerState into a fresh optimizer of the same class. */
export async function loadOptimizerState(dir: string, optimizer: tf.Optimizer): Promise<void> {
  const meta = await readJson(dir, OPTIMIZER_JSON);
  const specs = meta.weightSpecs as tf.io.WeightsManifestEntry[] | undefined;
  if (!Array.isArray(specs) || meta.className !== optimizer.getClassName()) {
    throw invalid(dir, `${OPTIMIZER_JSON} holds no ${optimizer.getClassName()} state`);
  }
  const decoded = tf.io.decodeWeights(await readBinary(dir, OPTIMIZER_BIN), specs);
  const list = specs.map((s) => ({ name: s.name, tensor: decoded[s.name] as tf.Tensor }));
  try {
    await optimizer.setWeights(list);
  } finally {
    for (const t of Object.values(decoded)) t.dispose(); // setWeights copied them into variables
  }
}
