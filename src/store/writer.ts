// Builds the shards: for each shard on its own, read its spilled events, order them per person, count exact
// duplicates, and encode persons with their periods, relatives and events.
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Sex } from '../schemas/data-contract.js';
import type { ShardFile } from './manifest.js';
import { type RelationValue, RELATIONS_STORED, SEX_CODES } from './codes.js';
import { E_END, E_SOURCE, E_TIME, E_VALUE, PSEUDONYM_BYTES, ShardEncoder } from './shard-codec.js';
import { dropSpilledShard, metaDomain, metaFile, metaFlags, readSpilledShard, SPILL_INTS, type SpillPart, type SpilledEvents } from './spill.js';

/** Stands for "no date" in the Int32 columns below. */
export const NO_DAY = -0x80000000;

/**
 * Everything about the persons that the shards hold, indexed by rank (the order of pseudonyms). Periods and
 * relatives are in CSR form (offsets[rank]..offsets[rank + 1]), each already sorted and free of repeats.
 */
export interface StorePersons {
  count: number;
  shardBits: number;
  /** Rank ranges of the shards: shard s holds ranks shardStart[s]..shardStart[s + 1]. */
  shardStart: Int32Array;
  /** 16 bytes per rank. */
  pseudonyms: Uint8Array;
  sex: Uint8Array;
  birthDay: Int32Array;
  birthMonthOnly: Uint8Array;
  deathDay: Int32Array;
  area: (string | undefined)[];
  languageGroup: (string | undefined)[];
  periodOffsets: Int32Array;
  periodStart: Int32Array;
  periodEnd: Int32Array;
  relativeOffsets: Int32Array;
  relativeRank: Int32Array;
  relativeRelation: Uint8Array;
  relativeStart: Int32Array;
  relativeEnd: Int32Array;
}

/** Interned event strings: ids as spilled, ranks in string order (the sort uses ranks, never strings). */
export interface EventDictionary {
  codes: readonly string[];
  codeRank: Int32Array;
  domains: readonly string[];
  domainRank: Int32Array;
  sources: readonly string[];
  sourceRank: Int32Array;
}

/** Ranks of strings in string order: rank[id] for strings[id]. */
export function stringRanks(strings: readonly string[]): Int32Array {
  const rank = new Int32Array(strings.length);
  [...strings.keys()]
    .sort((a, b) => (strings[a]! < strings[b]! ? -1 : strings[a]! > strings[b]! ? 1 : 0))
    .forEach((id, r) => {
      rank[id] = r;
    });
  return rank;
}

interface ShardBuildResult {
  /** Shard files in shard order (empty when not written). */
  shards: ShardFile[];
  /** Store-wide ids of the codes the stored events use, ascending. */
  codes: number[];
  /** Exact duplicate events found per input file index. */
  duplicatesByFile: Map<number, number>;
  /** Events kept per domain id. */
  eventsByDomain: Float64Array;
  events: number;
}

/** What building one shard gives; plain data, so that a worker thread can send it back. */
interface ShardOutcome {
  shard: number;
  file: ShardFile | null;
  duplicates: [file: number, count: number][];
  eventsByDomain: number[];
  events: number;
  /** Store-wide ids of the codes the shard's events use. */
  codes: number[];
}

/** Everything a shard build needs; plain data, so that it can be handed to a worker thread. */
export interface ShardBuildJob {
  storeDir: string;
  spillParts: SpillPart[];
  persons: StorePersons;
  dict: EventDictionary;
  write: boolean;
}

function shardFileName(shard: number): string {
  return `shards/${shard.toString().padStart(5, '0')}.spb`;
}

const WORKER_URL = new URL('./build-worker.js', import.meta.url);

/**
 * Sorts and writes every shard (or, with `write: false`, only counts duplicates: a rejected run publishes no
 * store but still reports exact counts), deleting spill files shard by shard. With `threads` > 1, worker
 * threads take shards from a shared counter next to this thread; each shard's bytes depend only on its
 * inputs, so the store is the same whichever thread built which shard. Workers need the compiled
 * build-worker.js: where it is absent (tests run the TypeScript sources) this thread builds them all.
 */
