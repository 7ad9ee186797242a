// The persons table as ingest builds it: raw id -> person, duplicate and conflict rules, then pseudonyms,
// pseudonym order (ranks) and shards. Raw ids live only in this map, in memory, and are never written.
import { ServicepathError } from '../errors/index.js';
import { SEX_CODES } from '../store/codes.js';
import { PSEUDONYM_BYTES } from '../store/shard-codec.js';
import { NO_DAY } from '../store/writer.js';
import { pseudonymBytes } from './pseudonym.js';
import { earliestBirthDay, type PersonValue } from './validate.js';

/** Persons per shard the shard count aims at; events per shard are bounded as well (see chooseShardBits). */
const PERSONS_PER_SHARD = 2048;
const EVENTS_PER_SHARD = 250_000;
const MAX_SHARD_BITS = 12;

type PersonOutcome = 'accepted' | 'duplicate' | 'conflict';

/** What a conflict un-does: the first row of the person, accepted earlier, is quarantined too. */
interface RevokedFirst {
  file: number;
  line: number;
}

export class PersonTable {
  /** Raw id -> person index (arrival order). */
  readonly index = new Map<string, number>();
  private readonly birthDay: number[] = [];
  private readonly monthOnly: number[] = [];
  private readonly sex: number[] = [];
  private readonly area: (string | undefined)[] = [];
  private readonly language: (string | undefined)[] = [];
  private readonly deathDay: number[] = [];
  private readonly firstFile: number[] = [];
  private readonly firstLine: number[] = [];
  /** Persons with conflicting rows, with every version seen (so exact repeats still count as duplicates). */
  private readonly conflicts = new Map<number, Set<string>>();

  get size(): number {
    return this.birthDay.length;
  }

  /**
   * Adds a valid row. A repeat of the same person with identical fields is a duplicate; a different row for the
   * same person_id is a conflict: every distinct version is quarantined, including the first one, which is
   * returned in `revoke` the first time (the caller moves it from accepted to quarantined).
   */
  add(p: PersonValue, file: number, line: number): { outcome: PersonOutcome; revoke?: RevokedFirst } {
    const existing = this.index.get(p.personId);
    if (existing === undefined) {
      this.index.set(p.personId, this.birthDay.length);
      this.birthDay.push(p.birthDay);
      this.monthOnly.push(p.birthMonthOnly ? 1 : 0);
      this.sex.push(SEX_CODES.indexOf(p.sex));
      this.area.push(p.area);
      this.language.push(p.languageGroup);
      this.deathDay.push(p.deathDay ?? NO_DAY);
      this.firstFile.push(file);
      this.firstLine.push(line);
      return { outcome: 'accepted' };
    }
    const key = versionKey(p.birthDay, p.birthMonthOnly ? 1 : 0, SEX_CODES.indexOf(p.sex), p.area, p.languageGroup, p.deathDay ?? NO_DAY);
    const versions = this.conflicts.get(existing);
    if (versions !== undefined) {
      if (versions.has(key)) return { outcome: 'duplicate' };
      versions.add(key);
      return { outcome: 'conflict' };
    }
    const firstKey = this.versionKeyOf(existing);
    if (firstKey === key) return { outcome: 'duplicate' };
    this.conflicts.set(existing, new Set([firstKey, key]));
    return { outcome: 'conflict', revoke: { file: this.firstFile[existing]!, line: this.firstLine[existing]! } };
  }

  private versionKeyOf(i: number): string {
    return versionKey(this.birthDay[i]!, this.monthOnly[i]!, this.sex[i]!, this.area[i], this.language[i], this.deathDay[i]!);
  }

