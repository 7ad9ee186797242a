import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type BackendProbe, planBackends, probeBackend, tfjsNodeProblem } from '../../../src/model/backend.js';
import { selectBackend } from '../../../src/model/index.js';

const savedEnv = process.env.SERVICEPATH_BACKEND;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.SERVICEPATH_BACKEND;
  else process.env.SERVICEPATH_BACKEND = savedEnv;
});

describe('selectBackend', () => {
  it('auto picks wasm with SIMD here (tfjs-node is not truly installed) and reports versions', async () => {
    delete process.env.SERVICEPATH_BACKEND;
    const info = await selectBackend('auto');
    expect(info.name).toBe('wasm');
    expect(info.tfjsVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.backendVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof info.simd).toBe('boolean');
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  it('honours an explicit argument, then SERVICEPATH_BACKEND', async () => {
    process.env.SERVICEPATH_BACKEND = 'wasm';
    expect((await selectBackend('cpu')).name).toBe('cpu');
    expect((await selectBackend('auto')).name).toBe('wasm');
    process.env.SERVICEPATH_BACKEND = 'cpu';
    const cpu = await selectBackend('auto');
    expect(cpu).toMatchObject({ name: 'cpu' });
    expect(cpu.simd).toBeUndefined();
  });

  it('rejects unknown names and reports an unavailable tensorflow backend', async () => {
    process.env.SERVICEPATH_BACKEND = 'gpu';
    await expect(selectBackend('auto')).rejects.toMatchObject({ code: 'MODEL_BACKEND_INVALID' });
    await expect(selectBackend('webgpu' as 'cpu')).rejects.toMatchObject({ code: 'MODEL_BACKEND_INVALID' });
    delete process.env.SERVICEPATH_BACKEND;
    await expect(selectBackend('tensorflow')).rejects.toMatchObject({ code: 'MODEL_BACKEND_UNAVAILABLE' });
  });

  it('with an injected probe: auto skips what cannot load; an explicit backend that cannot is an error naming why', async () => {
    delete process.env.SERVICEPATH_BACKEND;
    const noCpu: BackendProbe = (name) => (name === 'cpu' || name === 'tensorflow' ? `${name} ruled out (test)` : null);
    expect((await selectBackend('auto', noCpu)).name).toBe('wasm');
    const onlyCpu: BackendProbe = (name) => (name === 'cpu' ? null : `${name} ruled out (test)`);
    expect((await selectBackend('auto', onlyCpu)).name).toBe('cpu');
    await expect(selectBackend('wasm', onlyCpu)).rejects.toMatchObject({ code: 'MODEL_BACKEND_UNAVAILABLE', message: expect.stringContaining('wasm ruled out (test)') });
  });
});

describe('backend list', () => {
  const none: BackendProbe = () => null;
  const noNative: BackendProbe = (name) => (name === 'tensorflow' ? 'no native binding (test)' : null);

  it('auto tries tensorflow, wasm, cpu when all can load, and only those that can', () => {
    expect(planBackends('auto', none)).toEqual(['tensorflow', 'wasm', 'cpu']);
    expect(planBackends('auto', noNative)).toEqual(['wasm', 'cpu']);
    expect(planBackends('cpu', noNative)).toEqual(['cpu']);
    expect(planBackends('tensorflow', none)).toEqual(['tensorflow']);
  });

  it('an explicit tensorflow that cannot load is MODEL_BACKEND_UNAVAILABLE saying why', () => {
    expect(() => planBackends('tensorflow', noNative)).toThrowError(
      expect.objectContaining({ code: 'MODEL_BACKEND_UNAVAILABLE', message: 'The TensorFlow.js backend "tensorflow" cannot be started here: no native binding (test)' }),
    );
    expect(() => planBackends('auto', () => 'nothing loads (test)')).toThrowError(expect.objectContaining({ code: 'MODEL_BACKEND_UNAVAILABLE' }));
  });

  it('the probe: not installed, the npm override alias, the real package without and with its native binding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-tfjs-node-'));
    try {
      expect(tfjsNodeProblem(null)).toBe('@tensorflow/tfjs-node is not installed');
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs', version: '4.22.0' }));
      expect(tfjsNodeProblem(dir)).toMatch(/resolves to @tensorflow\/tfjs@4\.22\.0 \(an npm "overrides" alias/);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0' }));
      expect(tfjsNodeProblem(dir)).toMatch(/installed without its native binding/);
      mkdirSync(join(dir, 'lib', 'napi-v8'), { recursive: true });
      writeFileSync(join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
      expect(tfjsNodeProblem(dir)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const pkg = JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')) as { overrides?: Record<string, string> };
  const aliased = pkg.overrides?.['@tensorflow/tfjs-node']?.startsWith('npm:@tensorflow/tfjs@') === true;
  it.skipIf(!aliased)('here, where package.json overrides tfjs-node with plain tfjs, tensorflow is ruled out and --backend tensorflow says why', async () => {
    expect(probeBackend('tensorflow')).toMatch(/overrides/);
    expect(probeBackend('wasm')).toBeNull();
    expect(planBackends('auto')).toEqual(['wasm', 'cpu']);
    delete process.env.SERVICEPATH_BACKEND;
    await expect(selectBackend('tensorflow')).rejects.toMatchObject({ code: 'MODEL_BACKEND_UNAVAILABLE', message: expect.stringMatching(/resolves to @tensorflow\/tfjs@.*overrides/) });
  });
});