export async function buildShards(job: ShardBuildJob, threads: number): Promise<ShardBuildResult> {
  const shardCount = 2 ** job.persons.shardBits;
  const next = new Int32Array(new SharedArrayBuffer(4));
  const workerCount = existsSync(fileURLToPath(WORKER_URL)) ? Math.min(threads - 1, shardCount - 1) : 0;
  const workers = Array.from({ length: Math.max(0, workerCount) }, () => runWorker(job, next));
  const outcomes: ShardOutcome[] = [];
  let failure: unknown = null;
  try {
    outcomes.push(...buildFromCounter(job, next));
  } catch (err) {
    failure = err;
    Atomics.store(next, 0, shardCount); // no worker starts another shard
  }
  // Let running workers finish (or fail) before the caller removes their files.
  const settled = await Promise.allSettled(workers);
  if (failure !== null) throw failure;
  for (const r of settled) {
    if (r.status === 'rejected') throw r.reason;
    outcomes.push(...r.value);
  }
  outcomes.sort((a, b) => a.shard - b.shard);
  const result: ShardBuildResult = { shards: [], codes: [], duplicatesByFile: new Map(), eventsByDomain: new Float64Array(job.dict.domains.length), events: 0 };
  const codes = new Set<number>();
  for (const o of outcomes) {
    for (const c of o.codes) codes.add(c);
    if (o.file !== null) result.shards.push(o.file);
    for (const [file, count] of o.duplicates) result.duplicatesByFile.set(file, (result.duplicatesByFile.get(file) ?? 0) + count);
    o.eventsByDomain.forEach((n, d) => {
      result.eventsByDomain[d]! += n;
    });
    result.events += o.events;
  }
  result.codes = [...codes].sort((a, b) => a - b);
  return result;
}

function runWorker(job: ShardBuildJob, next: Int32Array): Promise<ShardOutcome[]> {
  return new Promise((resolveOutcomes, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: { job, next } });
    let outcomes: ShardOutcome[] | null = null;
    worker.once('message', (message: ShardOutcome[]) => {
      outcomes = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (outcomes !== null) resolveOutcomes(outcomes);
      else reject(new Error(`shard build worker exited with code ${code}`));
    });
  });
}

/** Builds shards whose numbers this thread takes from `next` until none is left. */
export function buildFromCounter(job: ShardBuildJob, next: Int32Array): ShardOutcome[] {
  const shardCount = 2 ** job.persons.shardBits;
  const outcomes: ShardOutcome[] = [];
  for (;;) {
    const s = Atomics.add(next, 0, 1);
    if (s >= shardCount) return outcomes;
    outcomes.push(buildShard(job, s, shardCount));
  }
}

function buildShard(job: ShardBuildJob, s: number, shardCount: number): ShardOutcome {
  const { persons, dict } = job;
  const spilled = readSpilledShard(job.spillParts, s, shardCount);
  const first = persons.shardStart[s]!;
  const personCount = persons.shardStart[s + 1]! - first;
  const order = orderEvents(spilled, personCount, dict);
  const duplicatesByFile = new Map<number, number>();
  const kept = markDuplicates(spilled, order.order, order.personStart, personCount, duplicatesByFile);
  const eventsByDomain = new Array<number>(dict.domains.length).fill(0);
  const codeUsed = new Uint8Array(dict.codes.length);
  let events = 0;
  for (let k = 0; k < order.order.length; k++) {
    if (kept[k] === 1) {
      const o = order.order[k]! * SPILL_INTS;
      eventsByDomain[metaDomain(spilled.fixed[o + 3]!)]! += 1;
      codeUsed[spilled.fixed[o + 2]!] = 1;
      events += 1;
    }
  }
  const codes: number[] = [];
  for (let c = 0; c < codeUsed.length; c++) if (codeUsed[c] === 1) codes.push(c);
  let file: ShardFile | null = null;
  if (job.write) {
    const bytes = encodeShardFromColumns(persons, first, personCount, spilled, order.order, order.personStart, kept, dict);
    const name = shardFileName(s);
    writeFileSync(join(job.storeDir, name), bytes.buffer);
    file = { file: name, sha256: createHash('sha256').update(bytes.buffer).digest('hex'), bytes: bytes.buffer.length, persons: personCount, events: bytes.events };
  }
  dropSpilledShard(job.spillParts, s, shardCount);
  return { shard: s, file, duplicates: [...duplicatesByFile], eventsByDomain, events, codes };
}

