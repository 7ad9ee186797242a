// The keyed audit chain: a MAC on every entry, signed checkpoints (in the log and in <log>.checkpoints.jsonl),
// rotation across files. A shortened log, a chain recomputed without the key, a forged checkpoint, a missing
// rotated file: each is found by `audit verify` and refused at start-up.
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { command as auditCommand } from '../../../src/cli/audit.js';
import { reportError } from '../../../src/cli/common.js';
import { EXIT } from '../../../src/errors/index.js';
import { type AuditEntry, entryHash, verifyAuditLog } from '../../../src/serve/audit-chain.js';
import { type AuditKey, auditKeyFromPem, resolveAuditKey } from '../../../src/serve/audit-key.js';
import { AuditLog } from '../../../src/serve/audit-log.js';
import { auditEntries, auth, fakeApp, tempDir, writeFakeBundle } from './helpers.js';

function newKey(dir: string, name = 'audit'): { key: AuditKey; keyFile: string; pubFile: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyFile = join(dir, `${name}.key`);
  const pubFile = join(dir, `${name}.pub`);
  writeFileSync(keyFile, pem, { mode: 0o600 });
  writeFileSync(pubFile, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return { key: auditKeyFromPem(pem, keyFile), keyFile, pubFile };
}

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

async function writeLog(file: string, n: number, key: AuditKey | null, extra: { checkpointEvery?: number; rotateBytes?: number } = {}): Promise<void> {
  const log = await AuditLog.open(file, { key, ...extra });
  for (let i = 0; i < n; i++) log.append(fields(i));
  await log.close();
}

const readLines = (file: string): string[] => readFileSync(file, 'utf8').trimEnd().split('\n');
const writeLines = (file: string, lines: string[]) => writeFileSync(file, lines.length === 0 ? '' : `${lines.join('\n')}\n`);

/** What a forger without the key does: drop entries, renumber, recompute every prevHash and hash (and fix checkpoints to name their new predecessor). */
function forge(entries: AuditEntry[], drop: (e: AuditEntry) => boolean, options: { stripMacs?: boolean } = {}): string[] {
  const out: string[] = [];
  let prev = '0'.repeat(64);
  let seq = 0;
  for (const e of entries) {
    if (drop(e)) continue;
    seq++;
    const { hash: _hash, mac, ...rest } = e;
    const body = { ...rest, seq, prevHash: prev };
    if (body.event?.kind === 'checkpoint') body.event = { ...body.event, seq: seq - 1, hash: prev };
    const next = options.stripMacs === true || mac === undefined ? { ...body } : { ...body, mac };
    const hash = entryHash(next);
    prev = hash;
    out.push(JSON.stringify({ ...next, hash }));
  }
  return out;
}

async function runVerify(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), isTty: false };
  try {
    return { code: await auditCommand.run(['verify', ...args], io), out, err };
  } catch (e) {
    return { code: reportError(io, e, false), out, err };
  }
}

