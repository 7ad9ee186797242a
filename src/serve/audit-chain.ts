// The audit log's format and its check (docs/audit.md): one JSON line per entry, hash = sha256(prevHash + canonical
// entry); under an audit key every entry also carries mac = HMAC-SHA256 of the same bytes, and signed checkpoint
// entries anchor the chain (copied to `<log>.checkpoints.jsonl` for write-once storage). A log may be a set of files:
// rotated ones `<log>.<firstSeq>-<lastSeq>.jsonl`, then the live `<log>`.
import { createReadStream } from 'node:fs';
import { type FileHandle, open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ServicepathError } from '../errors/index.js';
import { sha256Hex } from '../util/hash.js';
import { type AuditKey, type AuditPublicKey, checkpointSignatureHolds, macHex } from './audit-key.js';

export const GENESIS_HASH = '0'.repeat(64);

const CHECKPOINT_REASONS = ['interval', 'rotation', 'shutdown'] as const;
export type CheckpointReason = (typeof CHECKPOINT_REASONS)[number];

export const AuditEntrySchema = z
  .object({
    seq: z.number().int().min(1),
    time: z.string(),
    tokenId: z.string().nullable(),
    role: z.string().nullable(),
    method: z.string(),
    route: z.string(),
    model: z.string().nullable(),
    version: z.string().nullable(),
    inputSha256: z.string(),
    status: z.number().int(),
    latencyMs: z.number(),
    /** Only on the log's own entries: refusals counted in aggregate, a torn tail moved aside, a signed checkpoint. */
    event: z
      .discriminatedUnion('kind', [
        z
          .object({
            kind: z.literal('refusals'),
            /** The client address (IPv6 by its /64), or "(other addresses)" past the per-interval cap. */
            address: z.string(),
            from: z.string(),
            to: z.string(),
            /** Refusals by HTTP status that got no line of their own. */
            counts: z.record(z.string(), z.number().int()),
          })
          .strict(),
        z.object({ kind: z.literal('torn-tail'), sideFile: z.string(), bytes: z.number().int() }).strict(),
        z
          .object({
            kind: z.literal('checkpoint'),
            /** The entry checkpointed: always the one just before this entry. */
            seq: z.number().int().min(1),
            /** Its hash. */
            hash: z.string(),
            reason: z.enum(CHECKPOINT_REASONS),
            /** The audit key (its public key's id) that signed. */
            keyId: z.string(),
            /** Ed25519 signature (base64) of "servicepath audit checkpoint v1\nseq <seq>\nhash <hash>\n". */
            signature: z.string(),
          })
          .strict(),
      ])
      .optional(),
    prevHash: z.string(),
    /** Under an audit key: HMAC-SHA256 (hex) of prevHash + canonical entry, with the key derived from the audit key. */
    mac: z.string().optional(),
    hash: z.string(),
  })
  .strict();
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
/** An entry without what is computed from it (the bytes hashed and MACed are prevHash + its canonical JSON). */
export type AuditBody = Omit<AuditEntry, 'hash' | 'mac'>;

/** One line of `<log>.checkpoints.jsonl`: a checkpoint entry of the log, written once the log holds it. */
const CheckpointRecordSchema = z
  .object({
    /** The checkpoint entry's own seq and hash in the log. */
    entrySeq: z.number().int().min(2),
    entryHash: z.string(),
    /** The entry it checkpoints (entrySeq - 1), its hash, and the signature over both. */
    seq: z.number().int().min(1),
    hash: z.string(),
    reason: z.enum(CHECKPOINT_REASONS),
    keyId: z.string(),
    signature: z.string(),
    time: z.string(),
  })
  .strict();
export type CheckpointRecord = z.infer<typeof CheckpointRecordSchema>;

/** JSON with object keys sorted at every level, so a hash does not depend on key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/** The bytes an entry's hash and MAC cover: prevHash + canonical JSON of the entry without hash and mac. */
export function entryInput(body: AuditBody): string {
  return body.prevHash + canonicalEntryJson(body);
}

export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const { mac: _mac, ...body } = entry;
  return sha256Hex(entryInput(body));
}

/** The fields of an entry (without hash and mac), sorted as canonicalJson sorts them, each with its `"key":` prefix. */
const ENTRY_KEYS = (Object.keys(AuditEntrySchema.shape) as (keyof AuditEntry)[])
  .filter((k) => k !== 'hash' && k !== 'mac')
  .sort()
  .map((k) => [k, `${JSON.stringify(k)}:`] as const);

/**
 * canonicalJson of an entry the log builds itself (every field a string, a number or null), without the generic
 * walk: the hot path of append(). Any other shape (an extra key, a nested value) takes the generic one.
 */