/**
 * Event indices in store order. Three stable counting sorts (by domain-and-code rank, then day, then person) give
 * (person, day, domain, code, arrival) for every event in linear time; only runs where a date-time or an optional
 * field can change that order are sorted again with the full comparison.
 */
function orderEvents(sp: SpilledEvents, personCount: number, dict: EventDictionary): { order: Int32Array; personStart: Int32Array } {
  const { fixed, count } = sp;
  const dc = new Float64Array(count);
  const day = new Int32Array(count);
  const flags = new Uint8Array(count);
  let minDay = 0x7fffffff;
  let maxDay = -0x80000000;
  let anyTime = false;
  let anyOptional = false;
  for (let i = 0; i < count; i++) {
    const packed = fixed[i * SPILL_INTS + 3]!;
    dc[i] = dict.domainRank[metaDomain(packed)]! * 2 ** 32 + dict.codeRank[fixed[i * SPILL_INTS + 2]!]!;
    const d = fixed[i * SPILL_INTS + 1]!;
    day[i] = d;
    if (d < minDay) minDay = d;
    if (d > maxDay) maxDay = d;
    const f = metaFlags(packed);
    flags[i] = f;
    if (f & E_TIME) anyTime = true;
    if (f & (E_VALUE | E_END | E_SOURCE)) anyOptional = true;
  }
  const key = new Int32Array(count);
  let order: Int32Array = new Int32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  const codeCount = dict.codes.length;
  if (codeCount * dict.domains.length <= Math.max(COMBINED_KEY_MIN, count)) {
    // Domain and code as one key: one pass instead of two.
    for (let i = 0; i < count; i++) {
      key[i] = dict.domainRank[metaDomain(fixed[i * SPILL_INTS + 3]!)]! * codeCount + dict.codeRank[fixed[i * SPILL_INTS + 2]!]!;
    }
    order = countingSort(order, key, codeCount * dict.domains.length);
  } else {
    for (let i = 0; i < count; i++) key[i] = dict.codeRank[fixed[i * SPILL_INTS + 2]!]!;
    order = countingSort(order, key, codeCount);
    for (let i = 0; i < count; i++) key[i] = dict.domainRank[metaDomain(fixed[i * SPILL_INTS + 3]!)]!;
    order = countingSort(order, key, dict.domains.length);
  }
  for (let i = 0; i < count; i++) key[i] = day[i]! - minDay;
  order = countingSort(order, key, count === 0 ? 0 : maxDay - minDay + 1);
  const person = new Int32Array(count);
  for (let i = 0; i < count; i++) person[i] = fixed[i * SPILL_INTS]!;
  order = countingSort(order, person, personCount);
  const personStart = new Int32Array(personCount + 1);
  for (let i = 0; i < count; i++) personStart[person[i]! + 1]! += 1;
  for (let p = 0; p < personCount; p++) personStart[p + 1]! += personStart[p]!;
  if (!anyTime && !anyOptional) return { order, personStart };

  const { time, value, endTime } = sp;
  const sourceOrder = (i: number) => {
    const id = fixed[i * SPILL_INTS + 4]!;
    return id < 0 ? -1 : dict.sourceRank[id]!;
  };
  const cmp = (a: number, b: number): number => {
    const dd = day[a]! - day[b]!;
    if (dd !== 0) return dd;
    const fa = flags[a]!;
    const fb = flags[b]!;
    if ((fa | fb) & E_TIME) {
      // A bare date sorts before any date-time of that day (it is a prefix of it).
      if (!(fa & E_TIME)) return -1;
      if (!(fb & E_TIME)) return 1;
      const c = compareText(time![a], time![b]);
      if (c !== 0) return c;
    }
    const dk = dc[a]! - dc[b]!;
    if (dk !== 0) return dk;
    if ((fa | fb) & (E_VALUE | E_END | E_SOURCE)) {
      const c = compareOptional(value, a, b, fa | fb, E_VALUE) || compareOptional(endTime, a, b, fa | fb, E_END) || sourceOrder(a) - sourceOrder(b);
      if (c !== 0) return c;
    }
    return a - b;
  };
  // Re-sort each run of one person's day that holds a date-time, and each run of equal (person, day, domain,
  // code) that holds an optional field.
  const rank = (i: number) => person[i]!;
  let lo = 0;
  while (lo < count) {
    const first = order[lo]!;
    let hi = lo + 1;
    let timed = (flags[first]! & E_TIME) !== 0;
    while (hi < count && rank(order[hi]!) === rank(first) && day[order[hi]!] === day[first]) {
      if (flags[order[hi]!]! & E_TIME) timed = true;
      hi += 1;
    }
    if (timed) {
      if (hi - lo > 1) order.subarray(lo, hi).sort(cmp);
    } else if (anyOptional) {
      let a = lo;
      while (a < hi) {
        let b = a + 1;
        let optional = (flags[order[a]!]! & (E_VALUE | E_END | E_SOURCE)) !== 0;
        while (b < hi && dc[order[b]!] === dc[order[a]!]) {
          if (flags[order[b]!]! & (E_VALUE | E_END | E_SOURCE)) optional = true;
          b += 1;
        }
        if (optional && b - a > 1) order.subarray(a, b).sort(cmp);
        a = b;
      }
    }
    lo = hi;
  }
  return { order, personStart };
}

