// The events pass: every event row is checked (fields, person, domain, dates) and either spilled to its shard or
// quarantined. Plain CSV lines first try a zero-copy path that reads fields in place; any line it does not
// accept outright takes the full path, so both give the same outcome (tests/unit/ingest/events-pass.test.ts).
import { E_END, E_SOURCE, E_TIME, E_VALUE } from '../store/shard-codec.js';
import { type EventSpill, packEventMeta } from '../store/spill.js';
import { NO_DAY } from '../store/writer.js';
import type { QuarantineReason } from './sources.js';
import { TextTable } from './text-table.js';
import { checkEventFields, type Fields, isoDayAt, rowProblem } from './validate.js';

/** Where each events column sits in a CSV file's rows (-1: the file has no such column). */
interface EventColumns {
  width: number;
  personId: number;
  time: number;
  domain: number;
  code: number;
  value: number;
  endTime: number;
  source: number;
}

export function eventColumns(header: readonly string[]): EventColumns {
  const at = (name: string) => header.indexOf(name);
  return {
    width: header.length,
    personId: at('person_id'),
    time: at('time'),
    domain: at('domain'),
    code: at('code'),
    value: at('value'),
    endTime: at('end_time'),
    source: at('source'),
  };
}

const MAX_ID = 256;
const MAX_CODE = 128;
const CR = 13;

/** Where counts and quarantined rows go: the Tally itself, or a recorder in a worker thread. */
export interface RowSink {
  read(fileIndex: number, rows: number): void;
  accept(fileIndex: number): void;
  quarantine(fileIndex: number, line: number, field: string, reason: QuarantineReason, detail?: string): void;
}

/** What the events pass needs to know about each person, by person index (see PersonTable.finalize). */
export interface PersonLookup {
  rankOfIdx: Int32Array;
  shardOfIdx: Uint16Array;
  localRankOfIdx: Int32Array;
  birthMinOfIdx: Int32Array;
  deathOfIdx: Int32Array;
}

interface EventPassContext {
  sink: RowSink;
  extractionDay: number;
  domains: readonly string[];
  persons: PersonLookup;
  /** Raw id -> person index (the same numbering as the PersonLookup arrays). */
  personIds: TextTable;
}

export class EventPass {
  readonly codes = new TextTable(1024);
  readonly sources = new TextTable(16);
  private readonly domains: TextTable;
  /** Domains by length: the CSV path finds a domain among a handful of candidates without hashing. */
  private readonly domainsByLength: [string, number][][] = [];
  /** The last source seen: sources repeat row after row. */
  private lastSource = '';
  private lastSourceId = -1;
  minDay = Number.POSITIVE_INFINITY;
  maxDay = Number.NEGATIVE_INFINITY;
  private readonly starts = new Int32Array(16);
  private readonly ends = new Int32Array(16);
  private spill: EventSpill | null = null;

  constructor(private readonly ctx: EventPassContext) {
    this.domains = new TextTable(ctx.domains.length);
    for (const d of ctx.domains) {
      const id = this.domains.add(d);
      this.domainsByLength[d.length] ??= [];
      this.domainsByLength[d.length]!.push([d, id]);
    }
  }

  private findDomain(text: string, start: number, end: number): number {
    const candidates = this.domainsByLength[end - start];
    if (candidates === undefined) return -1;
    for (const [domain, id] of candidates) if (text.startsWith(domain, start)) return id;
    return -1;
  }

  /** Accepted events go to `spill` from now on (one spill part per input file or file range). */
  spillTo(spill: EventSpill): void {
    this.spill = spill;
  }

  /** The full path for one row: validation with zod's explanation, then the person and date rules. */
  row(fields: Fields, fi: number, line: number): void {
    const { sink, extractionDay, persons } = this.ctx;
    const e = checkEventFields(fields);
    if (e === null) {
      const problem = rowProblem('events', fields);
      sink.quarantine(fi, line, problem.field, problem.reason, problem.detail);
      return;
    }
    const idx = this.ctx.personIds.get(e.personId);
    if (idx < 0 || persons.rankOfIdx[idx]! < 0) {
      sink.quarantine(fi, line, 'person_id', 'ROW_UNKNOWN_PERSON');
      return;
    }
    const domainId = this.domains.get(e.domain);
    if (domainId < 0) {
      sink.quarantine(fi, line, 'domain', 'ROW_UNKNOWN_DOMAIN');
      return;
    }
    const day = e.day;
    if (day > extractionDay) {
      sink.quarantine(fi, line, 'time', 'ROW_FUTURE_EVENT');
      return;
    }
    if (day < persons.birthMinOfIdx[idx]!) {
      sink.quarantine(fi, line, 'time', 'ROW_BEFORE_BIRTH');
      return;
    }
    const death = persons.deathOfIdx[idx]!;
    if (death !== NO_DAY && day > death) {
      sink.quarantine(fi, line, 'time', 'ROW_AFTER_DEATH');
      return;
    }
    if (e.endDay !== undefined && e.endDay < day) {
      sink.quarantine(fi, line, 'end_time', 'ROW_DATE_INVALID', 'end_time before time');
      return;
    }
    const time = e.time.length === 10 ? undefined : e.time;
    const sourceId = e.source === undefined ? -1 : this.sources.intern(e.source);
    this.accept(idx, day, domainId, this.codes.intern(e.code), sourceId, time, e.value, e.endTime, fi);
  }

