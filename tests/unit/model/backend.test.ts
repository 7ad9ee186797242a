import { afterEach, describe, expect, it } from 'vitest';
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
});