/** Domain and code share one counting pass when their key range is below this or the shard's event count. */
const COMBINED_KEY_MIN = 1 << 16;

/** Stable counting sort of `items` by key[item], keys in 0..keyCount-1. */
function countingSort(items: Int32Array, key: Int32Array, keyCount: number): Int32Array {
  const start = new Int32Array(keyCount + 1);
  for (let i = 0; i < key.length; i++) start[key[i]! + 1]! += 1;
  for (let b = 0; b < keyCount; b++) start[b + 1]! += start[b]!;
  const out = new Int32Array(items.length);
  for (let k = 0; k < items.length; k++) {
    const i = items[k]!;
    out[start[key[i]!]!++] = i;
  }
  return out;
}

function compareText(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a < b ? -1 : 1;
}

function compareOptional(col: (string | undefined)[] | null, a: number, b: number, either: number, bit: number): number {
  if (!(either & bit) || col === null) return 0;
  return compareText(col[a], col[b]);
}

/** 1 for events kept, 0 for exact repeats of the event before them (counted against the later file). */
function markDuplicates(
  sp: SpilledEvents,
  order: Int32Array,
  personStart: Int32Array,
  personCount: number,
  duplicatesByFile: Map<number, number>,
): Uint8Array {
  const kept = new Uint8Array(order.length).fill(1);
  const { fixed, time, value, endTime } = sp;
  const same = (a: number, b: number): boolean => {
    const oa = a * SPILL_INTS;
    const ob = b * SPILL_INTS;
    if (fixed[oa + 1] !== fixed[ob + 1] || fixed[oa + 2] !== fixed[ob + 2]) return false;
    const pa = fixed[oa + 3]!;
    const pb = fixed[ob + 3]!;
    if ((pa & 0xfff) !== (pb & 0xfff) || fixed[oa + 4] !== fixed[ob + 4]) return false; // domain, flags, source
    return (time === null || time[a] === time[b]) && (value === null || value[a] === value[b]) && (endTime === null || endTime[a] === endTime[b]);
  };
  for (let p = 0; p < personCount; p++) {
    for (let k = personStart[p]! + 1; k < personStart[p + 1]!; k++) {
      if (same(order[k - 1]!, order[k]!)) {
        kept[k] = 0;
        const file = metaFile(fixed[order[k]! * SPILL_INTS + 3]!);
        duplicatesByFile.set(file, (duplicatesByFile.get(file) ?? 0) + 1);
      }
    }
  }
  return kept;
}