export function canonicalEntryJson(entry: AuditBody): string {
  const record = entry as unknown as Record<string, unknown>;
  let out = '{';
  let count = 0;
  for (const [key, prefix] of ENTRY_KEYS) {
    const v = record[key];
    if (v === undefined) continue;
    if (v !== null && typeof v === 'object') return canonicalJson(entry);
    out += count++ === 0 ? prefix : `,${prefix}`;
    out += JSON.stringify(v) ?? 'null';
  }
  if (Object.keys(record).length !== count) return canonicalJson(entry);
  return `${out}}`;
}

export interface VerifyResult {
  ok: boolean;
  /** Entries read (in every file of the set). */
  entries: number;
  lastSeq: number;
  lastHash: string;
  /** The first seq whose line is missing, edited, out of order, or does not match the checkpoints file. */
  brokenSeq?: number;
  /** 1-based line number of the first bad line (in brokenFile). */
  brokenLine?: number;
  brokenFile?: string;
  reason?: string;
  /** `key` when the log is keyed otherwise than the key given (AUDIT_KEY_MISMATCH); `chain` for any other break. */
  problem?: 'chain' | 'key';
  /** Whether the entries carry MACs (null: no entry). */
  keyed: boolean | null;
  /** verified: every MAC checked under the private key; unchecked: keyed, but no private key given; none: unkeyed. */
  macs: 'verified' | 'unchecked' | 'none';
  /** Checkpoint entries in the log, and whether their signatures were checked (a public or private key given). */
  checkpoints: number;
  signatures: 'verified' | 'unchecked' | 'none';
  /** The key id the checkpoints name. */
  keyId: string | null;
  /** Seq of the last checkpoint entry, and its reason. */
  lastCheckpointSeq: number | null;
  lastCheckpointReason: CheckpointReason | null;
  /** Entries after the last checkpoint entry: not anchored by a signature (a crash, a running service, or a cut). */
  unanchored: number;
  /** The log ends with a shutdown checkpoint: the service stopped cleanly and nothing was cut off since. */
  cleanShutdown: boolean;
  /** The files read, oldest first. */
  files: string[];
  /** The checkpoints file compared with the log: its records, and lines that could not be read (not a failure). */
  external: { file: string; checkpoints: number; matched: number; unreadable: number } | null;
}

type Failure = { reason: string; problem: 'chain' | 'key' };
const chainFailure = (reason: string): Failure => ({ reason, problem: 'chain' });
const keyFailure = (reason: string): Failure => ({ reason, problem: 'key' });

/** Where a check starts: after the entry `seq` with hash `hash` (seq 0 and the genesis hash for a whole log). */
export interface ChainStart {
  seq: number;
  hash: string;
  keyed: boolean | null;
  lastCheckpoint: { seq: number; reason: CheckpointReason; keyId: string } | null;
}
const LOG_START: ChainStart = { seq: 0, hash: GENESIS_HASH, keyed: null, lastCheckpoint: null };

/**
 * The check of one chain, line by line: seq, prevHash and hash; the MAC when given the private key; each checkpoint
 * (it names the entry before it; its signature when given a key); each entry named by the checkpoints file.
 * State changes only when a line holds.
 */
export class ChainVerifier {
  lastSeq: number;
  lastHash: string;
  entries = 0;
  keyed: boolean | null;
  checkpoints = 0;
  keyId: string | null;
  lastCheckpointSeq: number | null;
  lastCheckpointReason: CheckpointReason | null;
  matched = 0;
  /** Entries after the last checkpoint (counted from the start when it is not one). */
  sinceCheckpoint = 0;

  constructor(
    private readonly key: AuditKey | AuditPublicKey | null,
    start: ChainStart = LOG_START,
    private readonly external: ReadonlyMap<number, CheckpointRecord> | null = null,
  ) {
    this.lastSeq = start.seq;
    this.lastHash = start.hash;
    this.keyed = start.keyed;
    this.keyId = start.lastCheckpoint?.keyId ?? null;
    this.lastCheckpointSeq = start.lastCheckpoint?.seq ?? null;
    this.lastCheckpointReason = start.lastCheckpoint?.reason ?? null;
  }

