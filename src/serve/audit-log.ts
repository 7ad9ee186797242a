// The audit log's one writer (format and check: audit-chain.ts, docs/audit.md). One JSON line per request,
// hash-chained; under an audit key each line carries a MAC and a signed checkpoint entry is added every N entries,
// at rotation and at close, and copied to `<log>.checkpoints.jsonl` once the log holds it.
// Lines are chained synchronously (so order is fixed) and written in buffered batches. A failed write degrades the
// log instead of breaking it: the entries stay in memory, a partly written chunk is cut off the file, and the writer
// retries until a write succeeds (the service answers 503 meanwhile). A torn last line found at start-up (a crash
// mid-write) is moved to a side file and recorded by an entry of its own.
import { createReadStream } from 'node:fs';
import { type FileHandle, open, rename, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { ServicepathError } from '../errors/index.js';
import { sha256Hex } from '../util/hash.js';
import {
  type AuditBody,
  type AuditEntry,
  AuditEntrySchema,
  ChainVerifier,
  type CheckpointReason,
  type CheckpointRecord,
  type ChainStart,
  checkpointsFileOf,
  entryInput,
  exists,
  GENESIS_HASH,
  lastEntryOf,
  lastRecord,
  logSetFiles,
  readCheckpointsFile,
  rotatedFiles,
  rotatedName,
  startAfter,
  tornTail,
  verifyAuditLines,
  verifyAuditSet,
  verifyFileLines,
  type VerifyResult,
} from './audit-chain.js';
import { type AuditKey, macHex, signCheckpoint } from './audit-key.js';

type AuditFields = Omit<AuditEntry, 'seq' | 'time' | 'prevHash' | 'hash' | 'mac'>;
/** Entries of the log's own (no request behind them): no token, no model, latency 0. */
const SYSTEM_FIELDS = { tokenId: null, role: null, method: '-', model: null, version: null, latencyMs: 0 } as const;

export const AUDIT_DEFAULTS = {
  /** A signed checkpoint after this many entries (besides those at rotation and at close). */
  checkpointEvery: 1000,
  /** Rotation: off. */
  rotateBytes: 0,
} as const;

/** A side-file name beside the log that does not exist yet: `<log>.torn-<timestamp>`. */
async function sideFileName(file: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  for (let n = 0; ; n++) {
    const name = `${file}.torn-${stamp}${n === 0 ? '' : `-${n}`}`;
    if (!(await exists(name))) return name;
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

/** Appends to a file and syncs it (the checkpoints file: opened per append, so `chattr +a` and shippers work). */
async function appendDurably(file: string, text: string): Promise<void> {
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.appendFile(text, 'utf8');
    await handle.datasync();
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
  /** The audit key: a MAC on every entry and signed checkpoints. Null or absent: unkeyed (a plain hash chain). */
  key?: AuditKey | null;
  /** A checkpoint after every N entries (default AUDIT_DEFAULTS.checkpointEvery; 0: only at rotation and close). */
  checkpointEvery?: number;
  /** Rotate the file once it holds this many bytes (default 0: never). */
  rotateBytes?: number;
}

/** The writer's state for /healthz: ok, or degraded since the first failed write; keyed or not, the last checkpoint. */
type AuditHealth = { keyed: boolean; lastCheckpointSeq: number | null } & (
  | { state: 'ok' }
  | { state: 'degraded'; since: string; code: 'AUDIT_WRITE_FAILED'; reason: string; backlog: number }
);

const DEFAULT_RETRY_MS = 500;

/** A line to write (with the checkpoints-file line it brings, written once the log holds it), or a rotation. */
type Pending = { text: string; side?: string } | { rotate: { first: number; last: number } };

/**
 * The one writer. An existing log is verified at open and its chain continued from the last hash; a broken log is
 * refused (it is evidence: move it aside to start a new one), as is a log shorter than or different from its
 * checkpoints file, or keyed otherwise than the key given. An unterminated last line (a torn write) is not a
 * break: it is moved to `<log>.torn-<timestamp>` and the chain continues from the last good entry with an entry
 * saying so (or, when the torn line is a whole entry short of its newline, the newline is added).
 */
export class AuditLog {
  private prevHash = GENESIS_HASH;
  private seq = 0;
  private pending: Pending[] = [];
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
  private readonly key: AuditKey | null;
  private readonly checkpointEvery: number;
  private readonly rotateBytes: number;
  /** Lines for the checkpoints file whose entries are written, waiting for their own write. */
  private sideBacklog: string[] = [];
  /** Entries since the last checkpoint (checkpoints not counted). */
  private sinceCheckpoint = 0;
  private lastCheckpoint: { seq: number; reason: CheckpointReason } | null = null;
  /** The first seq of the live file, and its bytes with what is queued for it (for rotation). */
  private fileFirstSeq = 1;
  private fileBytes = 0;
  /** A rotation renamed the file but has not opened the next one yet. */
  private renamed = false;
  /** Set when open() moved a torn last line aside. */
  repairedTail: { sideFile: string; bytes: number } | null = null;
  /** Set when open() continued a log: its entries, and whether its last run ended with a shutdown checkpoint. */
  resumed: { lastSeq: number; unanchored: number; cleanShutdown: boolean } | null = null;
  /** `<log>.checkpoints.jsonl` (null in memory). */
  readonly checkpointsFile: string | null;

  private constructor(
    readonly file: string | null,
    options: AuditLogOptions,
  ) {
    this.write = options.write ?? ((handle, chunk) => handle.appendFile(chunk, 'utf8'));
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
    this.onStateChange = options.onStateChange;
    this.key = options.key ?? null;
    this.checkpointEvery = options.checkpointEvery ?? AUDIT_DEFAULTS.checkpointEvery;
    this.rotateBytes = file === null ? 0 : (options.rotateBytes ?? AUDIT_DEFAULTS.rotateBytes);
    this.checkpointsFile = file === null ? null : checkpointsFileOf(file);
  }

  /** `file` null keeps the log in memory (tests, --dev without --audit-log). */
  static async open(file: string | null, options: AuditLogOptions = {}): Promise<AuditLog> {
    const log = new AuditLog(file, options);
    if (file === null) return log;
    const key = log.key;
    const broken = (f: string, seq: number, line: number, reason: string) => new ServicepathError('AUDIT_CHAIN_BROKEN', { file: f, seq, line, reason });
    const mismatch = (detail: string) => new ServicepathError('AUDIT_KEY_MISMATCH', { file, detail });

    // Where the live file picks up: after the last rotated file, when there is one.
    const rotated = await rotatedFiles(file);
    const lastRotated = rotated.at(-1) ?? null;
    let start: ChainStart = { seq: 0, hash: GENESIS_HASH, keyed: null, lastCheckpoint: null };
    if (lastRotated !== null) {
      const last = await lastEntryOf(lastRotated.file);
      if (last === null || last.seq !== lastRotated.last) {
        throw broken(lastRotated.file, lastRotated.last, 0, `the last rotated file does not end with seq ${lastRotated.last}, as its name says`);
      }
      start = startAfter(last);
    }
    const checkpoints = await readCheckpointsFile(checkpointsFileOf(file), true);
    const lastCheckpoint = lastRecord(checkpoints);
    if (lastCheckpoint !== null && key === null) throw mismatch(`its checkpoints are signed by key ${lastCheckpoint.keyId}: give that --audit-key`);
    if (lastCheckpoint !== null && key !== null && lastCheckpoint.keyId !== key.keyId) {
      throw mismatch(`its checkpoints are signed by key ${lastCheckpoint.keyId}, not by the given key ${key.keyId}`);
    }
    const verifier = new ChainVerifier(key, start, checkpoints.byEntrySeq);
    const size = await stat(file).then(
      (s) => s.size,
      () => null,
    );
    let complete = 0;
    let tail: Buffer = Buffer.alloc(0);
    if (size !== null) {
      ({ complete, tail } = await tornTail(file, size));
      const bad = await verifyFileLines(verifier, file, complete);
      if (bad !== null) {
        let reason = bad.failure.reason;
        if (bad.line === 1 && lastRotated !== null && reason.startsWith('expected seq')) reason += ` (the log does not continue its last rotated file ${basename(lastRotated.file)})`;
        if (bad.failure.problem === 'key') throw mismatch(`seq ${verifier.lastSeq + 1}: ${reason}`);
        throw broken(file, verifier.lastSeq + 1, bad.line, reason);
      }
    }
    if (key === null && verifier.keyed === true) throw mismatch('its entries carry MACs: give its --audit-key');
    // The torn tail: kept when it is the next entry lacking only its newline, else moved aside.
    let repair: { sideFile: string; bytes: Buffer } | null = null;
    const keepTail = tail.length > 0 && verifier.add(tail.toString('utf8')) === null;
    if (tail.length > 0 && !keepTail) repair = { sideFile: await sideFileName(file, new Date()), bytes: tail };
    if (lastCheckpoint !== null) {
      if (lastCheckpoint.entrySeq > verifier.lastSeq) {
        throw broken(
          file,
          verifier.lastSeq + 1,
          verifier.lastSeq - start.seq + 1,
          `the log ends at seq ${verifier.lastSeq}, but its checkpoints file has a checkpoint at seq ${lastCheckpoint.entrySeq}: entries were cut off the end`,
        );
      }
      if (lastCheckpoint.entrySeq <= start.seq) await checkRotatedCheckpoint(rotated, lastCheckpoint);
    }
    log.seq = verifier.lastSeq;
    log.prevHash = verifier.lastHash;
    log.size = keepTail ? (size ?? 0) : complete;
    log.fileFirstSeq = start.seq + 1;
    log.sinceCheckpoint = verifier.sinceCheckpoint;
    if (verifier.lastCheckpointSeq !== null && verifier.lastCheckpointReason !== null) log.lastCheckpoint = { seq: verifier.lastCheckpointSeq, reason: verifier.lastCheckpointReason };
    if (keepTail) log.pending.push({ text: '\n' });
    log.fileBytes = log.size;
    if (log.seq > 0) log.resumed = { lastSeq: log.seq, unanchored: log.sinceCheckpoint, cleanShutdown: log.lastCheckpoint?.seq === log.seq && log.lastCheckpoint.reason === 'shutdown' };
    // A torn last record of the checkpoints file (a crash mid-append) is ended, so the next record has a line of its own.
    if (checkpoints.unterminated) log.sideBacklog.push('\n');
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

  /** Whether entries carry a MAC and checkpoints are signed. */
  get keyId(): string | null {
    return this.key?.keyId ?? null;
  }

  /** null while writes succeed; else since when they fail and the last failure (AUDIT_WRITE_FAILED). */
  get degraded(): { since: Date; error: ServicepathError } | null {
    return this.degradedSince === null || this.lastError === null ? null : { since: this.degradedSince, error: this.lastError };
  }

  health(): AuditHealth {
    const keying = { keyed: this.key !== null, lastCheckpointSeq: this.lastCheckpoint?.seq ?? null };
    const d = this.degraded;
    if (d === null) return { state: 'ok', ...keying };
    const cause = d.error.cause as { code?: unknown } | undefined;
    const reason = typeof cause?.code === 'string' ? cause.code : 'write failed';
    return { state: 'degraded', since: d.since.toISOString(), code: 'AUDIT_WRITE_FAILED', reason, backlog: this.backlog(), ...keying };
  }

  private backlog(): number {
    let n = 0;
    for (const p of this.pending) if ('text' in p) n++;
    return n;
  }

  append(fields: AuditFields, now: Date = new Date()): AuditEntry {
    const entry = this.chain(fields, now);
    this.sinceCheckpoint++;
    if (this.key !== null && this.checkpointEvery > 0 && this.sinceCheckpoint >= this.checkpointEvery) this.checkpoint('interval', now);
    if (this.rotateBytes > 0 && this.fileBytes >= this.rotateBytes) this.rotate(now);
    return entry;
  }

  /** Chains one entry and queues its line (with its checkpoints-file line, for a checkpoint). */
  private chain(fields: AuditFields, now: Date, side?: (entry: AuditEntry) => string): AuditEntry {
    const body: AuditBody = { ...fields, seq: this.seq + 1, time: now.toISOString(), prevHash: this.prevHash };
    const input = entryInput(body);
    const hash = sha256Hex(input);
    const entry: AuditEntry = this.key === null ? { ...body, hash } : { ...body, mac: macHex(this.key.macKey, input), hash };
    this.seq = entry.seq;
    this.prevHash = entry.hash;
    const line = JSON.stringify(entry);
    if (this.file === null) {
      this.memory.push(line);
      return entry;
    }
    this.pending.push(side === undefined ? { text: `${line}\n` } : { text: `${line}\n`, side: side(entry) });
    if (this.rotateBytes > 0) this.fileBytes += Buffer.byteLength(line, 'utf8') + 1;
    this.schedule();
    return entry;
  }

  private schedule(): void {
    // While degraded the backlog waits for the next retry (not one write attempt per request).
    if (!this.scheduled && this.degradedSince === null) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
  }

  /** A signed checkpoint of the last entry, as an entry of its own (no-op without a key or an entry). */
  private checkpoint(reason: CheckpointReason, now: Date): void {
    const key = this.key;
    if (key === null || this.seq === 0) return;
    const seq = this.seq;
    const hash = this.prevHash;
    const event = { kind: 'checkpoint' as const, seq, hash, reason, keyId: key.keyId, signature: signCheckpoint(key, seq, hash) };
    const side = (entry: AuditEntry): string => {
      const record: CheckpointRecord = { entrySeq: entry.seq, entryHash: entry.hash, seq, hash, reason, keyId: key.keyId, signature: event.signature, time: entry.time };
      return `${JSON.stringify(record)}\n`;
    };
    this.chain({ ...SYSTEM_FIELDS, route: '(audit log: checkpoint)', inputSha256: sha256Hex(''), status: 0, event }, now, side);
    this.sinceCheckpoint = 0;
    this.lastCheckpoint = { seq: this.seq, reason };
  }

  /** Ends the live file with a checkpoint and queues its rename to `<log>.<firstSeq>-<lastSeq>.jsonl`. */
  private rotate(now: Date): void {
    this.checkpoint('rotation', now);
    this.pending.push({ rotate: { first: this.fileFirstSeq, last: this.seq } });
    this.fileFirstSeq = this.seq + 1;
    this.fileBytes = 0;
    this.schedule();
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
    if (this.handle === null) return;
    if (this.pending.length === 0 && !this.cutBack && this.torn === null && this.sideBacklog.length === 0) {
      this.recovered();
      return;
    }
    this.lastAttempt = Date.now();
    const items = this.pending;
    this.pending = [];
    let done = 0;
    try {
      if (this.torn !== null) {
        await writeDurably(this.torn.sideFile, this.torn.bytes);
        this.torn = null;
      }
      if (this.cutBack) {
        await this.handle.truncate(this.size);
        this.cutBack = false;
      }
      for (;;) {
        let end = done;
        while (end < items.length && 'text' in items[end]!) end++;
        if (end > done) {
          const lines = items.slice(done, end) as { text: string; side?: string }[];
          const chunk = lines.map((l) => l.text).join('');
          // Until the write is known whole, the file may hold part of it: cut back before the next write.
          this.cutBack = true;
          await this.write(this.handle, chunk);
          this.cutBack = false;
          this.size += Buffer.byteLength(chunk, 'utf8');
          done = end;
          for (const l of lines) if (l.side !== undefined) this.sideBacklog.push(l.side);
        }
        // A checkpoint goes to the checkpoints file only once the log holds it, on disk.
        if (this.sideBacklog.length > 0 && this.checkpointsFile !== null) {
          await this.handle.datasync();
          await appendDurably(this.checkpointsFile, this.sideBacklog.join(''));
          this.sideBacklog = [];
        }
        const next = items[done];
        if (next === undefined) break;
        if ('rotate' in next) await this.rotateFile(next.rotate);
        done++;
      }
      this.recovered();
    } catch (err) {
      const rest = items.slice(done);
      this.pending = this.pending.length === 0 ? rest : rest.concat(this.pending);
      this.lastError = new ServicepathError('AUDIT_WRITE_FAILED', { file: this.file ?? '' }, { cause: err });
      if (this.degradedSince === null) {
        this.degradedSince = new Date();
        this.onStateChange?.({ since: this.degradedSince, error: this.lastError });
      }
      this.scheduleRetry();
    }
  }

  /** Renames the live file (all of it written: it ends with the rotation checkpoint) and opens the next one. */
  private async rotateFile(range: { first: number; last: number }): Promise<void> {
    const file = this.file;
    const handle = this.handle;
    if (file === null || handle === null) return;
    if (!this.renamed) {
      const target = rotatedName(file, range.first, range.last);
      if (await exists(target)) throw new ServicepathError('FILE_EXISTS', { file: target });
      await handle.datasync();
      await rename(file, target);
      this.renamed = true;
    }
    this.handle = await open(file, 'a');
    this.renamed = false;
    this.size = 0;
    await handle.close().catch(() => undefined);
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

  /** Every line written so far, oldest first, from the rotated files on (flushes first); files ending at or before `afterSeq` are skipped. */
  async *lines(afterSeq = 0): AsyncGenerator<string> {
    if (this.file === null) {
      yield* this.memory.slice();
      return;
    }
    await this.flush();
    const files = (await rotatedFiles(this.file)).filter((r) => r.last > afterSeq).map((r) => r.file);
    files.push(this.file);
    for (const file of files) {
      const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
      try {
        for await (const line of rl) if (line !== '') yield line;
      } finally {
        rl.close();
      }
    }
  }

  /** Verifies the whole log (rotated files included) with the service's key, against its checkpoints file. */
  async verify(): Promise<VerifyResult> {
    if (this.file === null) return verifyAuditLines(this.memory, this.key);
    await this.flush();
    const checkpointsFile = this.checkpointsFile !== null && (await exists(this.checkpointsFile)) ? this.checkpointsFile : null;
    return verifyAuditSet(await logSetFiles(this.file), { key: this.key, checkpointsFile });
  }

  /**
   * Adds the shutdown checkpoint (under a key, unless the last entry is one), flushes (one last attempt when
   * degraded) and closes; returns how many entries could not be written.
   */
  async close(): Promise<number> {
    if (!this.closed && !(this.lastCheckpoint?.seq === this.seq && this.lastCheckpoint.reason === 'shutdown')) this.checkpoint('shutdown', new Date());
    this.closed = true;
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.flush();
    await this.handle?.close();
    this.handle = null;
    return this.backlog();
  }
}

/** The last checkpoint of the checkpoints file, when it falls in a rotated file: that file must hold it, identical. */
async function checkRotatedCheckpoint(rotated: readonly { file: string; first: number; last: number }[], record: CheckpointRecord): Promise<void> {
  const holder = rotated.find((r) => r.first <= record.entrySeq && record.entrySeq <= r.last);
  const fail = (file: string, reason: string) => new ServicepathError('AUDIT_CHAIN_BROKEN', { file, seq: record.entrySeq, line: 0, reason });
  if (holder === undefined) throw fail(rotated[0]?.file ?? '', `no rotated file holds seq ${record.entrySeq}, which the checkpoints file names: a file of the set is missing`);
  const rl = createInterface({ input: createReadStream(holder.file, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of rl) {
      if (!line.includes(`"seq":${record.entrySeq},`)) continue;
      let entry: AuditEntry | null = null;
      try {
        const parsed = AuditEntrySchema.safeParse(JSON.parse(line));
        if (parsed.success) entry = parsed.data;
      } catch {
        entry = null;
      }
      if (entry === null || entry.seq !== record.entrySeq) continue;
      if (entry.hash === record.entryHash) return;
      throw fail(holder.file, 'the entry differs from the checkpoints file');
    }
  } finally {
    rl.close();
  }
  throw fail(holder.file, `the file does not hold seq ${record.entrySeq}, which the checkpoints file names`);
}