  /**
   * Pseudonymises each accepted person once, orders persons by pseudonym and assigns shards (the top bits of
   * the pseudonym). Conflicted persons get rank -1: their events and links count as unknown persons.
   */
  finalize(key: Buffer, estimatedEvents: number): FinalPersons {
    const n = this.size;
    // Pseudonym bytes of the accepted persons, in arrival order (HMAC once per person).
    const okIdx: number[] = [];
    for (const idx of this.index.values()) if (!this.conflicts.has(idx)) okIdx.push(idx);
    const count = okIdx.length;
    const raw = Buffer.alloc(count * PSEUDONYM_BYTES);
    let k = 0;
    for (const [rawId, idx] of this.index) {
      if (!this.conflicts.has(idx)) pseudonymBytes(key, rawId).copy(raw, (k++) * PSEUDONYM_BYTES);
    }
    const order = sortPseudonyms(raw, count);
    const shardBits = chooseShardBits(count, estimatedEvents);
    const shardCount = 2 ** shardBits;
    const rankOfIdx = new Int32Array(n).fill(-1);
    const shardOfIdx = new Uint16Array(n);
    const localRankOfIdx = new Int32Array(n);
    const shardStart = new Int32Array(shardCount + 1);
    const pseudonyms = Buffer.alloc(count * PSEUDONYM_BYTES);
    const sex = new Uint8Array(count);
    const birthDay = new Int32Array(count);
    const birthMonthOnly = new Uint8Array(count);
    const deathDay = new Int32Array(count);
    const area: (string | undefined)[] = new Array(count);
    const languageGroup: (string | undefined)[] = new Array(count);
    for (let r = 0; r < count; r++) {
      const at = order[r]! * PSEUDONYM_BYTES;
      const idx = okIdx[order[r]!]!;
      const shard = shardBits === 0 ? 0 : raw.readUInt16BE(at) >>> (16 - shardBits);
      rankOfIdx[idx] = r;
      shardOfIdx[idx] = shard;
      shardStart[shard + 1]! += 1;
      raw.copy(pseudonyms, r * PSEUDONYM_BYTES, at, at + PSEUDONYM_BYTES);
      sex[r] = this.sex[idx]!;
      birthDay[r] = this.birthDay[idx]!;
      birthMonthOnly[r] = this.monthOnly[idx]!;
      deathDay[r] = this.deathDay[idx]!;
      area[r] = this.area[idx];
      languageGroup[r] = this.language[idx];
    }
    for (let s = 0; s < shardCount; s++) shardStart[s + 1]! += shardStart[s]!;
    for (let idx = 0; idx < n; idx++) {
      const r = rankOfIdx[idx]!;
      if (r >= 0) localRankOfIdx[idx] = r - shardStart[shardOfIdx[idx]!]!;
    }
    const birthMinOfIdx = new Int32Array(n);
    const deathOfIdx = new Int32Array(n);
    for (let idx = 0; idx < n; idx++) {
      birthMinOfIdx[idx] = earliestBirthDay(this.birthDay[idx]!, this.monthOnly[idx] === 1);
      deathOfIdx[idx] = this.deathDay[idx]!;
    }
    return {
      count,
      shardBits,
      shardStart,
      rankOfIdx,
      shardOfIdx,
      localRankOfIdx,
      birthMinOfIdx,
      deathOfIdx,
      columns: { pseudonyms, sex, birthDay, birthMonthOnly, deathDay, area, languageGroup },
    };
  }
}

export interface FinalPersons {
  count: number;
  shardBits: number;
  shardStart: Int32Array;
  /** Person index -> rank (pseudonym order), -1 when the person was quarantined for conflicting rows. */
  rankOfIdx: Int32Array;
  shardOfIdx: Uint16Array;
  localRankOfIdx: Int32Array;
  birthMinOfIdx: Int32Array;
  deathOfIdx: Int32Array;
  /** By rank. */
  columns: {
    pseudonyms: Buffer;
    sex: Uint8Array;
    birthDay: Int32Array;
    birthMonthOnly: Uint8Array;
    deathDay: Int32Array;
    area: (string | undefined)[];
    languageGroup: (string | undefined)[];
  };
}

function versionKey(birthDay: number, monthOnly: number, sex: number, area: string | undefined, language: string | undefined, death: number): string {
  return JSON.stringify([birthDay, monthOnly, sex, area ?? null, language ?? null, death]);
}

/**
 * Positions 0..count-1 of the 16-byte pseudonyms in `raw`, in byte order: a counting sort on the first two
 * bytes, then each small bucket by the remaining bytes. Throws INGEST_PSEUDONYM_COLLISION on equal pseudonyms.
 */
function sortPseudonyms(raw: Buffer, count: number): Int32Array {
  const start = new Int32Array(65_537);
  for (let i = 0; i < count; i++) start[raw.readUInt16BE(i * PSEUDONYM_BYTES) + 1]! += 1;
  for (let b = 0; b < 65_536; b++) start[b + 1]! += start[b]!;
  const order = new Int32Array(count);
  const cursor = start.slice(0, 65_536);
  for (let i = 0; i < count; i++) order[cursor[raw.readUInt16BE(i * PSEUDONYM_BYTES)]!++] = i;
  const cmp = (a: number, b: number) => raw.compare(raw, b * PSEUDONYM_BYTES, (b + 1) * PSEUDONYM_BYTES, a * PSEUDONYM_BYTES, (a + 1) * PSEUDONYM_BYTES);
  for (let b = 0; b < 65_536; b++) {
    const lo = start[b]!;
    const hi = start[b + 1]!;
    if (hi - lo < 2) continue;
    order.subarray(lo, hi).sort(cmp);
    for (let i = lo + 1; i < hi; i++) if (cmp(order[i - 1]!, order[i]!) === 0) throw new ServicepathError('INGEST_PSEUDONYM_COLLISION');
  }
  return order;
}

/** The smallest power of two of shards that keeps both persons and (estimated) events per shard in bounds. */
function chooseShardBits(persons: number, estimatedEvents: number): number {
  let bits = 0;
  while (bits < MAX_SHARD_BITS && (2 ** bits * PERSONS_PER_SHARD < persons || 2 ** bits * EVENTS_PER_SHARD < estimatedEvents)) bits += 1;
  return bits;
}