  /** null when the line holds (and is taken into the chain); else why not. */
  add(line: string): Failure | null {
    if (line.trim() === '') return chainFailure('empty line');
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return chainFailure('not valid JSON');
    }
    const parsed = AuditEntrySchema.safeParse(raw);
    if (!parsed.success) return chainFailure('not an audit entry');
    const { hash, mac, ...body } = parsed.data;
    const expected = this.lastSeq + 1;
    if (body.seq !== expected) return chainFailure(`expected seq ${expected}, found ${body.seq}`);
    if (body.prevHash !== this.lastHash) return chainFailure('prevHash does not match the previous line');
    const input = entryInput(body);
    if (sha256Hex(input) !== hash) return chainFailure('hash does not match the line content');
    const hasMac = mac !== undefined;
    if (this.key !== null && !hasMac) return keyFailure('the entry has no MAC (an unkeyed log, or its MACs were removed), but a key was given');
    if (this.keyed !== null && this.keyed !== hasMac) {
      return chainFailure(hasMac ? 'a MAC after unkeyed entries' : 'no MAC in a keyed log (removed?)');
    }
    if (mac !== undefined && this.key !== null && 'macKey' in this.key && macHex(this.key.macKey, input) !== mac) {
      return chainFailure(`the MAC does not verify under key ${this.key.keyId} (the entry or the chain before it was rewritten, or the log was keyed with another key)`);
    }
    const event = body.event;
    if (event?.kind === 'checkpoint') {
      if (event.seq !== body.seq - 1 || event.hash !== body.prevHash) return chainFailure('the checkpoint does not name the entry before it');
      if (this.key !== null && event.keyId !== this.key.keyId) return keyFailure(`the checkpoint is signed by key ${event.keyId}, not by the given key ${this.key.keyId}`);
      if (this.keyId !== null && event.keyId !== this.keyId) return chainFailure(`the checkpoint is signed by key ${event.keyId}, the earlier ones by ${this.keyId}`);
      if (this.key !== null && !checkpointSignatureHolds(this.key, event.seq, event.hash, event.signature)) {
        return chainFailure(`the checkpoint signature does not verify under key ${this.key.keyId}`);
      }
    }
    const record = this.external?.get(body.seq);
    if (record !== undefined) {
      const same = event?.kind === 'checkpoint' && record.entryHash === hash && record.seq === event.seq && record.hash === event.hash && record.signature === event.signature;
      if (!same) return chainFailure(`the entry differs from the checkpoints file (which has a checkpoint here, hash ${record.entryHash.slice(0, 16)}…)`);
      this.matched++;
    }
    // The line holds: take it.
    this.lastSeq = body.seq;
    this.lastHash = hash;
    this.entries++;
    this.keyed = hasMac;
    if (event?.kind === 'checkpoint') {
      this.checkpoints++;
      this.keyId = event.keyId;
      this.lastCheckpointSeq = body.seq;
      this.lastCheckpointReason = event.reason;
      this.sinceCheckpoint = 0;
    } else {
      this.sinceCheckpoint++;
    }
    return null;
  }
}

/** A rotated file's log name and seq range from its name `<log>.<firstSeq>-<lastSeq>.jsonl`, or null. */
function rotatedRange(file: string): { base: string; first: number; last: number } | null {
  const m = /^(.+)\.(\d+)-(\d+)\.jsonl$/.exec(basename(file));
  return m === null ? null : { base: m[1]!, first: Number(m[2]), last: Number(m[3]) };
}

export function rotatedName(log: string, first: number, last: number): string {
  return `${log}.${first}-${last}.jsonl`;
}

/** The rotated files of a log (beside it, named `<log>.<firstSeq>-<lastSeq>.jsonl`), oldest first. */
export async function rotatedFiles(log: string): Promise<{ file: string; first: number; last: number }[]> {
  const dir = dirname(log);
  const names = await readdir(dir).catch(() => [] as string[]);
  const out: { file: string; first: number; last: number }[] = [];
  for (const name of names) {
    const range = rotatedRange(name);
    if (range !== null && range.base === basename(log)) out.push({ file: join(dir, name), first: range.first, last: range.last });
  }
  return out.sort((a, b) => a.first - b.first || a.last - b.last);
}

/** The checkpoints file beside a log. */
export function checkpointsFileOf(log: string): string {
  return `${log}.checkpoints.jsonl`;
}

export const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

interface CheckpointsFile {
  file: string;
  records: CheckpointRecord[];
  byEntrySeq: Map<number, CheckpointRecord>;
  /** Lines that are not a checkpoint record (a torn last line after a crash mid-append, or damage). */
  unreadable: number;
  /** The file does not end with a newline (a torn last line). */
  unterminated: boolean;
}

