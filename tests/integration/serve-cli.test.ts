// The serve, tokens, keys and audit commands end to end: tokens stored as hashes only, refusal without tokens,
// a key pair for signing bundles, refusal of a bad --trusted-keys, a running server answering over a real socket
// and closing on SIGTERM with its audit log flushed.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
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

  it('keys new writes a private key (mode 0600) and a public key, prints the key id, and never overwrites', async () => {
    const t = tempDir();
    const c = capture();
    expect(await runCli(['keys', 'new', '--out', join(t.dir, 'keys'), '--json'], c.io)).toBe(0);
    const written = JSON.parse(c.out.join('')) as { keyId: string; privateKeyFile: string; publicKeyFile: string };
    expect(written.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(statSync(written.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(written.publicKeyFile, 'utf8')).toContain('BEGIN PUBLIC KEY');
    const again = capture();
    expect(await runCli(['keys', 'new', '--out', join(t.dir, 'keys')], again.io)).toBe(EXIT.usage);
    expect(again.err.join('')).toContain('FILE_EXISTS');
    const bad = capture();
    expect(await runCli(['keys', 'old'], bad.io)).toBe(EXIT.usage);
    t.cleanup();
  });

  it('keys audit writes the audit key pair; serve refuses to start without an audit key unless --unkeyed-audit or --dev', async () => {
    const t = tempDir();
    const c = capture();
    expect(await runCli(['keys', 'audit', '--out', join(t.dir, 'keys'), '--json'], c.io)).toBe(0);
    const written = JSON.parse(c.out.join('')) as { keyId: string; privateKeyFile: string; publicKeyFile: string };
    expect(written.privateKeyFile).toBe(join(t.dir, 'keys', 'audit.key'));
    expect(statSync(written.privateKeyFile).mode & 0o777).toBe(0o600);
    const tokens = join(t.dir, 'tokens.json');
    expect(await runCli(['tokens', 'add', '--file', tokens, '--id', 'a', '--role', 'admin'], capture().io)).toBe(0);
    const refused = capture();
    const saved = process.env.SERVICEPATH_AUDIT_KEY;
    delete process.env.SERVICEPATH_AUDIT_KEY;
    try {
      expect(await runCli(['serve', '--models', t.dir, '--port', '0', '--tokens', tokens, '--audit-log', join(t.dir, 'a.jsonl')], refused.io)).toBe(EXIT.audit);
    } finally {
      if (saved !== undefined) process.env.SERVICEPATH_AUDIT_KEY = saved;
    }
    expect(refused.err.join('')).toContain('AUDIT_KEY_REQUIRED');
    const unkeyed = capture();
    const running = runCli(['serve', '--models', t.dir, '--port', '0', '--tokens', tokens, '--audit-log', join(t.dir, 'a.jsonl'), '--unkeyed-audit', '--no-watch'], unkeyed.io);
    await waitFor(() => /serving at (http:\/\/\S+)/.exec(unkeyed.out.join('\n'))?.[1]);
    expect(unkeyed.out.join('\n')).toContain('is UNKEYED (no MACs, no checkpoints; --unkeyed-audit)');
    process.emit('SIGTERM', 'SIGTERM');
    expect(await running).toBe(0);
    const badKey = capture();
    expect(await runCli(['serve', '--models', t.dir, '--port', '0', '--tokens', tokens, '--audit-key', written.publicKeyFile], badKey.io)).toBe(EXIT.usage);
    expect(badKey.err.join('')).toContain('AUDIT_KEY_INVALID');
    t.cleanup();
  });

  it('serves with --audit-key, closes with a shutdown checkpoint, and audit verify finds the last line dropped', async () => {
    const t = tempDir();
    const models = join(t.dir, 'models');
    mkdirSync(models);
    expect(await runCli(['keys', 'audit', '--out', t.dir], capture().io)).toBe(0);
    const key = join(t.dir, 'audit.key');
    const log = join(t.dir, 'audit.jsonl');
    const c = capture();
    const running = runCli(['serve', '--models', models, '--port', '0', '--dev', '--audit-log', log, '--audit-key', key, '--no-watch', '--allow-unsigned'], c.io);
    const url = await waitFor(() => /serving at (http:\/\/\S+)/.exec(c.out.join('\n'))?.[1]);
    await waitFor(() => /dev token[^:]*: (sp_\S+)/.exec(c.out.join('\n'))?.[1]);
    expect(c.out.join('\n')).toMatch(/audit: .* keyed with key [0-9a-f]{16}; checkpoints every 1000 entries and at shutdown/);
    expect(((await (await fetch(`${url}/healthz`)).json()) as { audit: unknown }).audit).toEqual({ state: 'ok', keyed: true, lastCheckpointSeq: null });
    process.emit('SIGTERM', 'SIGTERM');
    expect(await running).toBe(0);
    const v = capture();
    expect(await runCli(['audit', 'verify', '--log', log, '--key', key, '--require-shutdown', '--json'], v.io)).toBe(0);
    expect(JSON.parse(v.out.join(''))).toMatchObject({ ok: true, entries: 2, macs: 'verified', cleanShutdown: true, warning: null });
    const lines = readFileSync(log, 'utf8').trimEnd().split('\n');
    writeFileSync(log, `${lines.slice(0, -1).join('\n')}\n`);
    const cut = capture();
    expect(await runCli(['audit', 'verify', '--log', log, '--public-key', join(t.dir, 'audit.pub')], cut.io)).toBe(EXIT.audit);
    expect(cut.err.join('')).toContain('AUDIT_CHAIN_BROKEN');
    t.cleanup();
  });

  it('refuses to start with a --trusted-keys that is not an Ed25519 public key', async () => {
    const t = tempDir();
    const keys = capture();
    expect(await runCli(['keys', 'new', '--out', t.dir], keys.io)).toBe(0);
    const c = capture();
    expect(await runCli(['serve', '--models', t.dir, '--port', '0', '--dev', '--trusted-keys', join(t.dir, 'signing.key')], c.io)).toBe(EXIT.usage);
    expect(c.err.join('')).toContain('BUNDLE_TRUSTED_KEYS_INVALID');
    writeFileSync(join(t.dir, 'junk.pem'), 'no key here\n');
    const d = capture();
    expect(await runCli(['serve', '--models', t.dir, '--port', '0', '--dev', '--trusted-keys', join(t.dir, 'junk.pem')], d.io)).toBe(EXIT.usage);
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
    const running = runCli(['serve', '--models', models, '--port', '0', '--dev', '--audit-log', log, '--no-watch', '--allow-unsigned'], c.io);
    const url = await waitFor(() => /serving at (http:\/\/\S+)/.exec(c.out.join('\n'))?.[1]);
    const token = await waitFor(() => /dev token[^:]*: (sp_\S+)/.exec(c.out.join('\n'))?.[1]);
    expect(c.out.join('\n')).toContain('signatures: no trusted key; unsigned bundles are served (--allow-unsigned)');
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
