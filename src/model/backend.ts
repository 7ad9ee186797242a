// Picks and starts the TensorFlow.js backend: tfjs-node when it truly loads, else wasm (SIMD), else cpu.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { ServicepathError } from '../errors/index.js';
import { registerModelKernels } from './kernels.js';

const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
type BackendName = (typeof BACKEND_NAMES)[number];
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

const TFJS_NODE = '@tensorflow/tfjs-node';

/** The folder of the package that `@tensorflow/tfjs-node` resolves to from here; null when it is not installed. */
function tfjsNodeDir(): string | null {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve(`${TFJS_NODE}/package.json`));
  } catch {
    // A package whose "exports" hide package.json: walk up from its entry point.
  }
  let dir: string;
  try {
    dir = dirname(require.resolve(TFJS_NODE));
  } catch {
    return null;
  }
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  return dir;
}

/**
 * Why tfjs-node cannot load from `dir` (the folder `@tensorflow/tfjs-node` resolves to), or null when it can: the
 * real package with its native binding built. package.json's "overrides" alias the name to plain tfjs (danfojs-node
 * depends on tfjs-node, whose native build needs a download), and the alias has no binding.
 */
export function tfjsNodeProblem(dir: string | null): string | null {
  if (dir === null) return `${TFJS_NODE} is not installed`;
  let pkg: { name?: unknown; version?: unknown };
  try {
    pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch (err) {
    return `cannot read ${TFJS_NODE}'s package.json: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (pkg.name !== TFJS_NODE) {
    return `${TFJS_NODE} resolves to ${String(pkg.name)}@${String(pkg.version)} (an npm "overrides" alias in package.json), which has no native binding`;
  }
  const lib = join(dir, 'lib');
  const built = existsSync(lib) && readdirSync(lib).some((d) => d.startsWith('napi-v') && existsSync(join(lib, d, 'tfjs_binding.node')));
  return built ? null : `${TFJS_NODE}@${String(pkg.version)} is installed without its native binding (lib/napi-v*/tfjs_binding.node)`;
}

/** Why a backend cannot load here (null: it can be tried), found without importing anything. */
export type BackendProbe = (name: BackendName) => string | null;

/** wasm and cpu ship with servicepath; tensorflow needs the real tfjs-node package with its native binding. */
export const probeBackend: BackendProbe = (name) => (name === 'tensorflow' ? tfjsNodeProblem(tfjsNodeDir()) : null);

/**
 * The backends to try, in order: auto tries only those the probe lets load (tensorflow, wasm, cpu); an explicit
 * backend the probe rules out is MODEL_BACKEND_UNAVAILABLE with the probe's reason.
 */
export function planBackends(wanted: BackendPreference, probe: BackendProbe = probeBackend): BackendName[] {
  const candidates: BackendName[] = wanted === 'auto' ? [...BACKEND_NAMES] : [wanted];
  const order: BackendName[] = [];
  const problems: string[] = [];
  for (const name of candidates) {
    const problem = probe(name);
    if (problem === null) order.push(name);
    else problems.push(wanted === 'auto' ? `${name}: ${problem}` : problem);
  }
  if (order.length === 0) throw new ServicepathError('MODEL_BACKEND_UNAVAILABLE', { backend: wanted, reason: problems.join('; ') });
  return order;
}

/**
 * Imports tfjs-node (once the probe found the real package) by a computed name, so the code compiles without it.
 * Success means a registered 'tensorflow' backend, not a successful import.
 */
async function loadTfjsNode(): Promise<string | null> {
  const moduleName: string = TFJS_NODE;
  try {
    await import(moduleName);
  } catch (err) {
    return `cannot import ${moduleName}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return tf.findBackendFactory('tensorflow') === null ? `${moduleName} registered no 'tensorflow' backend` : null;
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

/**
 * Must be awaited before the first tensor op. Registers servicepath's kernels for the chosen backend; the result
 * names it (the bundle's manifest records it). `probe` says which backends can load (tests inject one).
 */
export async function selectBackend(preference: BackendPreference = 'auto', probe: BackendProbe = probeBackend): Promise<BackendInfo> {
  const wanted = resolvePreference(preference);
  const order = planBackends(wanted, probe);
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
