// The validation core shared by every reader: persons, then links, observation periods and events; every row
// accepted, quarantined with one reason, or counted as an exact duplicate; then the store, written atomically.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { ServicepathError } from '../errors/index.js';
import { DEFAULT_DOMAINS, type TableName } from '../schemas/data-contract.js';
import { dayToIso, parseIsoDate } from '../schemas/dates.js';

import { RELATIONS_STORED } from '../store/codes.js';
import { groupByOwner, IntColumn } from '../store/columns.js';
import { CODES_FILE, MANIFEST_FILE, STORE_FORMAT, STORE_SCHEMA_VERSION, type StoreManifest, StoreManifestSchema } from '../store/manifest.js';
import { writeCodeDictionary } from '../store/dictionary.js';
import { fileChecksum } from '../store/checksum.js';
import { EventSpill, type SpillPart } from '../store/spill.js';
import { buildShards, type EventDictionary, NO_DAY, type StorePersons, stringRanks } from '../store/writer.js';
import { settleLinks, LinkTable } from './family.js';
import { PersonTable, type FinalPersons } from './persons.js';
import { keyFingerprint, MIN_KEY_BYTES, PSEUDONYM_HEX_CHARS } from './pseudonym.js';
import type { IngestSources, SourceItem, TableSource } from './sources.js';
import { QUARANTINE_FILE, Tally } from './tally.js';
import type { IngestSummary } from './summary.js';
import { checkLinkFields, checkPeriodFields, checkPersonFields, earliestBirthDay, type Fields, rowProblem } from './validate.js';
import { CsvTableSource } from './canonical.js';
import { readCsvEvents } from './csv-events.js';
import { EventPass, type PersonLookup } from './events-pass.js';
import { EventWorkers, planRanges, type RangeJob, replayQuarantine } from './event-workers.js';
import { TextTable } from './text-table.js';

/** Births before this day (1850-01-01) are quarantined as implausible (ROW_BIRTH_TOO_EARLY). */
const EARLIEST_BIRTH_DAY = parseIsoDate('1850-01-01') as number;

export interface IngestOptions {
  sources: IngestSources;
  /** The store folder to create; it must not exist (nor `<outDir>.rejected`). */
  outDir: string;
  key: Buffer;
  keySource: 'file' | 'env' | 'demo';
  /** Quarantined / read above which the store is not published (default 0.01). */
  maxRejectRate?: number;
  /** YYYY-MM-DD; dates after it are quarantined. Default: today's UTC date (pass it for reproducible stores). */
  extractionDate?: string;
  /** Why that date, recorded in the summary and the store manifest (default: given, or today when not given). */
  extractionDateBasis?: string;
  /** Accepted event domains (default: the sources' own list, else DEFAULT_DOMAINS). */
  domains?: readonly string[];
  /**
   * Threads that read large plain CSV events files and build shards (default: the cores, at most MAX_THREADS).
   * The store and summary do not depend on it.
   */
  threads?: number;
  /** Plain CSV events files from this size on are read in byte ranges by worker threads (default 16 MiB). */
  parallelMinBytes?: number;
}

/** More threads would each hold a copy of the persons and one shard's events: memory grows, time barely drops. */
export const MAX_THREADS = 4;

export const DEFAULT_MAX_REJECT_RATE = 0.01;
const SUMMARY_FILE = 'summary.json';

/** Rough bytes per event row, used only to size shards before the events are read (gzip: about 4x smaller). */
const BYTES_PER_EVENT_ROW = 40;
const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;
/** Memory for spill write buffers, shared by the threads that read events. */
const SPILL_BUDGET_BYTES = 64 * 1024 * 1024;

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Ingests `sources` into a new store at `outDir`. Above the reject rate the quarantine and summary go to
 * `<outDir>.rejected/`, no store is published, and INGEST_REJECT_RATE is thrown with the summary as `details`.
 */
