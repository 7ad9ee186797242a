
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../../src/serve/audit-chain.js';

import { auditEntries, auth, fakeApp, tempDir, writeFakeBundle } from './helpers.js';

const entries = auditEntries;

describe('refusals: rate limit before authentication, audited in aggregate', () => {
  it('limits 2,000 unauthenticated requests from one address and adds only a handful of audit lines', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const file = join(t.dir, 'audit.jsonl');
    const app = await fakeApp(t.dir, { auditLogFile: file, rateLimit: { max: 6000, windowMs: 60_000, addressMax: 100 } });
    const flooder = '203.0.113.7';
    const statuses = new Map<number, number>();
    for (let batch = 0; batch < 20; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          app.inject({ method: 'GET', url: '/v1/models', remoteAddress: flooder, headers: i % 2 === 0 ? {} : { authorization: 'Bearer guessed' } }),
        ),
      );
      for (const a of answers) statuses.set(a.statusCode, (statuses.get(a.statusCode) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 401: 100, 429: 1900 });
    const limited = await app.inject({ method: 'GET', url: '/v1/whoami', remoteAddress: flooder });
    expect([limited.statusCode, limited.json().error.code]).toEqual([429, 'SERVE_RATE_LIMITED']);
    expect(limited.headers['retry-after']).toBeDefined();
    // The limit is per address and comes first: a valid token from the flooding address waits too ...
    expect((await app.inject({ method: 'GET', url: '/v1/models', remoteAddress: flooder, headers: auth('planner') })).statusCode).toBe(429);
    // ... and other addresses are served, each request audited on its own line as before.
    for (let i = 0; i < 3; i++) {
      const ok = await app.inject({ method: 'GET', url: '/v1/models', remoteAddress: '198.51.100.2', headers: auth('planner') });
      expect(ok.statusCode).toBe(200);
    }
    await app.close();

    const log = entries(file);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, entries: log.length });
    const served = log.filter((e) => e.tokenId === 'planner-1' && e.status === 200);
    expect(served).toHaveLength(3);
    expect(served.every((e) => e.route === '/v1/models' && e.event === undefined)).toBe(true);
    // 2,002 refusals from the flooder: one line of its own, the rest counted in one line (two if the 10-s
    // interval turned during the test).
    const refusalLines = log.filter((e) => e.tokenId !== 'planner-1' || e.status !== 200);
    expect(refusalLines.length).toBeLessThanOrEqual(4);
    expect(refusalLines[0]).toMatchObject({ route: '/v1/models', status: 401, tokenId: null });
    const counted = refusalLines.filter((e) => e.event?.kind === 'refusals');
    expect(counted.length).toBeGreaterThanOrEqual(1);
    const total: Record<string, number> = {};
    for (const e of counted) {
      expect(e).toMatchObject({ method: '-', route: '(refusals)', event: { address: flooder } });
      // The status most refused stands for the line.
      expect([401, 429]).toContain(e.status);
      for (const [s, n] of Object.entries(e.event?.kind === 'refusals' ? e.event.counts : {})) total[s] = (total[s] ?? 0) + n;
    }
    expect(refusalLines.length - counted.length + Object.values(total).reduce((a, b) => a + b, 0)).toBe(2002);
    expect(total['429']).toBe(1902);
    t.cleanup();
  });

  it('writes the counted line when the interval ends, one per address, and caps the addresses it tracks', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const file = join(t.dir, 'audit.jsonl');
    const app = await fakeApp(t.dir, { auditLogFile: file, auditRefusalIntervalMs: 1000 });
    const get = (remoteAddress: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/metrics', remoteAddress, headers });
    for (let i = 0; i < 5; i++) await get('192.0.2.1');
    for (let i = 0; i < 3; i++) expect((await get('192.0.2.2', auth('planner'))).statusCode).toBe(403);
    // An unknown route without a token is a refusal too; with one it is audited on its own line.
    await app.inject({ method: 'GET', url: '/wp-login.php', remoteAddress: '192.0.2.1' });
    await app.inject({ method: 'GET', url: '/nowhere', remoteAddress: '192.0.2.1', headers: auth('planner') });
    // The interval (1 s, started with the app) ends: no close needed for the counted lines.
    await new Promise((r) => setTimeout(r, 1300));
    let log = entries(file);
    const counted = log.filter((e) => e.event?.kind === 'refusals');
    expect(counted.map((e) => (e.event?.kind === 'refusals' ? [e.event.address, e.event.counts] : null))).toEqual([
      ['192.0.2.1', { 401: 4, 404: 1 }],
      ['192.0.2.2', { 403: 2 }],
    ]);
    expect(log.filter((e) => e.event === undefined).map((e) => [e.route, e.status, e.tokenId])).toEqual([
      ['/metrics', 401, null],
      ['/metrics', 403, 'planner-1'],
      ['(unmatched)', 404, 'planner-1'],
    ]);
    // 400 addresses with two refusals each: at most 32 full lines and 256 addresses counted per interval, the rest
    // under one line (the requests may straddle two intervals).
    const before = log.length;
    await Promise.all(Array.from({ length: 400 }, (_, i) => [get(`10.0.${i >> 8}.${i & 255}`), get(`10.0.${i >> 8}.${i & 255}`)]).flat());
    await app.close();
    log = entries(file).slice(before);
    const full = log.filter((e) => e.event === undefined).length;
    expect(full).toBeGreaterThanOrEqual(32);
    expect(full).toBeLessThanOrEqual(64);
    const lines = log.filter((e) => e.event?.kind === 'refusals');
    expect(lines.length).toBeLessThanOrEqual(257 * 2);
    expect(lines.some((e) => e.event?.kind === 'refusals' && e.event.address === '(other addresses)')).toBe(true);
    const sum = lines.reduce((a, e) => a + (e.event?.kind === 'refusals' ? Object.values(e.event.counts).reduce((x, y) => x + y, 0) : 0), 0);
    expect(sum + full).toBe(800);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true });
    t.cleanup();
  });
});
