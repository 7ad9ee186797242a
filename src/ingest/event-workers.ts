// Worker threads for the events pass: each reads byte ranges of large plain CSV files with its own EventPass and
// spill parts. Ranges are cut after a newline; a range that ends inside a quoted field proves the cut wrong, and
// the caller then reads that file on its own thread instead. Workers need the compiled events-worker.js: where
// it is absent (tests run the TypeScript sources) start() gives null and ingest stays on one thread.
import { appendFileSync, createReadStream, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type ErrorCode, type ErrorParams, ServicepathError } from '../errors/index.js';
import type { PersonLookup, RowSink } from './events-pass.js';
import type { QuarantineReason } from './sources.js';

const WORKER_URL = new URL('./events-worker.js', import.meta.url);

export interface WorkerInit {
  persons: PersonLookup;
  /** Raw ids in person-index order. */
  personKeys: string[];
  domains: readonly string[];
  extractionDay: number;
  shardCount: number;
  /** Memory for each worker's spill buffers. */
  spillBudgetBytes: number;
}

export interface RangeJob {
  path: string;
  file: string;
  fileIndex: number;
  start: number;
  end: number;
  header: string[];
  partDir: string;
  /** Where the worker writes its quarantined rows (JSON lines: [line, field, reason, detail]). */
  quarantinePath: string;
}

interface RangeResult {
  lines: number;
  endedBetweenRecords: boolean;
  read: number;
  accepted: number;
  minDay: number;
  maxDay: number;
}

interface WorkerTables {
  codes: string[];
  sources: string[];
}

type Reply = { type: 'done'; result: RangeResult } | { type: 'tables'; tables: WorkerTables } | { type: 'error'; message: string; code?: ErrorCode; params?: ErrorParams };

export class EventWorkers {
  private constructor(private readonly workers: Worker[]) {}

  get count(): number {
    return this.workers.length;
  }

  static start(count: number, init: WorkerInit): EventWorkers | null {
    if (count < 2 || !existsSync(fileURLToPath(WORKER_URL))) return null;
    return new EventWorkers(Array.from({ length: count }, () => new Worker(WORKER_URL, { workerData: init })));
  }

  private ask(w: number, message: unknown): Promise<Reply> {
    const worker = this.workers[w]!;
    return new Promise((resolveReply, reject) => {
      const done = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onError = (err: Error) => {
        done();
        reject(err);
      };
      const onExit = (code: number) => {
        done();
        reject(new Error(`events worker exited with code ${code}`));
      };
      const onMessage = (reply: Reply) => {
        done();
        if (reply.type === 'error') {
          reject(reply.code === undefined ? new Error(reply.message) : new ServicepathError(reply.code, reply.params ?? {}));
        } else {
          resolveReply(reply);
        }
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(message);
    });
  }

  async run(w: number, job: RangeJob): Promise<RangeResult> {
    const reply = await this.ask(w, { type: 'job', job });
    if (reply.type !== 'done') throw new Error('unexpected reply from an events worker');
    return reply.result;
  }

  /** The codes and sources worker `w` interned, in its id order. */
  async tables(w: number): Promise<WorkerTables> {
    const reply = await this.ask(w, { type: 'tables' });
    if (reply.type !== 'tables') throw new Error('unexpected reply from an events worker');
    return reply.tables;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/**
 * Byte offsets that cut a plain file into about `parts` ranges, each starting just after a newline:
 * [0, b1, ..., size]. Fewer ranges when lines are long or the file is small.
 */
export async function planRanges(path: string, size: number, parts: number): Promise<number[]> {
  const bounds = [0];
  const handle = await open(path, 'r');
  try {
    const window = Buffer.alloc(1 << 16);
    for (let r = 1; r < parts; r++) {
      let pos = Math.max(Math.floor((size * r) / parts), bounds[bounds.length - 1]!);
      let cut = -1;
      while (cut < 0 && pos < size) {
        const { bytesRead } = await handle.read(window, 0, window.length, pos);
        if (bytesRead === 0) break;
        const nl = window.subarray(0, bytesRead).indexOf(10);
        if (nl >= 0) cut = pos + nl + 1;
        else pos += bytesRead;
      }
      if (cut > bounds[bounds.length - 1]! && cut < size) bounds.push(cut);
    }
  } finally {
    await handle.close();
  }
  bounds.push(size);
  return bounds;
}

/** Counts and quarantined rows of one range, kept in the worker and written to a file for the main thread. */
export class RecordingSink implements RowSink {
  rows = 0;
  accepted = 0;
  private buffer: string[] = [];

  constructor(private readonly path: string) {}

  read(_fileIndex: number, rows: number): void {
    this.rows += rows;
  }

  accept(_fileIndex: number): void {
    this.accepted += 1;
  }

  quarantine(_fileIndex: number, line: number, field: string, reason: QuarantineReason, detail?: string): void {
    this.buffer.push(`${JSON.stringify([line, field, reason, detail ?? null])}\n`);
    if (this.buffer.length >= 4096) this.flush();
  }

  flush(): void {
    appendFileSync(this.path, this.buffer.join(''));
    this.buffer = [];
  }
}

/** Replays a worker's quarantined rows into `sink`, moving their line numbers by `lineOffset`. */
export async function replayQuarantine(path: string, fileIndex: number, lineOffset: number, sink: RowSink): Promise<void> {
  if (!existsSync(path)) return;
  let rest = '';
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      const [relative, field, reason, detail] = JSON.parse(line) as [number, string, QuarantineReason, string | null];
      sink.quarantine(fileIndex, relative + lineOffset, field, reason, detail ?? undefined);
    }
  }
}