export async function runIngest(options: IngestOptions): Promise<IngestSummary> {
  const maxRejectRate = options.maxRejectRate ?? DEFAULT_MAX_REJECT_RATE;
  const extractionDate = options.extractionDate ?? todayUtc();
  const extractionDateBasis = options.extractionDateBasis ?? (options.extractionDate === undefined ? 'today (UTC): no extraction date given' : 'given');
  const domains = [...(options.domains ?? options.sources.domains ?? DEFAULT_DOMAINS)];
  checkOptions(options, maxRejectRate, extractionDate, domains);
  const extractionDay = parseIsoDate(extractionDate)!;

  const outDir = resolve(options.outDir);
  const rejectedDir = `${outDir}.rejected`;
  for (const dir of [outDir, rejectedDir]) {
    if (existsSync(dir)) throw new ServicepathError('FILE_EXISTS', { file: dir });
  }
  mkdirSync(dirname(outDir), { recursive: true });
  const tmpDir = join(dirname(outDir), `.${basename(outDir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmpDir);
  try {
    const tally = new Tally(join(tmpDir, QUARANTINE_FILE));
    const run = new IngestRun(options, tally, extractionDay, domains);
    await run.readPersons();
    const persons = run.finishPersons();
    await run.readLinks(persons);
    const relatives = settleLinks(run.links, persons.count, persons.columns.birthDay, tally);
    await run.readPeriods(persons);
    const periods = run.settlePeriods(persons.count);
    const spillRoot = join(tmpDir, 'spill');
    const threads = Math.max(1, options.threads ?? Math.min(MAX_THREADS, availableParallelism()));
    const events = await run.readEvents(persons, spillRoot, threads);
    tally.flush();

    const preTotals = tally.totals();
    const rejectRate = preTotals.read === 0 ? 0 : preTotals.quarantined / preTotals.read;
    const rejected = rejectRate > maxRejectRate;
    const storePersons: StorePersons = {
      count: persons.count,
      shardBits: persons.shardBits,
      shardStart: persons.shardStart,
      ...persons.columns,
      periodOffsets: periods.offsets,
      periodStart: periods.start,
      periodEnd: periods.end,
      relativeOffsets: relatives.relatives.offsets,
      relativeRank: relatives.relatives.rank,
      relativeRelation: relatives.relatives.relation,
      relativeStart: relatives.relatives.start,
      relativeEnd: relatives.relatives.end,
    };
    const dict = eventDictionary(events, domains);
    if (!rejected) mkdirSync(join(tmpDir, 'shards'));
    const built = await buildShards({ storeDir: tmpDir, spillParts: events.parts, persons: storePersons, dict, write: !rejected }, threads);
    rmSync(spillRoot, { recursive: true, force: true });
    const usedCodes = new Set(built.codes.map((c) => dict.codes[c]!));
    for (const [file, count] of built.duplicatesByFile) tally.acceptedToDuplicate(file, count);

    const sha256 = await Promise.all(run.sources.map((s) => s.sha256()));
    const inputs = tally.inputs(sha256);
    const totals = tally.totals();
    const eventsByDomain: Record<string, number> = {};
    domains.forEach((d, i) => {
      if (built.eventsByDomain[i]! > 0) eventsByDomain[d] = built.eventsByDomain[i]!;
    });
    const codesWritten = rejected ? 0 : await writeCodeDictionary(join(tmpDir, CODES_FILE), usedCodes, options.sources.codeDictionary);
    const summary: IngestSummary = {
      storeDir: rejected ? null : outDir,
      rejectedDir: rejected ? rejectedDir : null,
      quarantineFile: join(rejected ? rejectedDir : outDir, QUARANTINE_FILE),
      sourceFormat: options.sources.format,
      keySource: options.keySource,
      extractionDate,
      extractionDateBasis,
      maxRejectRate,
      rejectRate,
      rejected,
      inputs,
      totals,
      counts: {
        persons: persons.count,
        events: built.events,
        links: relatives.accepted,
        observationPeriods: periods.count,
        codes: usedCodes.size,
      },
      dateRange: dateRange(events),
      eventsByDomain,
      shards: rejected ? 0 : built.shards.length,
      ignoredFiles: options.sources.ignoredFiles ?? [],
    };

    if (rejected) {
      const { storeDir: _s, rejectedDir: _r, quarantineFile: _q, ...written } = summary;
      writeFileSync(join(tmpDir, SUMMARY_FILE), `${JSON.stringify(written, null, 2)}\n`);
      publish(tmpDir, rejectedDir);
      throw new ServicepathError(
        'INGEST_REJECT_RATE',
        {
          quarantined: totals.quarantined,
          read: totals.read,
          rate: formatRate(rejectRate),
          max: formatRate(maxRejectRate),
          dir: rejectedDir,
        },
        { details: summary },
      );
    }

    const files = [await fileChecksum(tmpDir, QUARANTINE_FILE)];
    if (codesWritten > 0) files.push(await fileChecksum(tmpDir, CODES_FILE));
    const manifest: StoreManifest = {
      format: STORE_FORMAT,
      schemaVersion: STORE_SCHEMA_VERSION,
      sourceFormat: options.sources.format,
      pseudonym: { algorithm: 'HMAC-SHA256', hexChars: PSEUDONYM_HEX_CHARS, keySource: options.keySource, keyFingerprint: keyFingerprint(options.key) },
      extractionDate,
      extractionDateBasis,
      domains,
      maxRejectRate,
      rejectRate,
      inputs,
      totals,
      counts: summary.counts,
      dateRange: summary.dateRange,
      eventsByDomain,
      shards: { format: 'spb1', bits: persons.shardBits, files: built.shards },
      files,
    };
    StoreManifestSchema.parse(manifest);
    writeFileSync(join(tmpDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    publish(tmpDir, outDir);
    return summary;
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

export function formatRate(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

function checkOptions(options: IngestOptions, maxRejectRate: number, extractionDate: string, domains: string[]): void {
  const problems: string[] = [];
  if (!(maxRejectRate >= 0 && maxRejectRate <= 1)) problems.push('maxRejectRate: must be between 0 and 1');
  if (parseIsoDate(extractionDate) === null) problems.push('extractionDate: not a valid date (YYYY-MM-DD)');
  if (domains.length === 0 || domains.length > 255 || domains.some((d) => d === '') || new Set(domains).size !== domains.length) {
    problems.push('domains: 1 to 255 distinct, non-empty names');
  }
  if (problems.length > 0) throw new ServicepathError('CONFIG_INVALID', { file: 'ingest options', issues: problems.join('; ') });
  if (options.key.length < MIN_KEY_BYTES) {
    throw new ServicepathError('INGEST_KEY_WEAK', { source: 'the key', bytes: options.key.length, min: MIN_KEY_BYTES });
  }
}

/** Renames the finished temporary folder into place; the target must still be free. */
function publish(tmpDir: string, target: string): void {
  if (existsSync(target)) throw new ServicepathError('FILE_EXISTS', { file: target });
  renameSync(tmpDir, target);
}

async function* batchesOf(source: TableSource): AsyncGenerator<SourceItem[]> {
  if (source.batches !== undefined) {
    yield* source.batches();
    return;
  }
  let batch: SourceItem[] = [];
  for await (const item of source.items()) {
    batch.push(item);
    if (batch.length === 4096) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** The state of one ingest between passes. */
class IngestRun {
  readonly sources: TableSource[];
  private readonly fileIndex = new Map<TableSource, number>();
  private readonly personTable = new PersonTable();
  readonly links = new LinkTable();
  private readonly periodRows = { person: new IntColumn(), start: new IntColumn(), end: new IntColumn(), file: new IntColumn() };

  constructor(
    private readonly options: IngestOptions,
    private readonly tally: Tally,
    private readonly extractionDay: number,
    private readonly domains: readonly string[],
  ) {
    const order: TableName[] = ['persons', 'links', 'observation_periods', 'events'];
    this.sources = [...options.sources.tables].sort((a, b) => order.indexOf(a.table) - order.indexOf(b.table));
    for (const s of this.sources) this.fileIndex.set(s, tally.addFile(s.file, s.table));
  }

  private tableSources(table: TableName): [TableSource, number][] {
    return this.sources.filter((s) => s.table === table).map((s) => [s, this.fileIndex.get(s)!]);
  }

  /** Quarantines a row that failed its schema, with zod's explanation. */
  private rejectRow(table: TableName, fi: number, line: number, fields: Fields): void {
    const problem = rowProblem(table, fields);
    this.tally.quarantine(fi, line, problem.field, problem.reason, problem.detail);
  }

  /** Counts the batch as read and quarantines reader failures; returns the rows. */
  private *rows(batch: SourceItem[], fi: number): Generator<{ line: number; fields: Fields }> {
    this.tally.read(fi, batch.length);
    for (const item of batch) {
      if (item.kind === 'failure') {
        const f = item.failure;
        this.tally.quarantine(fi, f.line, f.field ?? '', f.reason, f.detail);
      } else {
        yield item.row;
      }
    }
  }

  async readPersons(): Promise<void> {
    const { tally, extractionDay } = this;
    for (const [source, fi] of this.tableSources('persons')) {
      for await (const batch of batchesOf(source)) {
        for (const row of this.rows(batch, fi)) {
          const p = checkPersonFields(row.fields);
          if (p === null) {
            this.rejectRow('persons', fi, row.line, row.fields);
            continue;
          }
          const birthMin = earliestBirthDay(p.birthDay, p.birthMonthOnly);
          if (p.birthDay < EARLIEST_BIRTH_DAY) {
            tally.quarantine(fi, row.line, 'birth_date', 'ROW_BIRTH_TOO_EARLY', 'birth date before 1850');
            continue;
          }
          if (birthMin > extractionDay) {
            tally.quarantine(fi, row.line, 'birth_date', 'ROW_FUTURE_EVENT', 'birth date after the extraction date');
            continue;
          }
          if (p.deathDay !== undefined && p.deathDay > extractionDay) {
            tally.quarantine(fi, row.line, 'death_date', 'ROW_FUTURE_EVENT', 'death date after the extraction date');
            continue;
          }
          if (p.deathDay !== undefined && p.deathDay < birthMin) {
            tally.quarantine(fi, row.line, 'death_date', 'ROW_DATE_INVALID', 'death date before birth date');
            continue;
          }
          const result = this.personTable.add(p, fi, row.line);
          if (result.outcome === 'accepted') tally.accept(fi);
          else if (result.outcome === 'duplicate') tally.duplicate(fi);
          else {
            if (result.revoke !== undefined) {
              tally.revokeAndQuarantine(result.revoke.file, result.revoke.line, 'person_id', 'ROW_PERSON_CONFLICT');
            }
            tally.quarantine(fi, row.line, 'person_id', 'ROW_PERSON_CONFLICT');
          }
        }
      }
    }
  }

  finishPersons(): FinalPersons {
    const eventBytes = this.sources
      .filter((s) => s.table === 'events')
      .reduce((sum, s) => sum + (s.sizeHint ?? 0), 0);
    return this.personTable.finalize(this.options.key, eventBytes / BYTES_PER_EVENT_ROW);
  }

  /** Rank of a raw id, or -1 when it is not an accepted person. */
  private rankOf(persons: FinalPersons, rawId: string): number {
    const idx = this.personTable.index.get(rawId);
    return idx === undefined ? -1 : persons.rankOfIdx[idx]!;
  }

  async readLinks(persons: FinalPersons): Promise<void> {
    const { tally, extractionDay } = this;
    for (const [source, fi] of this.tableSources('links')) {
      for await (const batch of batchesOf(source)) {
        for (const row of this.rows(batch, fi)) {
          const l = checkLinkFields(row.fields);
          if (l === null) {
            this.rejectRow('links', fi, row.line, row.fields);
            continue;
          }
          if (l.personId === l.relatedId) {
            tally.quarantine(fi, row.line, 'related_id', 'ROW_SELF_LINK');
            continue;
          }
          const a = this.rankOf(persons, l.personId);
          const b = this.rankOf(persons, l.relatedId);
          if (a < 0 || b < 0) {
            tally.quarantine(fi, row.line, a < 0 ? 'person_id' : 'related_id', 'ROW_LINK_UNKNOWN_PERSON');
            continue;
          }
          if (l.startDay !== undefined && l.endDay !== undefined && l.endDay < l.startDay) {
            tally.quarantine(fi, row.line, 'end_date', 'ROW_PERIOD_INVALID', 'link ends before it starts');
            continue;
          }
          if (l.startDay !== undefined && l.startDay > extractionDay) {
            tally.quarantine(fi, row.line, 'start_date', 'ROW_FUTURE_EVENT', 'link starts after the extraction date');
            continue;
          }
          tally.accept(fi);
          this.links.add(a, b, RELATIONS_STORED.indexOf(l.relation), l.startDay ?? NO_DAY, l.endDay ?? NO_DAY, fi, row.line);
        }
      }
    }
  }

  async readPeriods(persons: FinalPersons): Promise<void> {
    const { tally, extractionDay, periodRows } = this;
    for (const [source, fi] of this.tableSources('observation_periods')) {
      for await (const batch of batchesOf(source)) {
        for (const row of this.rows(batch, fi)) {
          const p = checkPeriodFields(row.fields);
          if (p === null) {
            this.rejectRow('observation_periods', fi, row.line, row.fields);
            continue;
          }
          const rank = this.rankOf(persons, p.personId);
          if (rank < 0) {
            tally.quarantine(fi, row.line, 'person_id', 'ROW_UNKNOWN_PERSON');
            continue;
          }
          if (p.endDay < p.startDay) {
            tally.quarantine(fi, row.line, 'end_date', 'ROW_PERIOD_INVALID');
            continue;
          }
          if (p.startDay > extractionDay) {
            tally.quarantine(fi, row.line, 'start_date', 'ROW_FUTURE_EVENT', 'period starts after the extraction date');
            continue;
          }
          tally.accept(fi);
          periodRows.person.push(rank);
          periodRows.start.push(p.startDay);
          periodRows.end.push(p.endDay);
          periodRows.file.push(fi);
        }
      }
    }
  }

  /** Orders each person's periods by (start, end); exact repeats become duplicates of the later file. */
  settlePeriods(personCount: number): { offsets: Int32Array; start: Int32Array; end: Int32Array; count: number } {
    const person = this.periodRows.person.values();
    const start = this.periodRows.start.values();
    const end = this.periodRows.end.values();
    const file = this.periodRows.file.values();
    const grouped = groupByOwner((i) => person[i]!, person.length, personCount, (a, b) => start[a]! - start[b]! || end[a]! - end[b]! || file[a]! - file[b]! || a - b);
    const offsets = new Int32Array(personCount + 1);
    const keep: number[] = [];
    for (let p = 0; p < personCount; p++) {
      for (let k = grouped.offsets[p]!; k < grouped.offsets[p + 1]!; k++) {
        const y = grouped.order[k]!;
        const x = k > grouped.offsets[p]! ? grouped.order[k - 1]! : -1;
        if (x >= 0 && start[x] === start[y] && end[x] === end[y]) {
          this.tally.acceptedToDuplicate(file[y]!);
          continue;
        }
        keep.push(y);
      }
      offsets[p + 1] = keep.length;
    }
    return { offsets, start: Int32Array.from(keep, (i) => start[i]!), end: Int32Array.from(keep, (i) => end[i]!), count: keep.length };
  }

  /**
   * Reads every events file into spill parts under `spillRoot`, in file order: large plain CSV files in byte
   * ranges on worker threads when `threads` > 1, the others on this thread. Returns the parts with the maps
   * from each thread's code and source ids to store-wide ones.
   */
  async readEvents(persons: FinalPersons, spillRoot: string, threads: number): Promise<EventsRead> {
    const { tally } = this;
    const shardCount = 2 ** persons.shardBits;
    const personIds = new TextTable(this.personTable.index.size);
    for (const rawId of this.personTable.index.keys()) personIds.add(rawId);
    const pass = new EventPass({ sink: tally, extractionDay: this.extractionDay, domains: this.domains, persons, personIds });
    const parts: { dir: string; owner: number }[] = [];
    const range = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
    let workers: EventWorkers | null = null;
    let workersTried = false;
    try {
      for (const [source, fi] of this.tableSources('events')) {
        const minBytes = this.options.parallelMinBytes ?? PARALLEL_MIN_BYTES;
        if (threads > 1 && source instanceof CsvTableSource && !source.gz && (source.sizeHint ?? 0) >= minBytes) {
          if (!workersTried) {
            workersTried = true;
            workers = EventWorkers.start(threads, {
              persons: pick(persons),
              personKeys: [...this.personTable.index.keys()],
              domains: this.domains,
              extractionDay: this.extractionDay,
              shardCount,
              spillBudgetBytes: SPILL_BUDGET_BYTES / threads,
            });
          }
          if (workers !== null && (await this.readInRanges(source, fi, workers, spillRoot, parts, range))) continue;
        }
        const dir = join(spillRoot, String(parts.length));
        const spill = new EventSpill(dir, shardCount, SPILL_BUDGET_BYTES);
        pass.spillTo(spill);
        if (source instanceof CsvTableSource) {
          await readCsvEvents(source.lines(), source.columns, (rec) => source.item(rec), true, fi, pass, tally);
        } else {
          for await (const batch of batchesOf(source)) {
            for (const row of this.rows(batch, fi)) pass.row(row.fields, fi, row.line);
          }
        }
        spill.finish();
        parts.push({ dir, owner: 0 });
      }
      range.min = Math.min(range.min, pass.minDay);
      range.max = Math.max(range.max, pass.maxDay);
      // Store-wide code and source ids: this thread's first, then each worker's, in their id order.
      const owners = [{ codes: pass.codes.keys, sources: pass.sources.keys }];
      if (workers !== null) for (let w = 0; w < workers.count; w++) owners.push(await workers.tables(w));
      const codes = new TextTable(1024);
      const sources = new TextTable(16);
      const codeRemaps = owners.map((o) => Int32Array.from(o.codes, (c) => codes.intern(c)));
      const sourceRemaps = owners.map((o) => Int32Array.from(o.sources, (c) => sources.intern(c)));
      return {
        parts: parts.map((p) => ({ dir: p.dir, codeRemap: p.owner === 0 ? null : codeRemaps[p.owner]!, sourceRemap: p.owner === 0 ? null : sourceRemaps[p.owner]! })),
        codes: codes.keys,
        sources: sources.keys,
        minDay: range.min,
        maxDay: range.max,
      };
    } finally {
      await workers?.close();
    }
  }

  /**
   * One large plain CSV file in byte ranges, one per worker; false (and nothing counted) when a range ended
   * inside a quoted field, so the caller reads the file whole instead.
   */
  private async readInRanges(
    source: CsvTableSource,
    fi: number,
    workers: EventWorkers,
    spillRoot: string,
    parts: { dir: string; owner: number }[],
    range: { min: number; max: number },
  ): Promise<boolean> {
    const size = (await stat(source.path)).size;
    const bounds = await planRanges(source.path, size, workers.count);
    const jobs: RangeJob[] = bounds.slice(1).map((end, r) => ({
      path: source.path,
      file: source.file,
      fileIndex: fi,
      start: bounds[r]!,
      end,
      header: source.columns,
      partDir: join(spillRoot, `${parts.length + r}`),
      quarantinePath: join(spillRoot, `${parts.length + r}.quarantine`),
    }));
    // The checksum is read here while the workers parse (this thread is otherwise idle).
    const [results] = await Promise.all([Promise.all(jobs.map((job, r) => workers.run(r, job))), source.sha256()]);
    if (results.slice(0, -1).some((r) => !r.endedBetweenRecords)) {
      for (const job of jobs) {
        rmSync(job.partDir, { recursive: true, force: true });
        rmSync(job.quarantinePath, { force: true });
      }
      return false;
    }
    let firstLine = 1;
    for (let r = 0; r < jobs.length; r++) {
      const result = results[r]!;
      await replayQuarantine(jobs[r]!.quarantinePath, fi, firstLine - 1, this.tally);
      rmSync(jobs[r]!.quarantinePath, { force: true });
      this.tally.read(fi, result.read);
      this.tally.acceptMany(fi, result.accepted);
      range.min = Math.min(range.min, result.minDay);
      range.max = Math.max(range.max, result.maxDay);
      parts.push({ dir: jobs[r]!.partDir, owner: r + 1 });
      firstLine += result.lines;
    }
    return true;
  }

}

/** The events pass's result: spill parts in arrival order, store-wide codes and sources, the day range. */
interface EventsRead {
  parts: SpillPart[];
  codes: string[];
  sources: string[];
  minDay: number;
  maxDay: number;
}

/** Code, domain and source ids with their ranks in string order, for the shard sort. */
function eventDictionary(events: EventsRead, domains: readonly string[]): EventDictionary {
  return {
    codes: events.codes,
    codeRank: stringRanks(events.codes),
    domains,
    domainRank: stringRanks(domains),
    sources: events.sources,
    sourceRank: stringRanks(events.sources),
  };
}

function dateRange(events: EventsRead): { min: string; max: string } | null {
  return events.minDay > events.maxDay ? null : { min: dayToIso(events.minDay), max: dayToIso(events.maxDay) };
}

/** The per-index arrays a worker needs (not the rank-ordered columns). */
function pick(p: FinalPersons): PersonLookup {
  return { rankOfIdx: p.rankOfIdx, shardOfIdx: p.shardOfIdx, localRankOfIdx: p.localRankOfIdx, birthMinOfIdx: p.birthMinOfIdx, deathOfIdx: p.deathOfIdx };
}
