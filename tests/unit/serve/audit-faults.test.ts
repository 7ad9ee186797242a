// An audit log that cannot be written degrades the service safely (503 to what must be audited, /healthz says so)
// and recovers by itself; a torn last line left by a crash is moved aside at start-up, recorded, and never blocks it.
import { existsSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { appendFile, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command as auditCommand } from '../../../src/cli/audit.js';
import { verifyAuditLog } from '../../../src/serve/audit-chain.js';
import { AuditLog } from '../../../src/serve/audit-log.js';

import { sha256Hex } from '../../../src/util/hash.js';
import { auditEntries, auth, fakeApp, tempDir, writeFakeBundle } from './helpers.js';

const entries = auditEntries;

/** Writes normally until `failing`; then half of each chunk lands and the write fails as on a full disk. */
function flakyWrite() {
  const state = { failing: false, failures: 0 };
  const write = async (handle: FileHandle, chunk: string) => {
    if (!state.failing) return handle.appendFile(chunk, 'utf8');
    state.failures++;
    await handle.appendFile(chunk.slice(0, Math.ceil(chunk.length / 2)), 'utf8');
    // The kernel's own "no space left" where the machine has /dev/full; else the same error made by hand.
    if (existsSync('/dev/full')) await appendFile('/dev/full', chunk);
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  };
  return { state, write };
}

async function until(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function runVerify(file: string): Promise<number> {
  const io = { stdout: () => undefined, stderr: () => undefined, isTty: false };
  return auditCommand.run(['verify', '--log', file], io).catch(() => -1);
}

describe('audit storage that degrades safely', () => {
  it('answers 503 while the log cannot be written, reports it on /healthz, and recovers when writing works again', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const file = join(t.dir, 'audit.jsonl');
    const flaky = flakyWrite();
    const logLines: string[] = [];
    const app = await fakeApp(t.dir, {
      auditLogFile: file,
      auditLogOptions: { write: flaky.write, retryMs: 0 },
      logger: { level: 'info', stream: { write: (l: string) => logLines.push(l) } },
    });
    const models = () => app.inject({ method: 'GET', url: '/v1/models', headers: auth('planner') });
    const health = async () => (await app.inject({ method: 'GET', url: '/healthz' })).json();
    expect((await models()).statusCode).toBe(200);
    expect(await health()).toEqual({ status: 'ok', audit: { state: 'ok', keyed: false, lastCheckpointSeq: null } });

    flaky.state.failing = true;
    // Served before the failure is known: its line is kept in memory, not lost.
    expect((await models()).statusCode).toBe(200);
    await until(async () => (await health()).audit.state === 'degraded');
    const refused = await models();
    expect(refused.statusCode).toBe(503);
    expect(refused.json().error.code).toBe('AUDIT_UNAVAILABLE');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).not.toContain(file);
    // Liveness answers 200 with the state; readiness says why it is not ready.
    const h = await app.inject({ method: 'GET', url: '/healthz' });
    expect(h.statusCode).toBe(200);
    expect(h.json()).toMatchObject({ status: 'ok', audit: { state: 'degraded', code: 'AUDIT_WRITE_FAILED', reason: 'ENOSPC' } });
    expect(Date.parse(h.json().audit.since)).not.toBeNaN();
    expect(h.json().audit.backlog).toBeGreaterThanOrEqual(2);
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect([ready.statusCode, ready.json().error.code]).toEqual([503, 'SERVE_NOT_READY']);
    expect(ready.json().error.message).toContain('audit log');
    // Public routes and unauthenticated requests are refused too; nothing is served unaudited.
    expect((await app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(503);
    expect(flaky.state.failures).toBeGreaterThanOrEqual(2);

    flaky.state.failing = false;
    const next = await models();
    expect(next.statusCode).toBe(200);
    expect(await health()).toEqual({ status: 'ok', audit: { state: 'ok', keyed: false, lastCheckpointSeq: null } });
    await app.close();
    // The service log says it once each way, not once per refused request.
    expect(logLines.filter((l) => l.includes('requests that must be audited are refused'))).toHaveLength(1);
    expect(logLines.filter((l) => l.includes('writing works again'))).toHaveLength(1);
    expect(logLines.filter((l) => l.includes('AUDIT_UNAVAILABLE'))).toEqual([]);

    // No torn half-chunk, no gap: every entry made while degraded was written once writing worked again.
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true });
    expect(await runVerify(file)).toBe(0);
    const log = entries(file);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i + 1));
    const byRoute = log.filter((e) => e.route === '/v1/models').map((e) => e.status);
    expect(byRoute).toEqual([200, 200, 503, 200]);
    expect(log.filter((e) => e.route === '/healthz').length).toBeGreaterThanOrEqual(3);
    t.cleanup();
  });

  it('starts degraded rather than not at all, and serves once the first write succeeds', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const file = join(t.dir, 'audit.jsonl');
    const flaky = flakyWrite();
    flaky.state.failing = true;
    // A torn tail to move aside at start-up: the very first write fails.
    writeFileSync(file, '{"seq":1,"ti');
    const app = await fakeApp(t.dir, { auditLogFile: file, auditLogOptions: { write: flaky.write, retryMs: 0 } });
    expect((await app.inject({ method: 'GET', url: '/v1/whoami', headers: auth('planner') })).statusCode).toBe(503);
    flaky.state.failing = false;
    expect((await app.inject({ method: 'GET', url: '/v1/whoami', headers: auth('planner') })).statusCode).toBe(200);
    await app.close();
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true });
    expect(entries(file)[0]).toMatchObject({ seq: 1, route: '(audit log: torn last line moved aside)', event: { kind: 'torn-tail', bytes: 12 } });
    t.cleanup();
  });

  it('moves a torn last line to a side file at start-up, records it, and continues the chain', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const file = join(t.dir, 'audit.jsonl');
    const app1 = await fakeApp(t.dir, { auditLogFile: file });
    for (let i = 0; i < 3; i++) await app1.inject({ method: 'GET', url: '/v1/models', headers: auth('planner') });
    await app1.close();
    // A crash mid-write: part of the next line, no newline.
    const torn = Buffer.from('{"seq":4,"time":"2026-11-29T10:00:00.000Z","tokenId":"plan');
    appendFileSync(file, torn);
    const report = await verifyAuditLog(file);
    expect(report).toMatchObject({ ok: false, brokenSeq: 4 });
    expect(report.reason).toContain('torn write');
    expect(await runVerify(file)).toBe(-1);

    const app2 = await fakeApp(t.dir, { auditLogFile: file });
    expect((await app2.inject({ method: 'GET', url: '/v1/models', headers: auth('planner') })).statusCode).toBe(200);
    await app2.close();

    const sides = readdirSync(t.dir).filter((f) => f.startsWith('audit.jsonl.torn-'));
    expect(sides).toHaveLength(1);
    expect(readFileSync(join(t.dir, sides[0]!))).toEqual(torn);
    expect(await runVerify(file)).toBe(0);
    const log = entries(file);
    expect(log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(log[3]).toMatchObject({
      route: '(audit log: torn last line moved aside)',
      status: 0,
      tokenId: null,
      inputSha256: sha256Hex(torn),
      event: { kind: 'torn-tail', sideFile: sides[0], bytes: torn.length },
    });
    expect(log[4]).toMatchObject({ route: '/v1/models', status: 200, tokenId: 'planner-1' });
    t.cleanup();
  });

  it('keeps a last entry that lacks only its newline, and still refuses a log broken before its tail', async () => {
    const t = tempDir();
    const file = join(t.dir, 'audit.jsonl');
    const log = await AuditLog.open(file);
    for (let i = 0; i < 3; i++) log.append({ tokenId: null, role: null, method: 'GET', route: '/x', model: null, version: null, inputSha256: 'ab'.repeat(32), status: 200, latencyMs: i });
    await log.close();
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, -1));
    const reopened = await AuditLog.open(file);
    expect(reopened.repairedTail).toBeNull();
    expect(reopened.lastSeq).toBe(3);
    await reopened.close();
    expect(readFileSync(file, 'utf8')).toBe(text);
    expect(readdirSync(t.dir).filter((f) => f.includes('.torn-'))).toEqual([]);

    // An edited line before a torn tail: evidence, refused as before, and nothing moved or cut.
    const lines = text.trimEnd().split('\n');
    const tampered = `${lines[0]!.replace('"status":200', '"status":201')}\n${lines.slice(1).join('\n')}\n{"seq":4,"ti`;
    writeFileSync(file, tampered);
    await expect(AuditLog.open(file)).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
    expect(readFileSync(file, 'utf8')).toBe(tampered);
    expect(readdirSync(t.dir).filter((f) => f.includes('.torn-'))).toEqual([]);
    expect(basename(file)).toBe('audit.jsonl');
    t.cleanup();
  });
});
