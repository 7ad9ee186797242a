// OMOP CDM importer (`ingest --format omop`): maps CDM CSV tables onto the canonical contract (docs/importers.md).
// Concept ids stay text end to end (ids may exceed 2^53); concept.csv becomes the store's code dictionary.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ServicepathError } from '../errors/index.js';
import { parseIsoDate } from '../schemas/dates.js';
import { csvItems, readCsvHeader, sha256File } from './omop-csv.js';
import type { CodeDictionaryEntry, IngestSources, QuarantineReason, SourceItem, TableSource } from './sources.js';

/** Domains the OMOP importer writes; `ingest --format omop` must pass them to runIngest as the domain list. */
export const OMOP_DOMAINS = ['condition', 'drug', 'procedure', 'measurement', 'observation', 'visit', 'device', 'death'] as const;
export type OmopDomain = (typeof OMOP_DOMAINS)[number];

/** How one OMOP event table maps onto canonical events. */
export interface OmopEventTable {
  table: string;
  domain: OmopDomain;
  conceptColumn: string;
  dateColumn: string;
  datetimeColumn: string;
  endDateColumn?: string;
}

export const OMOP_EVENT_TABLES: readonly OmopEventTable[] = [
  { table: 'condition_occurrence', domain: 'condition', conceptColumn: 'condition_concept_id', dateColumn: 'condition_start_date', datetimeColumn: 'condition_start_datetime', endDateColumn: 'condition_end_date' },
  { table: 'drug_exposure', domain: 'drug', conceptColumn: 'drug_concept_id', dateColumn: 'drug_exposure_start_date', datetimeColumn: 'drug_exposure_start_datetime', endDateColumn: 'drug_exposure_end_date' },
  { table: 'procedure_occurrence', domain: 'procedure', conceptColumn: 'procedure_concept_id', dateColumn: 'procedure_date', datetimeColumn: 'procedure_datetime' },
  { table: 'measurement', domain: 'measurement', conceptColumn: 'measurement_concept_id', dateColumn: 'measurement_date', datetimeColumn: 'measurement_datetime' },
  { table: 'observation', domain: 'observation', conceptColumn: 'observation_concept_id', dateColumn: 'observation_date', datetimeColumn: 'observation_datetime' },
  { table: 'visit_occurrence', domain: 'visit', conceptColumn: 'visit_concept_id', dateColumn: 'visit_start_date', datetimeColumn: 'visit_start_datetime', endDateColumn: 'visit_end_date' },
  { table: 'device_exposure', domain: 'device', conceptColumn: 'device_concept_id', dateColumn: 'device_exposure_start_date', datetimeColumn: 'device_exposure_start_datetime', endDateColumn: 'device_exposure_end_date' },
];

/** OMOP gender concepts; anything else (8551 unknown, 0, empty) is `unknown`. */
const GENDER_CONCEPTS: Record<string, 'F' | 'M' | 'X'> = { '8532': 'F', '8507': 'M', '8521': 'X', '8570': 'X' };
/** Code of a death row without a cause concept. */
export const OMOP_DEATH_CODE = 'death';