/** Reads a checkpoints file; a missing one is empty when `missingOk`, else FILE_NOT_FOUND. */
export async function readCheckpointsFile(file: string, missingOk: boolean): Promise<CheckpointsFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (missingOk && (err as NodeJS.ErrnoException).code === 'ENOENT') text = '';
    else throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  const records: CheckpointRecord[] = [];
  const byEntrySeq = new Map<number, CheckpointRecord>();
  let unreadable = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: ReturnType<typeof CheckpointRecordSchema.safeParse>;
    try {
      parsed = CheckpointRecordSchema.safeParse(JSON.parse(line));
    } catch {
      unreadable++;
      continue;
    }
    if (!parsed.success) {
      unreadable++;
      continue;
    }
    records.push(parsed.data);
    byEntrySeq.set(parsed.data.entrySeq, parsed.data);
  }
  return { file, records, byEntrySeq, unreadable, unterminated: text.length > 0 && !text.endsWith('\n') };
}

/** The checkpoint record of the log with the highest seq, or null. */
export function lastRecord(checkpoints: CheckpointsFile): CheckpointRecord | null {
  let last: CheckpointRecord | null = null;
  for (const r of checkpoints.records) if (last === null || r.entrySeq > last.entrySeq) last = r;
  return last;
}

/** Lines of the first `end` bytes of a file (the whole file without `end`), with each line's start offset. */
async function* fileLines(file: string, end?: number): AsyncGenerator<{ line: string; offset: number }> {
  if (end === 0) return;
  const input = createReadStream(file, end === undefined ? { encoding: 'utf8' } : { encoding: 'utf8', start: 0, end: end - 1 });
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let offset = 0;
  try {
    for await (const line of rl) {
      yield { line, offset };
      offset += Buffer.byteLength(line, 'utf8') + 1;
    }
  } finally {
    rl.close();
  }
}

/** Where the file's last complete line ends (just after its newline; 0 when none) and the torn bytes after it. */
export async function tornTail(file: string, size: number): Promise<{ complete: number; tail: Buffer }> {
  const handle = await open(file, 'r');
  try {
    const block = 64 * 1024;
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - block);
      const buf = Buffer.alloc(end - start);
      await handle.read(buf, 0, buf.length, start);
      const nl = buf.lastIndexOf(0x0a);
      if (nl >= 0) {
        const complete = start + nl + 1;
        return { complete, tail: await readRange(handle, complete, size) };
      }
      end = start;
    }
    return { complete: 0, tail: await readRange(handle, 0, size) };
  } finally {
    await handle.close();
  }
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.alloc(end - start);
  if (buf.length > 0) await handle.read(buf, 0, buf.length, start);
  return buf;
}

