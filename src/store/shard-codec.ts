// The shard file format `spb1` (docs/store-format.md): persons in pseudonym order, each with its record,
// observation periods, relatives and time-ordered events; strings interned once per shard; varint numbers.
import { type RelationValue, RELATIONS_STORED, SEX_CODES } from './codes.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { dayToIso } from '../schemas/dates.js';
import type { PersonHistory, RelativeRef, StoredEvent } from '../schemas/store.js';
import type { Sex } from '../schemas/data-contract.js';

const SHARD_MAGIC = Buffer.from('SPSHARD1', 'latin1');
export const PSEUDONYM_BYTES = 16;

const SEX_MASK = 0b11;
const P_MONTH_ONLY = 1 << 2;
const P_AREA = 1 << 3;
const P_LANG = 1 << 4;
const P_DEATH = 1 << 5;

const R_START = 1 << 4;
const R_END = 1 << 5;

export const E_TIME = 1;
export const E_VALUE = 2;
export const E_END = 4;
export const E_SOURCE = 8;

interface ShardPerson {
  pseudonym: Uint8Array;
  sex: Sex;
  birthDay: number;
  birthMonthOnly: boolean;
  area: string | undefined;
  languageGroup: string | undefined;
  deathDay: number | undefined;
}

/**
 * Writes one shard. Call person(), then periods(), relatives() and events() for that person, in that order,
 * for every person in pseudonym order; then finish().
 */
export class ShardEncoder {
  private readonly body = new ByteWriter(1 << 20);
  private readonly strings = new Map<string, number>();
  private readonly stringList: string[] = [];
  private personCount = 0;
  private eventCount = 0;
  private previousDay = 0;

  /** The shard-local index of a string (domains, codes, sources, areas and language groups share one table). */
  intern(s: string): number {
    let id = this.strings.get(s);
    if (id === undefined) {
      id = this.stringList.length;
      this.strings.set(s, id);
      this.stringList.push(s);
    }
    return id;
  }

  person(p: ShardPerson): void {
    const w = this.body;
    w.bytes(p.pseudonym);
    let flags = SEX_CODES.indexOf(p.sex);
    if (p.birthMonthOnly) flags |= P_MONTH_ONLY;
    if (p.area !== undefined) flags |= P_AREA;
    if (p.languageGroup !== undefined) flags |= P_LANG;
    if (p.deathDay !== undefined) flags |= P_DEATH;
    w.u8(flags);
    w.svar(p.birthDay);
    if (p.area !== undefined) w.uvar(this.intern(p.area));
    if (p.languageGroup !== undefined) w.uvar(this.intern(p.languageGroup));
    if (p.deathDay !== undefined) w.svar(p.deathDay);
    this.personCount += 1;
    this.previousDay = p.birthDay;
  }

  /** Periods sorted by (start, end). */
  periods(count: number, startDay: (i: number) => number, endDay: (i: number) => number): void {
    this.body.uvar(count);
    for (let i = 0; i < count; i++) {
      const s = startDay(i);
      this.body.svar(s);
      this.body.uvar(endDay(i) - s);
    }
  }

  relativesHeader(count: number): void {
    this.body.uvar(count);
  }

  relative(pseudonym: Uint8Array, relation: RelationValue, startDay: number | undefined, endDay: number | undefined): void {
    const w = this.body;
    w.bytes(pseudonym);
    let flags = RELATIONS_STORED.indexOf(relation);
    if (startDay !== undefined) flags |= R_START;
    if (endDay !== undefined) flags |= R_END;
    w.u8(flags);
    if (startDay !== undefined) w.svar(startDay);
    if (endDay !== undefined) w.svar(endDay);
  }

  eventsHeader(count: number): void {
    this.body.uvar(count);
    this.eventCount += count;
  }

  /** Events in store order: (day, time, domain, code, value, endTime, source). `time` only when not the bare date. */
  event(day: number, domain: string, code: string, time?: string, value?: string, endTime?: string, source?: string): void {
    this.internedEvent(day, this.intern(domain), this.intern(code), time, value, endTime, source === undefined ? -1 : this.intern(source));
  }

  /** As event(), with domain, code and source (-1: none) already interned. */
  internedEvent(day: number, domain: number, code: number, time: string | undefined, value: string | undefined, endTime: string | undefined, source: number): void {
    const w = this.body;
    let flags = 0;
    if (time !== undefined) flags |= E_TIME;
    if (value !== undefined) flags |= E_VALUE;
    if (endTime !== undefined) flags |= E_END;
    if (source >= 0) flags |= E_SOURCE;
    w.eventHead(day - this.previousDay, flags, domain, code);
    this.previousDay = day;
    if (time !== undefined) w.str(time);
    if (value !== undefined) w.str(value);
    if (endTime !== undefined) w.str(endTime);
    if (source >= 0) w.uvar(source);
  }

  get events(): number {
    return this.eventCount;
  }

  finish(): Buffer {
    const head = new ByteWriter(1 << 16);
    head.bytes(SHARD_MAGIC);
    head.uvar(this.personCount);
    head.uvar(this.eventCount);
    head.uvar(this.stringList.length);
    for (const s of this.stringList) head.str(s);
    return Buffer.concat([head.view(), this.body.view()]);
  }
}

