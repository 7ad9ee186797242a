// Append-only, hash-chained audit log: one JSON line per request, hash = sha256(prevHash + canonical entry).
// One writer per file; lines are chained synchronously (so order is fixed) and written in buffered batches.
// A failed write degrades the log instead of breaking it: the entries stay in memory, a partly written chunk is cut
// off the file, and the writer retries until a write succeeds (the service answers 503 meanwhile). A torn last line
// found at start-up (a crash mid-write) is moved to a side file and recorded by an entry of its own.
import { createReadStream } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
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
    /** Only on the log's own entries: refusals counted in aggregate, or a torn tail moved aside at start-up. */
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
      ])
      .optional(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .strict();
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
type AuditFields = Omit<AuditEntry, 'seq' | 'time' | 'prevHash' | 'hash'>;
/** Entries of the log's own (no request behind them): no token, no model, latency 0. */
const SYSTEM_FIELDS = { tokenId: null, role: null, method: '-', model: null, version: null, latencyMs: 0 } as const;

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

/** Verifies the first `end` bytes of a file (the whole file without `end`). */
async function verifyAuditFile(file: string, end?: number): Promise<VerifyResult> {
  if (end === 0) return verifyAuditLines([]);
  const input = createReadStream(file, end === undefined ? { encoding: 'utf8' } : { encoding: 'utf8', start: 0, end: end - 1 });
  const rl = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    return await verifyAuditLines(rl);
  } finally {
    rl.close();
  }
}

export async function verifyAuditLog(file: string): Promise<VerifyResult> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  const result = await verifyAuditFile(file);
  if (!result.ok) {
    // A break on the unterminated last line, after an intact chain, is a torn write (a crash mid-append): say so.
    const { complete } = await tornTail(file, size);
    if (complete < size && (await verifyAuditFile(file, complete)).ok) {
      return { ...result, reason: `${result.reason ?? 'broken'} (an unterminated last line: a torn write, which the service moves to a side file at start-up)` };
    }
  }
  return result;
}