describe('keyed audit chain', () => {
  it('takes the key from --audit-key, else SERVICEPATH_AUDIT_KEY (a path or the PEM text); refuses a key that is not Ed25519', async () => {
    const t = tempDir();
    const { key, keyFile } = newKey(t.dir);
    expect((await resolveAuditKey({ keyFile }))?.keyId).toBe(key.keyId);
    expect((await resolveAuditKey({ env: { SERVICEPATH_AUDIT_KEY: keyFile } }))?.keyId).toBe(key.keyId);
    expect((await resolveAuditKey({ env: { SERVICEPATH_AUDIT_KEY: readFileSync(keyFile, 'utf8') } }))?.keyId).toBe(key.keyId);
    expect(await resolveAuditKey({ env: {} })).toBeNull();
    // The MAC key is derived, not the signing key itself, and the same for the same key.
    expect(auditKeyFromPem(readFileSync(keyFile, 'utf8'), 'x').macKey.export().equals(key.macKey.export())).toBe(true);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => auditKeyFromPem(rsa, 'rsa.key')).toThrow(expect.objectContaining({ code: 'AUDIT_KEY_INVALID' }));
    t.cleanup();
  });

  it('MACs every entry, checkpoints every N entries and at close, and exports each checkpoint once written', async () => {
    const t = tempDir();
    const { key, keyFile, pubFile } = newKey(t.dir);
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 7, key, { checkpointEvery: 3 });
    const log = auditEntries(file);
    expect(log.every((e) => typeof e.mac === 'string' && e.mac.length === 64)).toBe(true);
    const checkpoints = log.filter((e) => e.event?.kind === 'checkpoint');
    // 3 entries, checkpoint, 3 entries, checkpoint, 1 entry, shutdown checkpoint.
    expect(checkpoints.map((e) => [e.seq, e.event?.kind === 'checkpoint' ? e.event.reason : ''])).toEqual([
      [4, 'interval'],
      [8, 'interval'],
      [10, 'shutdown'],
    ]);
    expect(checkpoints[0]?.event).toMatchObject({ seq: 3, hash: log[2]!.hash, keyId: key.keyId });
    const exported = readLines(`${file}.checkpoints.jsonl`).map((l) => JSON.parse(l));
    expect(exported.map((r) => [r.entrySeq, r.entryHash, r.seq])).toEqual(checkpoints.map((e) => [e.seq, e.hash, e.seq - 1]));

    const full = await verifyAuditLog(file, { key });
    expect(full).toMatchObject({ ok: true, entries: 10, keyed: true, macs: 'verified', checkpoints: 3, signatures: 'verified', unanchored: 0, cleanShutdown: true });
    expect(full.external).toMatchObject({ checkpoints: 3, matched: 3, unreadable: 0 });
    const r = await runVerify(['--log', file, '--key', keyFile]);
    expect([r.code, r.err]).toEqual([0, '']);
    expect(r.out).toContain('MACs verified');
    expect((await runVerify(['--log', file, '--public-key', pubFile, '--require-anchored', '--require-shutdown'])).code).toBe(0);
    // A reopened log continues the chain and the checkpoint count (no new checkpoint without new entries).
    await writeLog(file, 0, key, { checkpointEvery: 3 });
    expect(auditEntries(file)).toHaveLength(10);
    await writeLog(file, 2, key, { checkpointEvery: 3 });
    expect(await verifyAuditLog(file, { key })).toMatchObject({ ok: true, entries: 13, checkpoints: 4, cleanShutdown: true });
    t.cleanup();
  });

  it('reports a dropped last line of a cleanly closed log, and fails on it with the checkpoints file', async () => {
    const t = tempDir();
    const { key, keyFile } = newKey(t.dir);
    const file = join(t.dir, 'audit.jsonl');
    const side = `${file}.checkpoints.jsonl`;
    await writeLog(file, 5, key);
    const lines = readLines(file);
    writeLines(file, lines.slice(0, -1));
    // Without the checkpoints file: the chain holds, the missing shutdown checkpoint is reported.
    const local = join(t.dir, 'exported.jsonl');
    renameSync(side, local);
    expect(await verifyAuditLog(file, { key })).toMatchObject({ ok: true, cleanShutdown: false, unanchored: 5, lastCheckpointSeq: null });
    const warned = await runVerify(['--log', file, '--key', keyFile]);
    expect(warned.code).toBe(0);
    expect(warned.err).toContain('not anchored');
    const json = await runVerify(['--log', file, '--key', keyFile, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ ok: true, unanchored: 5, cleanShutdown: false, warning: expect.stringContaining('shutdown checkpoint') });
    const strict = await runVerify(['--log', file, '--key', keyFile, '--require-shutdown']);
    expect([strict.code, strict.err]).toEqual([EXIT.audit, expect.stringContaining('AUDIT_TAIL_UNANCHORED')]);
    expect((await runVerify(['--log', file, '--require-anchored'])).code).toBe(EXIT.audit);
    // With the exported checkpoints file: a break, named by seq.
    const cut = await runVerify(['--log', file, '--key', keyFile, '--checkpoints', local]);
    expect(cut.code).toBe(EXIT.audit);
    expect(cut.err).toContain('AUDIT_CHAIN_BROKEN');
    expect(cut.err).toContain('seq 6');
    expect(cut.err).toContain('cut off the end');
    // ... and the service refuses to continue it.
    renameSync(local, side);
    await expect(AuditLog.open(file, { key })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
    t.cleanup();
  });

  it('finds entries removed from the middle with the SHA chain recomputed: MACs fail with the key, signatures with the public key', async () => {
    const t = tempDir();
    const { key, keyFile, pubFile } = newKey(t.dir);
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 12, key, { checkpointEvery: 5 });
    rmSync(`${file}.checkpoints.jsonl`);
    const entries = auditEntries(file);
    // One planner's reads gone: latencyMs 3 to 6 stand for them.
    writeLines(file, forge(entries, (e) => e.event === undefined && e.latencyMs >= 3 && e.latencyMs <= 6));
    // The plain SHA chain holds (what the attack showed)...
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, macs: 'unchecked', signatures: 'unchecked' });
    // ... the MACs do not, from the first rewritten entry on.
    const withKey = await verifyAuditLog(file, { key });
    expect(withKey).toMatchObject({ ok: false, brokenSeq: 4, problem: 'chain' });
    expect(withKey.reason).toContain('MAC does not verify');
    const r = await runVerify(['--log', file, '--key', keyFile]);
    expect([r.code, r.err]).toEqual([EXIT.audit, expect.stringContaining('AUDIT_CHAIN_BROKEN')]);
    // The checkpoints were re-pointed at the new hashes: their signatures do not hold.
    const withPublic = await runVerify(['--log', file, '--public-key', pubFile]);
    expect(withPublic.code).toBe(EXIT.audit);
    expect(withPublic.err).toContain('checkpoint signature does not verify');
    // Start-up refuses it.
    await expect(AuditLog.open(file, { key })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });

    // Stripping the MACs as well: a key given finds an unkeyed log.
    writeLines(file, forge(entries, (e) => e.event !== undefined || (e.latencyMs >= 3 && e.latencyMs <= 6), { stripMacs: true }));
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, keyed: false });
    const stripped = await runVerify(['--log', file, '--public-key', pubFile]);
    expect([stripped.code, stripped.err]).toEqual([EXIT.audit, expect.stringContaining('AUDIT_KEY_MISMATCH')]);
    await expect(AuditLog.open(file, { key })).rejects.toMatchObject({ code: 'AUDIT_KEY_MISMATCH' });
    t.cleanup();
  });

  it('fails on a checkpoint whose signature does not hold, or that another key signed', async () => {
    const t = tempDir();
    const { key, pubFile } = newKey(t.dir);
    const other = newKey(t.dir, 'other');
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 3, key);
    const lines = readLines(file);
    const last = JSON.parse(lines.at(-1)!) as AuditEntry;
    expect(last.event?.kind).toBe('checkpoint');
    if (last.event?.kind !== 'checkpoint') throw new Error('no checkpoint');
    const sig = Buffer.from(last.event.signature, 'base64');
    sig[0] = sig[0]! ^ 1;
    const forged = { ...last, event: { ...last.event, signature: sig.toString('base64') } };
    const { hash: _h, ...rest } = forged;
    writeLines(file, [...lines.slice(0, -1), JSON.stringify({ ...rest, hash: entryHash(rest) })]);
    const r = await runVerify(['--log', file, '--public-key', pubFile, '--checkpoints', join(t.dir, 'none.jsonl')]);
    expect(r.code).toBe(EXIT.input); // the checkpoints file given must exist
    const bad = await verifyAuditLog(file, { key: { keyId: key.keyId, publicKey: key.publicKey }, checkpointsFile: null });
    expect(bad).toMatchObject({ ok: false, brokenSeq: 4 });
    expect(bad.reason).toContain('checkpoint signature does not verify');
    // The exported copy still holds the genuine signature: the log differs from it.
    expect((await verifyAuditLog(file)).reason).toContain('differs from the checkpoints file');
    // Another key: a key mismatch, at start-up too.
    expect((await runVerify(['--log', file, '--public-key', other.pubFile])).err).toContain('AUDIT_KEY_MISMATCH');
    await expect(AuditLog.open(file, { key: other.key })).rejects.toMatchObject({ code: 'AUDIT_KEY_MISMATCH' });
    t.cleanup();
  });

  it('refuses at start-up a log shorter than or diverging from its checkpoints file, and a keyed log without its key', async () => {
    const t = tempDir();
    const { key } = newKey(t.dir);
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 6, key, { checkpointEvery: 2 });
    const lines = readLines(file);
    // Cut back to just before the last exported checkpoint.
    writeLines(file, lines.slice(0, -2));
    await expect(AuditLog.open(file, { key })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN', message: expect.stringContaining('cut off the end') });
    // Cut back to an earlier checkpoint, with everything after it dropped: still shorter than the file.
    writeLines(file, lines.slice(0, 3));
    await expect(AuditLog.open(file, { key })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
    writeLines(file, lines);
    // A checkpoints file naming another hash at a checkpointed seq: the log diverges from it.
    const side = `${file}.checkpoints.jsonl`;
    const exported = readFileSync(side, 'utf8');
    const first = JSON.parse(exported.split('\n')[0]!) as { entryHash: string };
    writeFileSync(side, exported.replace(first.entryHash, 'ff'.repeat(32)));
    await expect(AuditLog.open(file, { key })).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN', message: expect.stringContaining('differs from the checkpoints file') });
    writeFileSync(side, exported);
    await expect(AuditLog.open(file)).rejects.toMatchObject({ code: 'AUDIT_KEY_MISMATCH' });
    const reopened = await AuditLog.open(file, { key });
    expect(reopened.resumed).toMatchObject({ cleanShutdown: true, unanchored: 0 });
    await reopened.close();
    t.cleanup();
  });

  it('rotates across files keeping one chain; verifies the set in order and finds a missing or renamed file', async () => {
    const t = tempDir();
    const { key, keyFile } = newKey(t.dir);
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 30, key, { rotateBytes: 2000 });
    // A restart continues the chain after the last rotated file.
    await writeLog(file, 10, key, { rotateBytes: 2000 });
    const rotated = readdirSync(t.dir)
      .filter((n) => /^audit\.jsonl\.\d+-\d+\.jsonl$/.test(n))
      .sort((a, b) => Number(a.split('.')[2]!.split('-')[0]) - Number(b.split('.')[2]!.split('-')[0]));
    expect(rotated.length).toBeGreaterThanOrEqual(3);
    expect(rotated[0]).toMatch(/^audit\.jsonl\.1-\d+\.jsonl$/);
    // Each rotated file ends with its rotation checkpoint.
    for (const name of rotated) expect(auditEntries(join(t.dir, name)).at(-1)?.event).toMatchObject({ kind: 'checkpoint', reason: 'rotation' });
    const whole = await verifyAuditLog(file, { key });
    expect(whole).toMatchObject({ ok: true, cleanShutdown: true, files: [...rotated.map((n) => join(t.dir, n)), file] });
    expect(whole.entries).toBeGreaterThan(40);
    expect((await runVerify(['--log', file, '--key', keyFile])).code).toBe(0);
    // Several --log: exactly those, in order; out of order is a break.
    const files = [...rotated.map((n) => join(t.dir, n)), file];
    expect((await runVerify(['--log', files[0]!, '--log', files[1]!, '--key', keyFile])).code).toBe(0);
    const swapped = await runVerify(['--log', files[1]!, '--log', files[0]!, '--key', keyFile]);
    expect([swapped.code, swapped.err]).toEqual([EXIT.audit, expect.stringContaining('seq 1')]);
    // The service reads entries across the files.
    const log = await AuditLog.open(file, { key, rotateBytes: 2000 });
    const seqs: number[] = [];
    for await (const line of log.lines()) seqs.push(JSON.parse(line).seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    await log.close();

    // A missing middle file: the set has a gap.
    const middle = join(t.dir, rotated[1]!);
    const aside = join(t.dir, 'aside.jsonl');
    renameSync(middle, aside);
    const gap = await verifyAuditLog(file, { key });
    expect(gap.ok).toBe(false);
    expect(gap.reason).toContain('a file of the set is missing');
    expect((await runVerify(['--log', file, '--key', keyFile])).code).toBe(EXIT.audit);
    // Renamed to claim another range: a break too.
    const [a, b] = rotated[1]!.split('.')[2]!.split('-').map(Number);
    renameSync(aside, join(t.dir, `audit.jsonl.${a}-${b! + 1}.jsonl`));
    expect((await verifyAuditLog(file, { key })).reason).toContain("the file's name says");
    t.cleanup();
  });

  it('moves a torn last line aside under a key too, and the chain and its checkpoints still verify', async () => {
    const t = tempDir();
    const { key, keyFile } = newKey(t.dir);
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 3, key, { checkpointEvery: 2 });
    appendFileSync(file, '{"seq":7,"time":"2026-11-29T10:00:00.000Z","tokenId":"plan');
    expect((await verifyAuditLog(file, { key })).reason).toContain('torn write');
    const log = await AuditLog.open(file, { key });
    expect(log.repairedTail).not.toBeNull();
    log.append(fields(9));
    await log.close();
    expect(readdirSync(t.dir).filter((n) => n.startsWith('audit.jsonl.torn-'))).toHaveLength(1);
    const entries = auditEntries(file);
    expect(entries.map((e) => e.event?.kind ?? '-')).toEqual(['-', '-', 'checkpoint', '-', 'checkpoint', 'torn-tail', '-', 'checkpoint']);
    expect(entries.every((e) => e.mac !== undefined)).toBe(true);
    expect((await runVerify(['--log', file, '--key', keyFile, '--require-shutdown'])).code).toBe(0);
    t.cleanup();
  });

  it('keeps the unkeyed chain where allowed: no MAC, no checkpoint, no checkpoints file; a key is refused on it', async () => {
    const t = tempDir();
    const { key, keyFile } = newKey(t.dir);
    const file = join(t.dir, 'audit.jsonl');
    await writeLog(file, 4, null);
    const entries = auditEntries(file);
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(entries.some((e) => e.mac !== undefined || e.event !== undefined)).toBe(false);
    expect(existsSync(`${file}.checkpoints.jsonl`)).toBe(false);
    expect(await verifyAuditLog(file)).toMatchObject({ ok: true, keyed: false, macs: 'none', checkpoints: 0, unanchored: 4 });
    const r = await runVerify(['--log', file]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('unkeyed');
    expect((await runVerify(['--log', file, '--key', keyFile])).err).toContain('AUDIT_KEY_MISMATCH');
    await expect(AuditLog.open(file, { key })).rejects.toMatchObject({ code: 'AUDIT_KEY_MISMATCH' });
    t.cleanup();
  });

  it('reports keying and the last checkpoint on /healthz, and verifies with the service key on /v1/audit/verify', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const { key } = newKey(t.dir);
    const file = join(t.dir, 'audit.jsonl');
    const app = await fakeApp(t.dir, { auditLogFile: file, auditLogOptions: { key, checkpointEvery: 2 } });
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/v1/models', headers: auth('planner') });
    const health = (await app.inject({ method: 'GET', url: '/healthz' })).json();
    expect(health.audit).toMatchObject({ state: 'ok', keyed: true });
    expect(health.audit.lastCheckpointSeq).toBeGreaterThanOrEqual(3);
    const v = await app.inject({ method: 'GET', url: '/v1/audit/verify', headers: auth('auditor') });
    expect(v.json()).toMatchObject({ ok: true, keyed: true, macs: 'verified', signatures: 'verified' });
    await app.close();
    expect(await verifyAuditLog(file, { key })).toMatchObject({ ok: true, cleanShutdown: true });
    t.cleanup();
  });
});
