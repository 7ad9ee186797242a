// Accepted events wait on disk, one pair of files per shard, until each shard is sorted and written on its own:
// that keeps peak memory to one shard's events however large the input is.
import { appendFileSync, readFileSync, rmSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ByteReader, ByteWriter } from './bytes.js';
import { E_END, E_TIME, E_VALUE } from './shard-codec.js';

const EXTRAS = E_TIME | E_VALUE | E_END;

/**
 * Ints per spilled event: rank in shard, day, code id, packed (domain id | flags << 8 | file index << 12), source
 * id (-1: none). Time, value and end time, when present, follow in the extras file in that order.
 */
export const SPILL_INTS = 5;
const MAX_FILES = 1 << 19;

/** One shard's spilled events, in arrival order. `fixed` holds SPILL_INTS ints per event. */
export interface SpilledEvents {
  count: number;
  fixed: Int32Array;
  time: (string | undefined)[] | null;
  value: (string | undefined)[] | null;
  endTime: (string | undefined)[] | null;
}

export function packEventMeta(domainId: number, flags: number, fileIndex: number): number {
  if (domainId > 0xff || fileIndex >= MAX_FILES) throw new RangeError('too many domains or input files for the spill format');
  return domainId | (flags << 8) | (fileIndex << 12);
}

/**
 * One folder of spilled events (one input file, or one byte range of one, in arrival order) with the maps
 * from the ids of the thread that wrote it to the store-wide code and source ids (null: the ids are global).
 */
export interface SpillPart {
  dir: string;
  codeRemap: Int32Array | null;
  sourceRemap: Int32Array | null;
}

/** One shard's events from every part, concatenated in part order, with store-wide ids. */
export function readSpilledShard(parts: readonly SpillPart[], shard: number, shardCount: number): SpilledEvents {
  const pieces = parts.map((p) => EventSpill.reader(p.dir, shardCount).read(shard));
  if (pieces.length === 1 && parts[0]!.codeRemap === null && parts[0]!.sourceRemap === null) return pieces[0]!;
  const count = pieces.reduce((n, p) => n + p.count, 0);
  const fixed = new Int32Array(count * SPILL_INTS);
  const out: SpilledEvents = { count, fixed, time: null, value: null, endTime: null };
  let at = 0;
  pieces.forEach((piece, k) => {
    const { codeRemap, sourceRemap } = parts[k]!;
    fixed.set(piece.fixed, at * SPILL_INTS);
    for (let i = at; i < at + piece.count; i++) {
      const o = i * SPILL_INTS;
      if (codeRemap !== null) fixed[o + 2] = codeRemap[fixed[o + 2]!]!;
      if (sourceRemap !== null && fixed[o + 4]! >= 0) fixed[o + 4] = sourceRemap[fixed[o + 4]!]!;
    }
    for (const column of ['time', 'value', 'endTime'] as const) {
      const values = piece[column];
      if (values === null) continue;
      out[column] ??= new Array<string | undefined>(count).fill(undefined);
      const target = out[column];
      for (let i = 0; i < piece.count; i++) target[at + i] = values[i];
    }
    at += piece.count;
  });
  return out;
}

/** Deletes one shard's files from every part once the shard is written. */
export function dropSpilledShard(parts: readonly SpillPart[], shard: number, shardCount: number): void {
  for (const p of parts) EventSpill.reader(p.dir, shardCount).drop(shard);
}

export const metaDomain = (packed: number): number => packed & 0xff;
export const metaFlags = (packed: number): number => (packed >>> 8) & 0x0f;
export const metaFile = (packed: number): number => packed >>> 12;

interface ShardBuffer {
  fixed: Int32Array;
  n: number;
  extras: ByteWriter;
}

export class EventSpill {
  private readonly buffers: (ShardBuffer | undefined)[];
  private readonly capacity: number;
  private readonly extrasFlushBytes: number;
  readonly counts: Float64Array;