/** Encodes histories as given (they must already be in store order); for tests and other producers. */
export function encodeShard(histories: readonly PersonHistory[]): Buffer {
  const enc = new ShardEncoder();
  const iso = isoOfDay();
  for (const h of histories) {
    enc.person({
      pseudonym: Buffer.from(h.personId, 'hex'),
      sex: h.sex,
      birthDay: h.birthDay,
      birthMonthOnly: h.birthDate.length === 7,
      area: h.area,
      languageGroup: h.languageGroup,
      deathDay: h.deathDay,
    });
    enc.periods(h.observationPeriods.length, (i) => h.observationPeriods[i]!.startDay, (i) => h.observationPeriods[i]!.endDay);
    enc.relativesHeader(h.relatives.length);
    for (const r of h.relatives) enc.relative(Buffer.from(r.relatedId, 'hex'), r.relation, r.startDay, r.endDay);
    enc.eventsHeader(h.events.length);
    for (const e of h.events) {
      enc.event(e.day, e.domain, e.code, e.time.length === 10 && e.time === iso(e.day) ? undefined : e.time, e.value, e.endTime, e.source);
    }
  }
  return enc.finish();
}

// dayToIso with a cache shared by all shards: events fall on a few thousand distinct days (bounded anyway).
const ISO_CACHE = new Map<number, string>();
const ISO_CACHE_MAX = 200_000;

function isoOfDay(): (day: number) => string {
  return (day) => {
    let s = ISO_CACHE.get(day);
    if (s === undefined) {
      s = dayToIso(day);
      if (ISO_CACHE.size < ISO_CACHE_MAX) ISO_CACHE.set(day, s);
    }
    return s;
  };
}

/** Decodes a whole shard. Throws RangeError on truncated or malformed bytes. */
export function decodeShard(buf: Buffer): PersonHistory[] {
  if (buf.length < SHARD_MAGIC.length || !buf.subarray(0, SHARD_MAGIC.length).equals(SHARD_MAGIC)) {
    throw new RangeError('not a servicepath shard (bad magic)');
  }
  const r = new ByteReader(buf);
  r.pos = SHARD_MAGIC.length;
  const personCount = r.uvar();
  const eventCount = r.uvar();
  const stringCount = r.uvar();
  const strings: string[] = new Array(stringCount);
  for (let i = 0; i < stringCount; i++) strings[i] = r.str();
  const str = (): string => {
    const id = r.uvar();
    if (id >= stringCount) throw new RangeError(`string index ${id} out of range`);
    return strings[id]!;
  };
  const iso = isoOfDay();

  const out: PersonHistory[] = new Array(personCount);
  let seenEvents = 0;
  for (let p = 0; p < personCount; p++) {
    const personId = r.bytes(PSEUDONYM_BYTES).toString('hex');
    const flags = r.u8();
    const sex = SEX_CODES[flags & SEX_MASK]!;
    const birthDay = r.svar();
    const birthIso = iso(birthDay);
    const history: PersonHistory = {
      personId,
      birthDate: flags & P_MONTH_ONLY ? birthIso.slice(0, 7) : birthIso,
      birthDay,
      sex,
      observationPeriods: [],
      relatives: [],
      events: [],
    };
    if (flags & P_AREA) history.area = str();
    if (flags & P_LANG) history.languageGroup = str();
    if (flags & P_DEATH) history.deathDay = r.svar();

    const periodCount = r.uvar();
    for (let i = 0; i < periodCount; i++) {
      const startDay = r.svar();
      history.observationPeriods.push({ startDay, endDay: startDay + r.uvar() });
    }
    const relativeCount = r.uvar();
    for (let i = 0; i < relativeCount; i++) {
      const relatedId = r.bytes(PSEUDONYM_BYTES).toString('hex');
      const rf = r.u8();
      const relation = RELATIONS_STORED[rf & 0x0f];
      if (relation === undefined) throw new RangeError(`unknown relation code ${rf & 0x0f}`);
      const ref: RelativeRef = { relatedId, relation };
      if (rf & R_START) ref.startDay = r.svar();
      if (rf & R_END) ref.endDay = r.svar();
      history.relatives.push(ref);
    }
    const n = r.uvar();
    const events: StoredEvent[] = new Array(n);
    let day = birthDay;
    for (let i = 0; i < n; i++) {
      day += r.svar();
      const ef = r.u8();
      const domain = str();
      const code = str();
      const event: StoredEvent = { day, time: ef & E_TIME ? r.str() : iso(day), domain, code };
      if (ef & E_VALUE) event.value = r.str();
      if (ef & E_END) event.endTime = r.str();
      if (ef & E_SOURCE) event.source = str();
      events[i] = event;
    }
    history.events = events;
    seenEvents += n;
    out[p] = history;
  }
  if (!r.done) throw new RangeError(`${buf.length - r.pos} bytes after the last person`);
  if (seenEvents !== eventCount) throw new RangeError(`header says ${eventCount} events, found ${seenEvents}`);
  return out;
}
