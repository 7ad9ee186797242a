// The registry: versions and aliases, refusal of a broken bundle while the others serve, hot reload, readiness.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auth, fakeApp, path, tempDir, writeFakeBundle } from './helpers.js';

const score = (name: string) => ({ method: 'POST' as const, url: `/v1/models/${name}/score`, headers: auth('planner'), payload: { paths: [path(['A'])] } });

describe('model registry', () => {
  it('refuses a broken bundle with a clear log line while the others serve; readiness says so', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    writeFakeBundle(t.dir, 'cw', '2', true);
    writeFakeBundle(t.dir, 'other', '1');
    const logLines: string[] = [];
    const app = await fakeApp(t.dir, { logger: { level: 'info', stream: { write: (l: string) => logLines.push(l) } } });
    expect((await app.inject(score('cw@1'))).statusCode).toBe(200);
    expect((await app.inject(score('other'))).json().version).toBe('1');
    const refused = await app.inject(score('cw@2'));
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('SERVE_MODEL_UNAVAILABLE');
    // A bare name skips the refused newest version.
    expect((await app.inject(score('cw'))).json().version).toBe('1');
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error.message).toContain('cw@2');
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.msg?.startsWith('bundle refused'));
    expect(line).toMatchObject({ level: 50, model: 'cw', version: '2', code: 'CONFIG_INVALID' });
    expect(line.msg).toContain('checksum mismatch');
    const detail = (await app.inject({ method: 'GET', url: '/v1/models/cw', headers: auth('planner') })).json();
    expect(detail.versions.map((v: { version: string; status: string }) => [v.version, v.status])).toEqual([
      ['2', 'refused'],
      ['1', 'ready'],
    ]);
    await app.close();
    t.cleanup();
  });

  it('addresses versions by number and alias; aliases.json is re-read on reload', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    writeFakeBundle(t.dir, 'cw', '2');
    writeFileSync(join(t.dir, 'cw', 'aliases.json'), JSON.stringify({ production: '1', candidate: '2' }));
    const app = await fakeApp(t.dir);
    expect((await app.inject(score('cw'))).json().version).toBe('1');
    expect((await app.inject(score('cw@candidate'))).json().version).toBe('2');
    expect((await app.inject(score('cw@9'))).json().error.code).toBe('SERVE_MODEL_NOT_FOUND');
    expect((await app.inject(score('nope'))).statusCode).toBe(404);
    writeFileSync(join(t.dir, 'cw', 'aliases.json'), JSON.stringify({ production: '2' }));
    await app.registry.reload();
    expect((await app.inject(score('cw'))).json().version).toBe('2');
    // A malformed aliases file keeps the previous aliases rather than unpublishing production.
    writeFileSync(join(t.dir, 'cw', 'aliases.json'), '{"production": ');
    await app.registry.reload();
    expect((await app.inject(score('cw@production'))).json().version).toBe('2');
    await app.close();
    t.cleanup();
  });

  it('hot-reloads: a new version appears, a fixed bundle is served, a removed one goes (POST /v1/admin/reload)', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    writeFakeBundle(t.dir, 'cw', '2', true);
    const app = await fakeApp(t.dir);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    writeFakeBundle(t.dir, 'cw', '3');
    writeFakeBundle(t.dir, 'cw', '2', false);
    const r = await app.inject({ method: 'POST', url: '/v1/admin/reload', headers: auth('admin') });
    expect(r.json()).toMatchObject({ ready: true });
    expect((await app.inject(score('cw'))).json().version).toBe('3');
    expect((await app.inject(score('cw@2'))).statusCode).toBe(200);
    rmSync(join(t.dir, 'cw', '3'), { recursive: true });
    await app.registry.reload();
    expect((await app.inject(score('cw'))).json().version).toBe('2');
    await app.close();
    t.cleanup();
  });

  it('hot-reloads on its own when the folder changes (fs.watch, debounced)', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const app = await fakeApp(t.dir, { watch: true, reloadDebounceMs: 50 });
    const before = app.registry.reloads;
    writeFakeBundle(t.dir, 'cw', '2');
    // Wait for the watcher (bounded by the test timeout, no wall-clock assertion).
    while (app.registry.reloads === before || app.registry.all().length < 2) await new Promise((r) => setTimeout(r, 25));
    expect((await app.inject(score('cw'))).json().version).toBe('2');
    await app.close();
    t.cleanup();
  });

  it('is not ready without bundles, and skips temporary folders', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '.tmp-1');
    writeFakeBundle(t.dir, 'cw', '4.tmp');
    const app = await fakeApp(t.dir);
    const r = await app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json().error.code).toBe('SERVE_NOT_READY');
    expect(app.registry.all()).toHaveLength(0);
    await app.close();
    t.cleanup();
  });
});