function encodeShardFromColumns(
  persons: StorePersons,
  first: number,
  personCount: number,
  sp: SpilledEvents,
  order: Int32Array,
  personStart: Int32Array,
  kept: Uint8Array,
  dict: EventDictionary,
): { buffer: Buffer; events: number } {
  const enc = new ShardEncoder();
  const { fixed, time, value, endTime } = sp;
  const localSource = new Int32Array(dict.sources.length).fill(-1);
  // Shard-local string indexes of the global code and domain ids, filled on first use.
  const localCode = new Int32Array(dict.codes.length).fill(-1);
  const localDomain = new Int32Array(dict.domains.length).fill(-1);
  const pseudonym = (rank: number) => persons.pseudonyms.subarray(rank * PSEUDONYM_BYTES, (rank + 1) * PSEUDONYM_BYTES);
  const optDay = (d: number) => (d === NO_DAY ? undefined : d);
  for (let local = 0; local < personCount; local++) {
    const rank = first + local;
    enc.person({
      pseudonym: pseudonym(rank),
      sex: SEX_CODES[persons.sex[rank]!] as Sex,
      birthDay: persons.birthDay[rank]!,
      birthMonthOnly: persons.birthMonthOnly[rank] === 1,
      area: persons.area[rank],
      languageGroup: persons.languageGroup[rank],
      deathDay: optDay(persons.deathDay[rank]!),
    });
    const p0 = persons.periodOffsets[rank]!;
    enc.periods(persons.periodOffsets[rank + 1]! - p0, (i) => persons.periodStart[p0 + i]!, (i) => persons.periodEnd[p0 + i]!);
    const r0 = persons.relativeOffsets[rank]!;
    const r1 = persons.relativeOffsets[rank + 1]!;
    enc.relativesHeader(r1 - r0);
    for (let j = r0; j < r1; j++) {
      enc.relative(
        pseudonym(persons.relativeRank[j]!),
        RELATIONS_STORED[persons.relativeRelation[j]!] as RelationValue,
        optDay(persons.relativeStart[j]!),
        optDay(persons.relativeEnd[j]!),
      );
    }
    const lo = personStart[local]!;
    const hi = personStart[local + 1]!;
    let n = 0;
    for (let k = lo; k < hi; k++) n += kept[k]!;
    enc.eventsHeader(n);
    for (let k = lo; k < hi; k++) {
      if (kept[k] === 0) continue;
      const i = order[k]!;
      const o = i * SPILL_INTS;
      const domainId = metaDomain(fixed[o + 3]!);
      const codeId = fixed[o + 2]!;
      let domain = localDomain[domainId]!;
      if (domain < 0) domain = localDomain[domainId] = enc.intern(dict.domains[domainId]!);
      let code = localCode[codeId]!;
      if (code < 0) code = localCode[codeId] = enc.intern(dict.codes[codeId]!);
      const sourceId = fixed[o + 4]!;
      let src = -1;
      if (sourceId >= 0) {
        src = localSource[sourceId]!;
        if (src < 0) src = localSource[sourceId] = enc.intern(dict.sources[sourceId]!);
      }
      enc.internedEvent(fixed[o + 1]!, domain, code, time?.[i], value?.[i], endTime?.[i], src);
    }
  }
  return { buffer: enc.finish(), events: enc.events };
}
