// The audit log's hash chain: every request is a line; an edited, reordered or deleted line is found.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command as auditCommand } from '../../../src/cli/audit.js';
import { reportError } from '../../../src/cli/common.js';
import { EXIT } from '../../../src/errors/index.js';
import { canonicalEntryJson, canonicalJson, entryHash, verifyAuditLog } from '../../../src/serve/audit-chain.js';
import { AuditLog } from '../../../src/serve/audit-log.js';
import { sha256Hex } from '../../../src/util/hash.js';
import { auth, fakeApp, path, tempDir, writeFakeBundle } from './helpers.js';

const fields = (i: number) => ({
  tokenId: 'planner-1',
  role: 'planner',
  method: 'POST',
  route: '/v1/models/:name/score',
  model: 'cw',
  version: '1',
  inputSha256: 'ab'.repeat(32),
  status: 200,
  latencyMs: i,
});

async function writeLog(file: string, n: number): Promise<void> {
  const log = await AuditLog.open(file);
  for (let i = 0; i < n; i++) log.append(fields(i));
  await log.close();
}

/** What a careful forger does: fix the edited line's own hash (the next line's prevHash still breaks). */
function rehash(line: string): string {
  const { hash: _old, ...rest } = JSON.parse(line);
  return JSON.stringify({ ...rest, hash: entryHash(rest) });
}

function lines(file: string): string[] {
  return readFileSync(file, 'utf8').trimEnd().split('\n');
}

async function runVerify(file: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), isTty: false };
  try {
    return { code: await auditCommand.run(['verify', '--log', file], io), out, err };
  } catch (e) {
    return { code: reportError(io, e, false), out, err };
  }
}

describe('audit log', () => {
  it('keys are sorted in canonical JSON', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
  });

  it('hashes entries as the verifier does: the fast canonical form equals canonicalJson, SHA-256 is standard', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    // Text is hashed as UTF-8.
    expect(sha256Hex('é')).toBe(createHash('sha256').update(Buffer.from('é', 'utf8')).digest('hex'));
    const base = { ...fields(1.5), seq: 7, time: '2026-11-28T00:00:00.000Z', prevHash: 'cd'.repeat(32) };
    for (const entry of [
      base,
      { ...base, tokenId: null, role: null, model: null, version: null, route: '(unmatched) "quoted" \u2028' },
      { ...base, latencyMs: Number.NaN },
      { ...base, extra: { b: 1, a: [2] } },
      { ...base, model: undefined },
    ]) {
      expect(canonicalEntryJson(entry as typeof base)).toBe(canonicalJson(entry));
    }
  });

  it('chains lines and verifies an intact log', async () => {
    const t = tempDir();
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 5);
    const ls = lines(file).map((l) => JSON.parse(l));
    expect(ls.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(ls[1].prevHash).toBe(ls[0].hash);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, entries: 5, lastSeq: 5 });
    const r = await runVerify(file);
    expect(r.code).toBe(0);
    t.cleanup();
  });

  it.each([
    ['an edited line', (ls: string[]) => ls.map((l, i) => (i === 2 ? l.replace('"status":200', '"status":201') : l)), 3],
    ['a deleted line', (ls: string[]) => ls.filter((_, i) => i !== 1), 2],
    ['two swapped lines', (ls: string[]) => [ls[0]!, ls[2]!, ls[1]!, ls[3]!, ls[4]!], 2],
    ['a truncated tail line', (ls: string[]) => [...ls.slice(0, 4), ls[4]!.slice(0, 20)], 5],
    ['an edited line with its own hash recomputed', (ls: string[]) => ls.map((l, i) => (i === 0 ? rehash(l.replace('"latencyMs":0', '"latencyMs":9')) : l)), 2],
  ])('finds %s and names the first broken seq (CLI exits with the audit code)', async (_name, tamper, brokenSeq) => {
    const t = tempDir();
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 5);
    writeFileSync(file, `${tamper(lines(file)).join('\n')}\n`);
    const result = await verifyAuditLog(file);
    expect(result.ok).toBe(false);
    expect(result.brokenSeq).toBe(brokenSeq);
    const r = await runVerify(file);
    expect(r.code).toBe(EXIT.audit);
    expect(r.err).toContain('AUDIT_CHAIN_BROKEN');
    expect(r.err).toContain(`seq ${brokenSeq}`);
    t.cleanup();
  });

  it('continues the chain of an existing log and refuses to append to a broken one', async () => {
    const t = tempDir();
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 3);
    await writeLog(file, 2);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, entries: 5 });
    writeFileSync(file, `${lines(file).slice(1).join('\n')}\n`);
    await expect(AuditLog.open(file)).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
    t.cleanup();
  });

  it('records every request of the service, tamper-evident through /v1/audit/verify', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const file = join(t.dir, 'audit.jsonl');
    const app = await fakeApp(join(t.dir), { auditLogFile: file });
    await app.inject({ method: 'POST', url: '/v1/models/cw/score', headers: auth('planner'), payload: { paths: [path(['A'])] } });
    await app.inject({ method: 'GET', url: '/v1/models', headers: {} });
    await app.inject({ method: 'GET', url: '/nowhere', headers: auth('planner') });
    const list = await app.inject({ method: 'GET', url: '/v1/audit?limit=10', headers: auth('auditor') });
    const entries = list.json().entries as { route: string; status: number; tokenId: string | null; model: string | null; version: string | null }[];
    expect(entries.map((e) => [e.route, e.status, e.tokenId, e.model, e.version])).toEqual([
      ['/v1/models/:name/score', 200, 'planner-1', 'cw', '1'],
      ['/v1/models', 401, null, null, null],
      ['(unmatched)', 404, 'planner-1', null, null],
    ]);
    // The log holds hashes of inputs, never the inputs.
    expect(readFileSync(file, 'utf8')).not.toContain('"events"');
    let v = await app.inject({ method: 'GET', url: '/v1/audit/verify', headers: auth('auditor') });
    expect(v.json()).toMatchObject({ ok: true });
    const ls = lines(file);
    writeFileSync(file, `${ls.map((l, i) => (i === 1 ? l.replace('"status":401', '"status":200') : l)).join('\n')}\n`);
    v = await app.inject({ method: 'GET', url: '/v1/audit/verify', headers: auth('auditor') });
    expect(v.json()).toMatchObject({ ok: false, brokenSeq: 2 });
    await app.close();
    t.cleanup();
  });
});