  /**
   * The zero-copy path for one CSV line holding no quote: true when the row is accepted (and spilled), false
   * when the line must go through the full path (any doubt: wrong field count, a date-time or end time, an
   * unknown person, domain or date rule). It never quarantines and never counts a row it returns false for.
   */
  csvLine(text: string, cols: EventColumns, fi: number): boolean {
    const { starts, ends } = this;
    let length = text.length;
    if (length > 0 && text.charCodeAt(length - 1) === CR) length -= 1;
    const last = cols.width - 1;
    let s = 0;
    for (let c = 0; c < last; c++) {
      const comma = text.indexOf(',', s);
      if (comma < 0 || comma >= length) return false;
      starts[c] = s;
      ends[c] = comma;
      s = comma + 1;
    }
    const extra = text.indexOf(',', s);
    if (extra >= 0 && extra < length) return false;
    starts[last] = s;
    ends[last] = length;

    const ps = starts[cols.personId]!;
    const pe = ends[cols.personId]!;
    if (pe - ps < 1 || pe - ps > MAX_ID) return false;
    const ts = starts[cols.time]!;
    if (ends[cols.time]! - ts !== 10) return false;
    const cs = starts[cols.code]!;
    const ce = ends[cols.code]!;
    if (ce - cs < 1 || ce - cs > MAX_CODE) return false;
    if (cols.endTime >= 0 && ends[cols.endTime]! > starts[cols.endTime]!) return false;
    const day = isoDayAt(text, ts);
    if (day === null) return false;

    const { persons, extractionDay } = this.ctx;
    const idx = this.ctx.personIds.find(text, ps, pe);
    if (idx < 0 || persons.rankOfIdx[idx]! < 0) return false;
    const domainId = this.findDomain(text, starts[cols.domain]!, ends[cols.domain]!);
    if (domainId < 0) return false;
    if (day > extractionDay || day < persons.birthMinOfIdx[idx]!) return false;
    const death = persons.deathOfIdx[idx]!;
    if (death !== NO_DAY && day > death) return false;

    let codeId = this.codes.find(text, cs, ce);
    if (codeId < 0) codeId = this.codes.add(text.slice(cs, ce));
    let value: string | undefined;
    if (cols.value >= 0 && ends[cols.value]! > starts[cols.value]!) value = text.slice(starts[cols.value]!, ends[cols.value]!);
    let sourceId = -1;
    if (cols.source >= 0 && ends[cols.source]! > starts[cols.source]!) {
      const ss = starts[cols.source]!;
      const se = ends[cols.source]!;
      if (se - ss === this.lastSource.length && text.startsWith(this.lastSource, ss)) {
        sourceId = this.lastSourceId;
      } else {
        sourceId = this.sources.find(text, ss, se);
        if (sourceId < 0) sourceId = this.sources.add(text.slice(ss, se));
        this.lastSource = this.sources.keys[sourceId]!;
        this.lastSourceId = sourceId;
      }
    }
    this.accept(idx, day, domainId, codeId, sourceId, undefined, value, undefined, fi);
    return true;
  }

  private accept(
    idx: number,
    day: number,
    domainId: number,
    codeId: number,
    sourceId: number,
    time: string | undefined,
    value: string | undefined,
    endTime: string | undefined,
    fi: number,
  ): void {
    const flags = (time === undefined ? 0 : E_TIME) | (value === undefined ? 0 : E_VALUE) | (endTime === undefined ? 0 : E_END) | (sourceId < 0 ? 0 : E_SOURCE);
    const { persons } = this.ctx;
    this.spill!.add(persons.shardOfIdx[idx]!, persons.localRankOfIdx[idx]!, day, codeId, packEventMeta(domainId, flags, fi), sourceId, time, value, endTime);
    this.ctx.sink.accept(fi);
    if (day < this.minDay) this.minDay = day;
    if (day > this.maxDay) this.maxDay = day;
  }
}