type Record_ = Record<string, string>;
/** Result of mapping one OMOP row: canonical fields, or the OMOP column at fault. */
export type Mapped = { fields: Record<string, string | undefined> } | { field: string; reason: QuarantineReason };

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** `YYYY-MM-DD HH:MM:SS` -> its date; the time part only survives when it is not midnight (GiBleed's always is). */
export function omopTime(date: string | undefined, datetime: string | undefined): string | undefined {
  const dt = nonEmpty(datetime);
  const d = nonEmpty(date) ?? dt?.slice(0, 10);
  if (d === undefined) return undefined;
  if (dt !== undefined && dt.length >= 19 && dt.slice(0, 10) === d && !/^00:00:00/.test(dt.slice(11))) {
    return `${d}T${dt.slice(11, 19)}`;
  }
  return d;
}

/** Birth date from year/month/day of birth (birth_datetime when the year is missing); a bare year becomes mid-year. */
export function omopBirthDate(rec: Record_): Mapped | { birthDate: string } {
  const year = nonEmpty(rec['year_of_birth']);
  if (year === undefined) {
    const dt = nonEmpty(rec['birth_datetime']);
    if (dt === undefined) return { field: 'year_of_birth', reason: 'ROW_MISSING_FIELD' };
    return { birthDate: dt.slice(0, 10) };
  }
  if (!/^\d{4}$/.test(year)) return { field: 'year_of_birth', reason: 'ROW_DATE_INVALID' };
  const month = nonEmpty(rec['month_of_birth']);
  const day = nonEmpty(rec['day_of_birth']);
  // A bare year is taken as July (the 15th, by the contract's YYYY-MM rule): the least-biased guess.
  if (month === undefined) return { birthDate: `${year}-07` };
  if (!/^\d{1,2}$/.test(month)) return { field: 'month_of_birth', reason: 'ROW_DATE_INVALID' };
  const mm = month.padStart(2, '0');
  if (day === undefined) return { birthDate: `${year}-${mm}` };
  if (!/^\d{1,2}$/.test(day)) return { field: 'day_of_birth', reason: 'ROW_DATE_INVALID' };
  return { birthDate: `${year}-${mm}-${day.padStart(2, '0')}` };
}

/** person row -> persons fields. `area` is the CDM location_id; OMOP has no language group. */
export function mapOmopPerson(rec: Record_, deathDate: string | undefined): Mapped {
  const personId = nonEmpty(rec['person_id']);
  if (personId === undefined) return { field: 'person_id', reason: 'ROW_MISSING_FIELD' };
  const birth = omopBirthDate(rec);
  if (!('birthDate' in birth)) return birth;
  return {
    fields: {
      person_id: personId,
      birth_date: birth.birthDate,
      sex: GENDER_CONCEPTS[nonEmpty(rec['gender_concept_id']) ?? ''] ?? 'unknown',
      area: nonEmpty(rec['location_id']),
      death_date: deathDate,
    },
  };
}

/** observation_period row -> observation_periods fields. */
export function mapOmopObservationPeriod(rec: Record_): Mapped {
  const personId = nonEmpty(rec['person_id']);
  if (personId === undefined) return { field: 'person_id', reason: 'ROW_MISSING_FIELD' };
  const start = nonEmpty(rec['observation_period_start_date']);
  if (start === undefined) return { field: 'observation_period_start_date', reason: 'ROW_MISSING_FIELD' };
  const end = nonEmpty(rec['observation_period_end_date']);
  if (end === undefined) return { field: 'observation_period_end_date', reason: 'ROW_MISSING_FIELD' };
  return { fields: { person_id: personId, start_date: start, end_date: end } };
}

/** One event-table row -> events fields: code = concept id as text, value = value_as_number, source = table name. */
export function mapOmopEvent(spec: OmopEventTable, rec: Record_): Mapped {
  const personId = nonEmpty(rec['person_id']);
  if (personId === undefined) return { field: 'person_id', reason: 'ROW_MISSING_FIELD' };
  const code = nonEmpty(rec[spec.conceptColumn]);
  if (code === undefined) return { field: spec.conceptColumn, reason: 'ROW_EMPTY_CODE' };
  const time = omopTime(rec[spec.dateColumn], rec[spec.datetimeColumn]);
  if (time === undefined) return { field: spec.dateColumn, reason: 'ROW_MISSING_FIELD' };
  return {
    fields: {
      person_id: personId,
      time,
      domain: spec.domain,
      code,
      value: nonEmpty(rec['value_as_number']),
      end_time: spec.endDateColumn === undefined ? undefined : nonEmpty(rec[spec.endDateColumn]),
      source: spec.table,
    },
  };
}

/** death row -> a `death` event (code = cause_concept_id, or `death` without a cause). */
export function mapOmopDeathEvent(rec: Record_): Mapped {
  const personId = nonEmpty(rec['person_id']);
  if (personId === undefined) return { field: 'person_id', reason: 'ROW_MISSING_FIELD' };
  const time = omopTime(rec['death_date'], rec['death_datetime']);
  if (time === undefined) return { field: 'death_date', reason: 'ROW_MISSING_FIELD' };
  const cause = nonEmpty(rec['cause_concept_id']);
  return {
    fields: { person_id: personId, time, domain: 'death', code: cause === undefined || cause === '0' ? OMOP_DEATH_CODE : cause, source: 'death' },
  };
}

/** OMOP domain_id (Condition, Drug, ...) -> our domain word. */
export function omopDomainOf(domainId: string): string {
  const lower = domainId.trim().toLowerCase();
  return (OMOP_DOMAINS as readonly string[]).includes(lower) ? lower : lower.replace(/[^a-z0-9]+/g, '_');
}

const REQUIRED_COLUMNS: Record<string, readonly string[]> = {
  person: ['person_id', 'gender_concept_id', 'year_of_birth'],
  observation_period: ['person_id', 'observation_period_start_date', 'observation_period_end_date'],
  death: ['person_id', 'death_date'],
  concept: ['concept_id', 'concept_name', 'domain_id'],
  ...Object.fromEntries(OMOP_EVENT_TABLES.map((t) => [t.table, ['person_id', t.conceptColumn, t.dateColumn]])),
};

/** Reads a header and fails fast, naming the file and the missing columns. */
async function checkedHeader(path: string, file: string, table: string): Promise<string[]> {
  const header = (await readCsvHeader(path)) ?? [];
  const missing = (REQUIRED_COLUMNS[table] ?? []).filter((c) => !header.includes(c));
  if (missing.length > 0) throw new ServicepathError('IMPORT_HEADER_MISSING', { file, columns: missing.join(', ') });
  return header;
}

/** Rows of an OMOP CSV as { line, rec } or a reader failure, header skipped; short/long rows fail by field count. */
async function* omopRecords(path: string, file: string, header: string[]): AsyncGenerator<{ line: number; rec: Record_ } | SourceItem> {
  for await (const item of csvItems(path)) {
    if (item.line === 1) continue;
    if (item.kind === 'failure') {
      yield { kind: 'failure', failure: { file, line: item.line, reason: item.reason } };
    } else if (item.values.length !== header.length) {
      yield { kind: 'failure', failure: { file, line: item.line, reason: 'ROW_FIELD_COUNT' } };
    } else {
      const rec: Record_ = {};
      for (let i = 0; i < header.length; i++) rec[header[i]!] = item.values[i]!;
      yield { line: item.line, rec };
    }
  }
}

function tableSource(table: TableSource['table'], path: string, file: string, header: string[], map: (rec: Record_) => Mapped, before?: () => Promise<void>): TableSource {
  return {
    table,
    file,
    sha256: () => sha256File(path),
    async *items(): AsyncIterable<SourceItem> {
      if (before !== undefined) await before();
      for await (const r of omopRecords(path, file, header)) {
        if ('kind' in r) {
          yield r;
          continue;
        }
        const m = map(r.rec);
        if ('fields' in m) yield { kind: 'row', row: { file, line: r.line, fields: m.fields } };
        else yield { kind: 'failure', failure: { file, line: r.line, field: m.field, reason: m.reason } };
      }
    },
  };
}

/** person_id -> earliest death date in death.csv (rows it cannot read are the death events' own failures). */
async function readDeathDates(path: string, header: string[]): Promise<Map<string, string>> {
  const deaths = new Map<string, string>();
  for await (const r of omopRecords(path, 'death.csv', header)) {
    if ('kind' in r) continue;
    const m = mapOmopDeathEvent(r.rec);
    if (!('fields' in m)) continue;
    const id = m.fields['person_id']!;
    const date = m.fields['time']!.slice(0, 10);
    const known = deaths.get(id);
    if (known === undefined || date < known) deaths.set(id, date);
  }
  return deaths;
}

async function* conceptDictionary(path: string, header: string[]): AsyncIterable<CodeDictionaryEntry> {
  for await (const r of omopRecords(path, 'concept.csv', header)) {
    // The vocabulary is reference data, not person rows: an unreadable concept only loses its name.
    if ('kind' in r) continue;
    const code = nonEmpty(r.rec['concept_id']);
    const name = nonEmpty(r.rec['concept_name']);
    if (code === undefined || name === undefined) continue;
    const domain = nonEmpty(r.rec['domain_id']);
    yield domain === undefined ? { code, name } : { code, name, domain: omopDomainOf(domain) };
  }
}

/** The later of two ISO dates (either may be undefined). */
const later = (a: string | undefined, b: string | undefined): string | undefined => (a === undefined ? b : b === undefined || a >= b ? a : b);

/** The latest valid date of one column over a table's rows (its date part; unparseable values are skipped). */
async function latestDate(path: string, file: string, header: string[], read: (rec: Record_) => string | undefined): Promise<string | undefined> {
  let latest: string | undefined;
  for await (const r of omopRecords(path, file, header)) {
    if ('kind' in r) continue;
    const text = read(r.rec)?.slice(0, 10);
    if (text !== undefined && parseIsoDate(text) !== null) latest = later(latest, text);
  }
  return latest;
}

/**
 * The extraction date an OMOP extract implies, for when none is given: the latest observation_period_end_date
 * (else the latest event date), or cdm_source.source_release_date when that is later. De-identified research
 * extracts shift every date, often into the 2100s, so today would quarantine every row. Null: no date found.
 */
export async function omopExtractionDate(dir: string): Promise<{ date: string; basis: string } | null> {
  const pathOf = (table: string) => join(dir, `${table}.csv`);
  const present = (table: string) => existsSync(pathOf(table));
  let found: { date: string; basis: string } | null = null;
  if (present('observation_period')) {
    const header = await checkedHeader(pathOf('observation_period'), 'observation_period.csv', 'observation_period');
    const date = await latestDate(pathOf('observation_period'), 'observation_period.csv', header, (rec) => nonEmpty(rec['observation_period_end_date']));
    if (date !== undefined) found = { date, basis: 'the latest observation_period_end_date' };
  }
  if (found === null) {
    let date: string | undefined;
    for (const spec of OMOP_EVENT_TABLES) {
      if (!present(spec.table)) continue;
      const file = `${spec.table}.csv`;
      const header = await checkedHeader(pathOf(spec.table), file, spec.table);
      date = later(date, await latestDate(pathOf(spec.table), file, header, (rec) => nonEmpty(rec[spec.dateColumn])));
    }
    if (date !== undefined) found = { date, basis: 'the latest event date (no observation_period)' };
  }
  if (present('cdm_source')) {
    const header = await readCsvHeader(pathOf('cdm_source'));
    if (header?.includes('source_release_date')) {
      const release = await latestDate(pathOf('cdm_source'), 'cdm_source.csv', header, (rec) => nonEmpty(rec['source_release_date']));
      if (release !== undefined && (found === null || release > found.date)) found = { date: release, basis: 'cdm_source.source_release_date' };
    }
  }
  return found;
}

/** Opens an OMOP CDM folder of lower-case `<table>.csv` files. Headers are checked now; rows stream later. */
export async function openOmopSources(dir: string): Promise<IngestSources> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ServicepathError('FILE_NOT_FOUND', { file: dir });
  const pathOf = (table: string) => join(dir, `${table}.csv`);
  const present = (table: string) => existsSync(pathOf(table));
  if (!present('person')) throw new ServicepathError('IMPORT_OMOP_NO_PERSON', { dir });

  const tables: TableSource[] = [];
  const deathHeader = present('death') ? await checkedHeader(pathOf('death'), 'death.csv', 'death') : undefined;
  let deaths = new Map<string, string>();
  const loadDeaths = async () => {
    if (deathHeader !== undefined) deaths = await readDeathDates(pathOf('death'), deathHeader);
  };
  const personHeader = await checkedHeader(pathOf('person'), 'person.csv', 'person');
  tables.push(tableSource('persons', pathOf('person'), 'person.csv', personHeader, (rec) => mapOmopPerson(rec, deaths.get(rec['person_id']?.trim() ?? '')), loadDeaths));

  if (present('observation_period')) {
    const header = await checkedHeader(pathOf('observation_period'), 'observation_period.csv', 'observation_period');
    tables.push(tableSource('observation_periods', pathOf('observation_period'), 'observation_period.csv', header, mapOmopObservationPeriod));
  }
  for (const spec of OMOP_EVENT_TABLES) {
    if (!present(spec.table)) continue;
    const file = `${spec.table}.csv`;
    const header = await checkedHeader(pathOf(spec.table), file, spec.table);
    tables.push(tableSource('events', pathOf(spec.table), file, header, (rec) => mapOmopEvent(spec, rec)));
  }
  if (deathHeader !== undefined) tables.push(tableSource('events', pathOf('death'), 'death.csv', deathHeader, mapOmopDeathEvent));

  // cdm_source is read for the default extraction date (omopExtractionDate), not for rows.
  const used = new Set(['person', 'observation_period', 'death', 'concept', 'cdm_source', ...OMOP_EVENT_TABLES.map((t) => t.table)]);
  // Vocabulary and era tables are derived or reference data: listed as not read, so nothing vanishes silently.
  const ignoredFiles = readdirSync(dir)
    .filter((n) => n.endsWith('.csv') && !used.has(n.slice(0, -4)))
    .sort();
  const sources: IngestSources = { format: 'omop', tables, domains: OMOP_DOMAINS, ignoredFiles };
  if (present('concept')) {
    const header = await checkedHeader(pathOf('concept'), 'concept.csv', 'concept');
    sources.codeDictionary = () => conceptDictionary(pathOf('concept'), header);
  }
  return sources;
}
