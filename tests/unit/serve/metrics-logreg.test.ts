// /metrics on a service with only logreg bundles: no TensorFlow.js backend ever starts in this process (logreg is
// plain TypeScript), and the tensor gauge must still read (0) instead of failing the route with a 500.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import { buildApp } from '../../../src/serve/app.js';
import { loadBundleForServing, tensorCounter } from '../../../src/serve/default-loader.js';
import { auth, TOKEN_ENTRIES } from './helpers.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sp-serve-metrics-'));
  const io = { stdout: () => undefined, stderr: () => undefined, isTty: false };
  expect(await runCli(['ingest', '--input', join(REPO, 'data-samples'), '--format', 'canonical', '--out', join(root, 'store'), '--demo-key'], io)).toBe(0);
  const task = join(REPO, 'data-samples', 'task.json');
  expect(await runCli(['train', '--store', join(root, 'store'), '--task', task, '--model', 'logreg', '--out', join(root, 'models'), '--name', 'cw'], io)).toBe(0);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('/metrics with logreg bundles only', () => {
  it('answers 200 with the tensor gauge at 0 and the model loaded', async () => {
    const app = await buildApp({ modelsDir: join(root, 'models'), loader: loadBundleForServing, tokens: TOKEN_ENTRIES, tensorCount: tensorCounter() });
    try {
      const res = await app.inject({ method: 'GET', url: '/metrics', headers: auth('admin') });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('servicepath_tensors 0\n');
      expect(res.body).toContain('servicepath_models_loaded{model="cw",version="1",state="ready"} 1');
    } finally {
      await app.close();
    }
  });
});