  /** `budgetBytes` bounds the memory of all shards' write buffers together. */
  constructor(
    readonly dir: string,
    readonly shardCount: number,
    budgetBytes = 64 * 1024 * 1024,
  ) {
    if (budgetBytes > 0) mkdirSync(dir, { recursive: true });
    this.buffers = new Array(shardCount).fill(undefined);
    this.capacity = Math.max(1024, Math.floor((budgetBytes * 0.75) / (SPILL_INTS * 4) / shardCount));
    this.extrasFlushBytes = Math.max(1 << 16, Math.floor((budgetBytes * 0.25) / shardCount));
    this.counts = new Float64Array(shardCount);
  }

  /** An accessor for reading and dropping the shards of an existing spill folder (for worker threads). */
  static reader(dir: string, shardCount: number): EventSpill {
    return new EventSpill(dir, shardCount, 0);
  }

  private fixedPath(shard: number): string {
    return join(this.dir, `${shard}.fixed`);
  }

  private extrasPath(shard: number): string {
    return join(this.dir, `${shard}.extras`);
  }

  add(
    shard: number,
    rankInShard: number,
    day: number,
    codeId: number,
    packed: number,
    sourceId: number,
    time: string | undefined,
    value: string | undefined,
    endTime: string | undefined,
  ): void {
    let b = this.buffers[shard];
    if (b === undefined) {
      b = { fixed: new Int32Array(this.capacity * SPILL_INTS), n: 0, extras: new ByteWriter(1 << 12) };
      this.buffers[shard] = b;
    }
    const o = b.n * SPILL_INTS;
    b.fixed[o] = rankInShard;
    b.fixed[o + 1] = day;
    b.fixed[o + 2] = codeId;
    b.fixed[o + 3] = packed;
    b.fixed[o + 4] = sourceId;
    b.n += 1;
    if (time !== undefined) b.extras.str(time);
    if (value !== undefined) b.extras.str(value);
    if (endTime !== undefined) b.extras.str(endTime);
    this.counts[shard]! += 1;
    if (b.n === this.capacity || b.extras.length >= this.extrasFlushBytes) this.flush(shard);
  }

  private flush(shard: number): void {
    const b = this.buffers[shard];
    if (b === undefined) return;
    if (b.n > 0) appendFileSync(this.fixedPath(shard), new Uint8Array(b.fixed.buffer, 0, b.n * SPILL_INTS * 4));
    if (b.extras.length > 0) appendFileSync(this.extrasPath(shard), b.extras.view());
    b.n = 0;
    b.extras.reset();
  }

  /** Writes out every buffer and frees them. */
  finish(): void {
    for (let s = 0; s < this.shardCount; s++) this.flush(s);
    this.buffers.fill(undefined);
  }

  read(shard: number): SpilledEvents {
    const fixedPath = this.fixedPath(shard);
    if (!existsSync(fixedPath)) return { count: 0, fixed: new Int32Array(0), time: null, value: null, endTime: null };
    const raw = readFileSync(fixedPath);
    const fixed =
      raw.byteOffset % 4 === 0 ? new Int32Array(raw.buffer, raw.byteOffset, raw.length / 4) : new Int32Array(new Uint8Array(raw).buffer);
    const count = fixed.length / SPILL_INTS;
    const out: SpilledEvents = { count, fixed, time: null, value: null, endTime: null };
    const extrasPath = this.extrasPath(shard);
    if (!existsSync(extrasPath)) return out;
    const r = new ByteReader(readFileSync(extrasPath));
    const column = (): (string | undefined)[] => new Array<string | undefined>(count).fill(undefined);
    for (let i = 0; i < count; i++) {
      const flags = metaFlags(fixed[i * SPILL_INTS + 3]!);
      if ((flags & EXTRAS) === 0) continue;
      if (flags & E_TIME) {
        out.time ??= column();
        out.time[i] = r.str();
      }
      if (flags & E_VALUE) {
        out.value ??= column();
        out.value[i] = r.str();
      }
      if (flags & E_END) {
        out.endTime ??= column();
        out.endTime[i] = r.str();
      }
    }
    return out;
  }

  /** Deletes one shard's spill files once it is written. */
  drop(shard: number): void {
    rmSync(this.fixedPath(shard), { force: true });
    rmSync(this.extrasPath(shard), { force: true });
  }
}
