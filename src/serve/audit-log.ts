// Append-only, hash-chained audit log: one JSON line per request, hash = sha256(prevHash + canonical entry).
// One writer per file; lines are chained synchronously (so order is fixed) and written in buffered batches.
import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ServicepathError } from '../errors/index.js';
import { sha256Hex } from '../util/hash.js';

const GENESIS_HASH = '0'.repeat(64);

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
    prevHash: z.string(),
    hash: z.string(),
  })
  .strict();
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
type AuditFields = Omit<AuditEntry, 'seq' | 'time' | 'prevHash' | 'hash'>;

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

export function entryHash(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(entry.prevHash + canonicalJson(entry));
}

/** The fields of an entry (without hash), sorted as canonicalJson sorts them, each with its `"key":` prefix. */
const ENTRY_KEYS = (Object.keys(AuditEntrySchema.shape) as (keyof AuditEntry)[])
  .filter((k) => k !== 'hash')
  .sort()
  .map((k) => [k, `${JSON.stringify(k)}:`] as const);

/**
 * canonicalJson of an entry the log builds itself (every field a string, a number or null), without the generic
 * walk: the hot path of append(). Any other shape (an extra key, a nested value) takes the generic one.
 */
export function canonicalEntryJson(entry: Omit<AuditEntry, 'hash'>): string {
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
  entries: number;
  lastSeq: number;
  lastHash: string;
  /** The first seq whose line is missing, edited or out of order. */
  brokenSeq?: number;
  /** 1-based line number of the first bad line. */
  brokenLine?: number;
  reason?: string;
}

/** Checks the chain line by line: every edited, reordered or deleted line breaks it. */
async function verifyAuditLines(lines: AsyncIterable<string> | Iterable<string>): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let expectedSeq = 1;
  let lineNo = 0;
  const broken = (reason: string): VerifyResult => ({
    ok: false,
    entries: expectedSeq - 1,
    lastSeq: expectedSeq - 1,
    lastHash: prev,
    brokenSeq: expectedSeq,
    brokenLine: lineNo,
    reason,
  });
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') return broken('empty line');
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return broken('not valid JSON');
    }
    const parsed = AuditEntrySchema.safeParse(raw);
    if (!parsed.success) return broken('not an audit entry');
    const { hash, ...rest } = parsed.data;
    if (rest.seq !== expectedSeq) return broken(`expected seq ${expectedSeq}, found ${rest.seq}`);
    if (rest.prevHash !== prev) return broken('prevHash does not match the previous line');
    if (entryHash(rest) !== hash) return broken('hash does not match the line content');
    prev = hash;
    expectedSeq++;
  }
  return { ok: true, entries: expectedSeq - 1, lastSeq: expectedSeq - 1, lastHash: prev };
}

export async function verifyAuditLog(file: string): Promise<VerifyResult> {
  try {
    await stat(file);
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    return await verifyAuditLines(rl);
  } finally {
    rl.close();
  }
}

/**
 * The one writer. An existing log is verified at open and its chain continued from the last hash;
 * a broken log is refused (it is evidence: move it aside to start a new one).
 */
export class AuditLog {
  private prevHash = GENESIS_HASH;
  private seq = 0;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private handle: FileHandle | null = null;
  private readonly memory: string[] = [];
  failure: Error | null = null;

  private constructor(readonly file: string | null) {}

  /** `file` null keeps the log in memory (tests, --dev without --audit-log). */
  static async open(file: string | null): Promise<AuditLog> {
    const log = new AuditLog(file);
    if (file === null) return log;
    const exists = await stat(file).then(
      () => true,
      () => false,
    );
    if (exists) {
      const result = await verifyAuditLog(file);
      if (!result.ok) {
        throw new ServicepathError('AUDIT_CHAIN_BROKEN', { file, seq: result.brokenSeq ?? 0, line: result.brokenLine ?? 0, reason: result.reason ?? '' });
      }
      log.seq = result.lastSeq;
      log.prevHash = result.lastHash;
    }
    log.handle = await open(file, 'a');
    return log;
  }

  get lastSeq(): number {
    return this.seq;
  }

  append(fields: AuditFields, now: Date = new Date()): AuditEntry {
    const body = { ...fields, seq: this.seq + 1, time: now.toISOString(), prevHash: this.prevHash };
    const entry: AuditEntry = { ...body, hash: sha256Hex(body.prevHash + canonicalEntryJson(body)) };
    this.seq = entry.seq;
    this.prevHash = entry.hash;
    const line = JSON.stringify(entry);
    if (this.file === null) {
      this.memory.push(line);
      return entry;
    }
    this.pending.push(`${line}\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return entry;
  }

  /** Writes everything appended so far; writes are serialised on one promise chain. */
  flush(): Promise<void> {
    if (this.pending.length === 0 || this.handle === null) return this.writing;
    const chunk = this.pending.join('');
    this.pending = [];
    const handle = this.handle;
    this.writing = this.writing
      .then(() => handle.appendFile(chunk, 'utf8'))
      .catch((err: unknown) => {
        this.failure = new ServicepathError('AUDIT_WRITE_FAILED', { file: this.file ?? '' }, { cause: err });
      });
    return this.writing;
  }

  /** Every line written so far, oldest first (flushes first). */
  async *lines(): AsyncGenerator<string> {
    if (this.file === null) {
      yield* this.memory.slice();
      return;
    }
    await this.flush();
    const rl = createInterface({ input: createReadStream(this.file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
    try {
      for await (const line of rl) if (line !== '') yield line;
    } finally {
      rl.close();
    }
  }

  async verify(): Promise<VerifyResult> {
    return verifyAuditLines(this.lines());
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = null;
  }
}