/** Where the file's last complete line ends (just after its newline; 0 when none) and the torn bytes after it. */
async function tornTail(file: string, size: number): Promise<{ complete: number; tail: Buffer }> {
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

/** The torn tail, when it is after all the next entry of the chain lacking only its newline. */
function completesChain(tail: Buffer, chain: VerifyResult): boolean {
  try {
    const parsed = AuditEntrySchema.safeParse(JSON.parse(tail.toString('utf8')));
    if (!parsed.success) return false;
    const { hash, ...rest } = parsed.data;
    return rest.seq === chain.lastSeq + 1 && rest.prevHash === chain.lastHash && entryHash(rest) === hash;
  } catch {
    return false;
  }
}

/** A side-file name beside the log that does not exist yet: `<log>.torn-<timestamp>`. */
async function sideFileName(file: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  for (let n = 0; ; n++) {
    const name = `${file}.torn-${stamp}${n === 0 ? '' : `-${n}`}`;
    const exists = await stat(name).then(
      () => true,
      () => false,
    );
    if (!exists) return name;
  }
}

async function writeDurably(file: string, data: Buffer): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export interface AuditLogOptions {
  /** How a chunk is appended at the end of the open log (default: the handle's appendFile); tests inject failing writes here. */
  write?: (handle: FileHandle, chunk: string) => Promise<void>;
  /** While degraded: the least time between two write attempts, and the period of the background retry (ms). */
  retryMs?: number;
  /** Called when writes start failing (with the failure) and when they work again (null): the service logs both. */
  onStateChange?: (degraded: { since: Date; error: ServicepathError } | null) => void;
}

/** The writer's state for /healthz: ok, or degraded since the first failed write, with the code and the cause. */
type AuditHealth =
  | { state: 'ok' }
  | { state: 'degraded'; since: string; code: 'AUDIT_WRITE_FAILED'; reason: string; backlog: number };

const DEFAULT_RETRY_MS = 500;

/**
 * The one writer. An existing log is verified at open and its chain continued from the last hash; a broken log is
 * refused (it is evidence: move it aside to start a new one). An unterminated last line (a torn write) is not a
 * break: it is moved to `<log>.torn-<timestamp>` and the chain continues from the last good entry with an entry
 * saying so (or, when the torn line is a whole entry short of its newline, the newline is added).
 */
export class AuditLog {
  private prevHash = GENESIS_HASH;
  private seq = 0;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private handle: FileHandle | null = null;
  private readonly memory: string[] = [];
  /** Bytes of the file known to hold whole lines; a failed write is cut back to this before the next one. */
  private size = 0;
  private cutBack = false;
  private torn: { sideFile: string; bytes: Buffer } | null = null;
  private degradedSince: Date | null = null;
  private lastError: ServicepathError | null = null;
  private lastAttempt = 0;
  private attempt: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly write: NonNullable<AuditLogOptions['write']>;
  private readonly retryMs: number;
  private readonly onStateChange: AuditLogOptions['onStateChange'];
  /** Set when open() moved a torn last line aside. */
  repairedTail: { sideFile: string; bytes: number } | null = null;

  private constructor(
    readonly file: string | null,
    options: AuditLogOptions,
  ) {
    this.write = options.write ?? ((handle, chunk) => handle.appendFile(chunk, 'utf8'));
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.onStateChange = options.onStateChange;
  }

  /** `file` null keeps the log in memory (tests, --dev without --audit-log). */
  static async open(file: string | null, options: AuditLogOptions = {}): Promise<AuditLog> {
    const log = new AuditLog(file, options);
    if (file === null) return log;
    const size = await stat(file).then(
      (s) => s.size,
      () => null,
    );
    let repair: { sideFile: string; bytes: Buffer } | null = null;
    if (size !== null) {
      const { complete, tail } = await tornTail(file, size);
      const result = await verifyAuditFile(file, complete);
      if (!result.ok) {
        throw new ServicepathError('AUDIT_CHAIN_BROKEN', { file, seq: result.brokenSeq ?? 0, line: result.brokenLine ?? 0, reason: result.reason ?? '' });
      }
      log.seq = result.lastSeq;
      log.prevHash = result.lastHash;
      log.size = complete;
      if (tail.length > 0 && completesChain(tail, result)) {
        // The whole entry is there, only its newline is missing: keep it.
        const entry = AuditEntrySchema.parse(JSON.parse(tail.toString('utf8')));
        log.seq = entry.seq;
        log.prevHash = entry.hash;
        log.size = size;
        log.pending.push('\n');
      } else if (tail.length > 0) {
        repair = { sideFile: await sideFileName(file, new Date()), bytes: tail };
      }
    }
    log.handle = await open(file, 'a');
    if (repair !== null) {
      // Moved aside before the file is cut (by the first write), and recorded in the chain, never dropped.
      log.torn = repair;
      log.cutBack = true;
      log.repairedTail = { sideFile: repair.sideFile, bytes: repair.bytes.length };
      log.append({
        ...SYSTEM_FIELDS,
        route: '(audit log: torn last line moved aside)',
        inputSha256: sha256Hex(repair.bytes),
        status: 0,
        event: { kind: 'torn-tail', sideFile: basename(repair.sideFile), bytes: repair.bytes.length },
      });
    }
    // Start-up never fails on a write: a log that cannot be written starts degraded and retries.
    await log.flush();
    return log;
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** null while writes succeed; else since when they fail and the last failure (AUDIT_WRITE_FAILED). */
  get degraded(): { since: Date; error: ServicepathError } | null {
    return this.degradedSince === null || this.lastError === null ? null : { since: this.degradedSince, error: this.lastError };
  }

  health(): AuditHealth {
    const d = this.degraded;
    if (d === null) return { state: 'ok' };
    const cause = d.error.cause as { code?: unknown } | undefined;
    const reason = typeof cause?.code === 'string' ? cause.code : 'write failed';
    return { state: 'degraded', since: d.since.toISOString(), code: 'AUDIT_WRITE_FAILED', reason, backlog: this.pending.length };
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
    // While degraded the backlog waits for the next retry (not one write attempt per request).
    if (!this.scheduled && this.degradedSince === null) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return entry;
  }

  /** One line for the refusals of one address in one interval that got no line of their own. */
  appendRefusals(address: string, from: Date, to: Date, counts: Readonly<Record<string, number>>, now: Date = new Date()): AuditEntry {
    // The status most refused (the lowest on a tie) stands for the line; `counts` has them all.
    let status = 0;
    let most = 0;
    for (const [s, n] of Object.entries(counts)) {
      if (n > most || (n === most && Number(s) < status)) [status, most] = [Number(s), n];
    }
    return this.append(
      {
        ...SYSTEM_FIELDS,
        route: '(refusals)',
        inputSha256: sha256Hex(''),
        status,
        event: { kind: 'refusals', address, from: from.toISOString(), to: to.toISOString(), counts: { ...counts } },
      },
      now,
    );
  }

  /** Writes everything appended so far; writes are serialised on one promise chain (never rejects). */
  flush(): Promise<void> {
    if (this.handle === null) return this.writing;
    this.writing = this.writing.then(() => this.drain());
    return this.writing;
  }

  /**
   * While degraded: one write attempt now, unless one is running (then that one) or the last was less than
   * retryMs ago. Resolves when it is done; `degraded` then says whether it worked.
   */
  retry(): Promise<void> {
    if (this.attempt !== null) return this.attempt;
    if (this.degradedSince === null || Date.now() - this.lastAttempt < this.retryMs) return Promise.resolve();
    const attempt = this.flush().finally(() => {
      this.attempt = null;
    });
    this.attempt = attempt;
    return attempt;
  }

  private async drain(): Promise<void> {
    const handle = this.handle;
    if (handle === null) return;
    if (this.pending.length === 0 && !this.cutBack && this.torn === null) {
      this.recovered();
      return;
    }
    this.lastAttempt = Date.now();
    const lines = this.pending;
    this.pending = [];
    try {
      if (this.torn !== null) {
        await writeDurably(this.torn.sideFile, this.torn.bytes);
        this.torn = null;
      }
      if (this.cutBack) {
        await handle.truncate(this.size);
        this.cutBack = false;
      }
      if (lines.length > 0) {
        const chunk = lines.join('');
        // Until the write is known whole, the file may hold part of it: cut back before the next write.
        this.cutBack = true;
        await this.write(handle, chunk);
        this.cutBack = false;
        this.size += Buffer.byteLength(chunk, 'utf8');
      }
      this.recovered();
    } catch (err) {
      this.pending = this.pending.length === 0 ? lines : lines.concat(this.pending);
      this.lastError = new ServicepathError('AUDIT_WRITE_FAILED', { file: this.file ?? '' }, { cause: err });
      if (this.degradedSince === null) {
        this.degradedSince = new Date();
        this.onStateChange?.({ since: this.degradedSince, error: this.lastError });
      }
      this.scheduleRetry();
    }
  }

  private recovered(): void {
    if (this.degradedSince !== null) this.onStateChange?.(null);
    this.degradedSince = null;
    this.lastError = null;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    // Entries appended during the last attempt go out now.
    if (this.pending.length > 0 && !this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.retry().then(() => {
        if (this.degradedSince !== null) this.scheduleRetry();
      });
    }, this.retryMs);
    this.retryTimer.unref();
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

  /** Flushes (one last attempt when degraded) and closes; returns how many entries could not be written. */
  async close(): Promise<number> {
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.flush();
    await this.handle?.close();
    this.handle = null;
    return this.pending.length;
  }
}