/** The last complete line of a file, parsed (null when the file has none, or it is not an entry). */
export async function lastEntryOf(file: string): Promise<AuditEntry | null> {
  const size = (await stat(file)).size;
  const { complete } = await tornTail(file, size);
  if (complete === 0) return null;
  const { complete: before } = await tornTail(file, complete - 1);
  const handle = await open(file, 'r');
  try {
    const parsed = AuditEntrySchema.safeParse(JSON.parse((await readRange(handle, before, complete - 1)).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** Where to pick a chain up after `entry` (the last entry of an earlier file). */
export function startAfter(entry: AuditEntry): ChainStart {
  const event = entry.event;
  return {
    seq: entry.seq,
    hash: entry.hash,
    keyed: entry.mac !== undefined,
    lastCheckpoint: event?.kind === 'checkpoint' ? { seq: entry.seq, reason: event.reason, keyId: event.keyId } : null,
  };
}

/** Feeds the lines of a file (its first `end` bytes) to a verifier; the first failure with its line and offset. */
export async function verifyFileLines(verifier: ChainVerifier, file: string, end?: number): Promise<{ failure: Failure; line: number; offset: number } | null> {
  let line = 0;
  for await (const l of fileLines(file, end)) {
    line++;
    const failure = verifier.add(l.line);
    if (failure !== null) return { failure, line, offset: l.offset };
  }
  return null;
}

function result(v: ChainVerifier, key: AuditKey | AuditPublicKey | null, files: string[], external: CheckpointsFile | null): VerifyResult {
  const keyed = v.entries === 0 ? null : v.keyed;
  return {
    ok: true,
    entries: v.entries,
    lastSeq: v.lastSeq,
    lastHash: v.lastHash,
    keyed,
    macs: keyed !== true ? 'none' : key !== null && 'macKey' in key ? 'verified' : 'unchecked',
    checkpoints: v.checkpoints,
    signatures: v.checkpoints === 0 ? 'none' : key !== null ? 'verified' : 'unchecked',
    keyId: v.keyId,
    lastCheckpointSeq: v.lastCheckpointSeq,
    lastCheckpointReason: v.lastCheckpointReason,
    unanchored: v.sinceCheckpoint,
    cleanShutdown: v.lastCheckpointSeq !== null && v.lastCheckpointSeq === v.lastSeq && v.lastCheckpointReason === 'shutdown',
    files,
    external: external === null ? null : { file: external.file, checkpoints: external.records.length, matched: v.matched, unreadable: external.unreadable },
  };
}

interface VerifyOptions {
  /** The private key (MACs and signatures), the public key (signatures), or none (the chain only). */
  key?: AuditKey | AuditPublicKey | null;
  /** A checkpoints file to compare with (none when null or absent). */
  checkpointsFile?: string | null;
}

/**
 * Verifies a set of files as one chain, oldest first, from seq 1: a missing, reordered or renamed file breaks it.
 * With a checkpoints file, every checkpoint it holds must be in the log, identical (a log shorter than its last
 * checkpoint fails). An unterminated last line after an intact chain is reported as a torn write.
 */
export async function verifyAuditSet(files: readonly string[], options: VerifyOptions = {}): Promise<VerifyResult> {
  const key = options.key ?? null;
  const external = options.checkpointsFile == null ? null : await readCheckpointsFile(options.checkpointsFile, false);
  const v = new ChainVerifier(key, LOG_START, external?.byEntrySeq ?? null);
  const read: string[] = [];
  const log = files.at(-1) ?? '';
  let lines = 0;
  for (const [i, file] of files.entries()) {
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (err) {
      throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
    }
    read.push(file);
    const firstSeq = v.lastSeq + 1;
    const bad = await verifyFileLines(v, file);
    if (bad !== null) {
      let reason = bad.failure.reason;
      if (bad.line === 1 && i > 0 && reason.startsWith('expected seq')) reason += ' at the start of a file: a file of the set is missing, or the files are out of order';
      if (i === files.length - 1) {
        const { complete } = await tornTail(file, size);
        if (complete < size && bad.offset === complete) reason += ' (an unterminated last line: a torn write, which the service moves to a side file at start-up)';
      }
      return { ...result(v, key, read, external), ok: false, brokenSeq: v.lastSeq + 1, brokenLine: bad.line, brokenFile: file, reason, problem: bad.failure.problem };
    }
    lines = v.lastSeq - firstSeq + 1;
    const range = rotatedRange(file);
    if (range !== null && (range.first !== firstSeq || range.last !== v.lastSeq)) {
      const holds = v.lastSeq < firstSeq ? 'no entry' : `seq ${firstSeq}-${v.lastSeq}`;
      return {
        ...result(v, key, read, external),
        ok: false,
        brokenSeq: firstSeq,
        brokenLine: 1,
        brokenFile: file,
        reason: `the file's name says seq ${range.first}-${range.last}, it holds ${holds} (renamed, or a file of the set is missing)`,
        problem: 'chain',
      };
    }
  }
  const beyond = external === null ? null : lastRecord(external);
  if (beyond !== null && beyond.entrySeq > v.lastSeq) {
    return {
      ...result(v, key, read, external),
      ok: false,
      brokenSeq: v.lastSeq + 1,
      brokenLine: lines + 1,
      brokenFile: log,
      reason: `the log ends at seq ${v.lastSeq}, but its checkpoints file has a checkpoint at seq ${beyond.entrySeq} (${beyond.reason}): entries were cut off the end`,
      problem: 'chain',
    };
  }
  return result(v, key, read, external);
}

/** The files of a log, oldest first: its rotated files, then the log itself when it exists. */
export async function logSetFiles(log: string): Promise<string[]> {
  const files = (await rotatedFiles(log)).map((r) => r.file);
  if (files.length === 0 || (await exists(log))) files.push(log);
  return files;
}

/**
 * Verifies a log with its rotated files; the checkpoints file beside it is compared when it exists (unless
 * `checkpointsFile` says which, or null for none).
 */
export async function verifyAuditLog(log: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const checkpointsFile = options.checkpointsFile !== undefined ? options.checkpointsFile : (await exists(checkpointsFileOf(log))) ? checkpointsFileOf(log) : null;
  return verifyAuditSet(await logSetFiles(log), { ...options, checkpointsFile });
}

/** Verifies lines held in memory (a log without a file). */
export function verifyAuditLines(lines: readonly string[], key: AuditKey | null): VerifyResult {
  const v = new ChainVerifier(key);
  for (const [i, line] of lines.entries()) {
    const failure = v.add(line);
    if (failure !== null) return { ...result(v, key, [], null), ok: false, brokenSeq: v.lastSeq + 1, brokenLine: i + 1, reason: failure.reason, problem: failure.problem };
  }
  return result(v, key, [], null);
}
