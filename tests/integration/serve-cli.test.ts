// The serve, tokens and audit commands end to end: tokens stored as hashes only, refusal without tokens,
// a running server answering over a real socket and closing on SIGTERM with its audit log flushed.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { EXIT } from '../../src/errors/index.js';
import { tempDir } from '../unit/serve/helpers.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t), isTty: false }, out, err };
}

async function waitFor<T>(get: () => T | undefined): Promise<T> {
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('servicepath tokens / serve / audit', () => {
  it('tokens add prints a token once and stores only its hash; duplicate ids are refused', async () => {
    const t = tempDir();
    const file = join(t.dir, 'tokens.json');
    const c = capture();
    expect(await runCli(['tokens', 'add', '--file', file, '--id', 'anna', '--role', 'planner', '--json'], c.io)).toBe(0);
    const { token } = JSON.parse(c.out.join(''));
    expect(token).toMatch(/^sp_[A-Za-z0-9_-]{43}$/);
    const stored = readFileSync(file, 'utf8');
    expect(stored).not.toContain(token);
    expect(JSON.parse(stored).tokens[0]).toMatchObject({ id: 'anna', role: 'planner' });
    const dup = capture();
    expect(await runCli(['tokens', 'add', '--file', file, '--id', 'anna', '--role', 'admin'], dup.io)).toBe(EXIT.usage);
    expect(dup.err.join('')).toContain('SERVE_TOKENS_DUPLICATE');
    const badRole = capture();
    expect(await runCli(['tokens', 'add', '--file', file, '--id', 'b', '--role', 'root'], badRole.io)).toBe(EXIT.usage);
    t.cleanup();
  });

  it('refuses to start without tokens, and --dev off loopback', async () => {
    const t = tempDir();
    const a = capture();
    expect(await runCli(['serve', '--models', t.dir, '--port', '0'], a.io)).toBe(EXIT.serve);
    expect(a.err.join('')).toContain('SERVE_TOKENS_REQUIRED');
    const b = capture();
    expect(await runCli(['serve', '--models', t.dir, '--port', '0', '--dev', '--host', '0.0.0.0'], b.io)).toBe(EXIT.serve);
    expect(b.err.join('')).toContain('loopback');
    t.cleanup();
  });

  it('serves with --dev on loopback, prints a one-time token, and closes on SIGTERM', async () => {
    const t = tempDir();
    const models = join(t.dir, 'models');
    mkdirSync(models);
    const log = join(t.dir, 'audit.jsonl');
    const c = capture();
    const running = runCli(['serve', '--models', models, '--port', '0', '--dev', '--audit-log', log, '--no-watch'], c.io);
    const url = await waitFor(() => /serving at (http:\/\/\S+)/.exec(c.out.join('\n'))?.[1]);
    const token = await waitFor(() => /dev token[^:]*: (sp_\S+)/.exec(c.out.join('\n'))?.[1]);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/v1/models`)).status).toBe(401);
    const ok = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
    expect(await ok.json()).toEqual({ models: [] });
    process.emit('SIGTERM', 'SIGTERM');
    expect(await running).toBe(0);
    const v = capture();
    expect(await runCli(['audit', 'verify', '--log', log, '--json'], v.io)).toBe(0);
    expect(JSON.parse(v.out.join(''))).toMatchObject({ ok: true, entries: 3 });
    t.cleanup();
  });
});
