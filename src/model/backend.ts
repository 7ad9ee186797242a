// Picks and starts the TensorFlow.js backend: tfjs-node when it truly loads, else wasm (SIMD), else cpu.
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { ServicepathError } from '../errors/index.js';
import { registerModelKernels } from './kernels.js';

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendPreference = 'auto' | BackendName;

export interface BackendInfo {
  name: BackendName;
  tfjsVersion: string;
  backendVersion: string;
  simd?: boolean;
  threads?: number;
}

function isPreference(value: string): value is BackendPreference {
  return value === 'auto' || (BACKEND_NAMES as readonly string[]).includes(value);
}

/** An explicit argument wins over SERVICEPATH_BACKEND, which wins over auto. */
function resolvePreference(preference: string): BackendPreference {
  if (!isPreference(preference)) throw new ServicepathError('MODEL_BACKEND_INVALID', { backend: preference, source: 'argument' });
  if (preference !== 'auto') return preference;
  const fromEnv = process.env.SERVICEPATH_BACKEND;
  if (fromEnv === undefined || fromEnv === '') return 'auto';
  if (!isPreference(fromEnv)) throw new ServicepathError('MODEL_BACKEND_INVALID', { backend: fromEnv, source: 'SERVICEPATH_BACKEND' });
  return fromEnv;
}

/**
 * tfjs-node is optional: imported by a computed name so the code compiles and runs without it. The
 * package name can also resolve to plain tfjs (an npm override), so success means a registered
 * 'tensorflow' backend, not a successful import.
 */
async function loadTfjsNode(): Promise<string | null> {
  const moduleName = '@tensorflow/tfjs-node';
  try {
    await import(moduleName);
  } catch (err) {
    return `cannot import ${moduleName}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return tf.findBackendFactory('tensorflow') === null ? `${moduleName} resolves to a package without the native backend` : null;
}

async function start(name: BackendName): Promise<string | null> {
  if (name === 'tensorflow') {
    const problem = await loadTfjsNode();
    if (problem !== null) return problem;
  }
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name ? null : `tf.setBackend('${name}') returned false`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function describe(name: BackendName): Promise<BackendInfo> {
  const tfjsVersion = tf.version.tfjs;
  if (name === 'wasm') {
    const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
    return { name, tfjsVersion, backendVersion: version_wasm, simd, threads: getThreadsCount() };
  }
  if (name === 'cpu') return { name, tfjsVersion, backendVersion: tf.version['tfjs-backend-cpu'] ?? tfjsVersion };
  const versions = tf.version as Record<string, string | undefined>;
  return { name, tfjsVersion, backendVersion: versions['tfjs-node'] ?? tfjsVersion };
}

/** Must be awaited before the first tensor op. Registers servicepath's kernels for the chosen backend. */
export async function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  const wanted = resolvePreference(preference);
  const order: BackendName[] = wanted === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [wanted];
  const problems: string[] = [];
  for (const name of order) {
    const problem = await start(name);
    if (problem === null) {
      registerModelKernels(name);
      return describe(name);
    }
    problems.push(`${name}: ${problem}`);
  }
  throw new ServicepathError('MODEL_BACKEND_UNAVAILABLE', { backend: wanted, reason: problems.join('; ') });
}

/** Live tensors, for leak checks around training and prediction. */
export function tensorCount(): number {
  return tf.memory().numTensors;
}
