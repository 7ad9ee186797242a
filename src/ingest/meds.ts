// MEDS importer (`ingest --format meds`): subject_id, time, code, numeric_value[, text_value] from Parquet or CSV.
// MEDS has no persons table, so persons are derived from MEDS_BIRTH, GENDER//… and MEDS_DEATH rows (docs/importers.md).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import type { Sex } from '../schemas/data-contract.js';
import { ServicepathError } from '../errors/index.js';
import { csvItems, readCsvHeader, sha256File } from './omop-csv.js';
import { OMOP_DOMAINS } from './omop.js';
import type { CodeDictionaryEntry, IngestSources, SourceItem, TableSource } from './sources.js';

/** Domains the MEDS importer writes (OMOP's plus `demographics`); the CLI passes them to runIngest. */
export const MEDS_DOMAINS = [...OMOP_DOMAINS, 'demographics'] as const;
export type MedsDomain = (typeof MEDS_DOMAINS)[number];

/** Code prefix (text before the first `//`, upper-cased) -> domain; any other prefix is `observation`. */
const PREFIX_DOMAINS: Record<string, MedsDomain> = {
  DIAGNOSIS: 'condition', CONDITION: 'condition', ICD9CM: 'condition', ICD10CM: 'condition', SNOMED: 'condition',
  MEDICATION: 'drug', DRUG: 'drug', PRESCRIPTION: 'drug', RXNORM: 'drug', ATC: 'drug', NDC: 'drug',
  PROCEDURE: 'procedure', ICD9PROC: 'procedure', ICD10PCS: 'procedure', CPT4: 'procedure',
  LAB: 'measurement', MEASUREMENT: 'measurement', LOINC: 'measurement', VITAL: 'measurement',
  VISIT: 'visit', HOSPITAL_ADMISSION: 'visit', HOSPITAL_DISCHARGE: 'visit', ED_REGISTRATION: 'visit', ED_OUT: 'visit',
  ICU_ADMISSION: 'visit', ICU_DISCHARGE: 'visit', TRANSFER_TO: 'visit',
  DEVICE: 'device',
  MEDS_DEATH: 'death',
  MEDS_BIRTH: 'demographics', GENDER: 'demographics', SEX: 'demographics', RACE: 'demographics', ETHNICITY: 'demographics',
};

export const MEDS_BIRTH = 'MEDS_BIRTH';
export const MEDS_DEATH = 'MEDS_DEATH';
/** Display name of the derived persons table in quarantine records and the manifest. */
export const MEDS_SUBJECTS_FILE = 'subjects (derived from MEDS_BIRTH, GENDER//, MEDS_DEATH)';

const MEDS_COLUMNS = ['subject_id', 'time', 'code', 'numeric_value', 'text_value'] as const;
const REQUIRED = ['subject_id', 'time', 'code'];

/** One MEDS row as text; undefined = null. */
export interface MedsRecord {
  subject_id?: string;
  time?: string;
  code?: string;
  numeric_value?: string;
  text_value?: string;
}

export function medsDomainOf(code: string): MedsDomain {
  const cut = code.indexOf('//');
  const prefix = (cut === -1 ? code : code.slice(0, cut)).trim().toUpperCase();
  return PREFIX_DOMAINS[prefix] ?? 'observation';
}

/** `GENDER//F`, `SEX//MALE`, … -> sex; null when the code is not a sex code. */
export function medsSexOf(code: string): Sex | null {
  const m = /^(GENDER|SEX)\/\/([^/]*)/i.exec(code.trim());
  if (m === null) return null;
  const v = m[2]!.trim().toUpperCase();
  if (v === 'F' || v === 'FEMALE') return 'F';
  if (v === 'M' || v === 'MALE') return 'M';
  if (v === 'X' || v === 'OTHER' || v === 'NONBINARY') return 'X';
  return 'unknown';
}

/** A MEDS time (ISO, `YYYY-MM-DD HH:MM:SS[.fff]` or a Date) -> contract time: a bare date at midnight. */
export function medsTime(value: string): string {
  const t = value.trim().replace(' ', 'T').replace(/Z$/, '');
  if (t.length <= 10) return t;
  if (/^\d{4}-\d{2}-\d{2}T00:00(:00(\.0*)?)?$/.test(t)) return t.slice(0, 10);
  return t.replace(/\.0+$/, '');
}

/** Shortest decimal that reads back to the same float32 (Parquet FLOAT columns come back widened to float64). */
export function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(v);
}

function textOf(v: unknown, float32: boolean): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'bigint') return v.toString(); // int64 ids stay exact
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return float32 ? formatFloat32(v) : String(v);
  const s = String(v);
  return s === '' ? undefined : s;
}

type RowOrFailure = { line: number; rec: MedsRecord } | SourceItem;

/** A MEDS data file: display name and a row reader (line = CSV line, or 1-based row number in Parquet). */
interface MedsFile {
  file: string;
  path: string;
  rows(): AsyncGenerator<RowOrFailure>;
}

async function openCsvFile(path: string, file: string): Promise<MedsFile> {
  const header = (await readCsvHeader(path)) ?? [];
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new ServicepathError('IMPORT_HEADER_MISSING', { file, columns: missing.join(', ') });
  const index = MEDS_COLUMNS.map((c) => header.indexOf(c));
  return {
    file,
    path,
    async *rows() {
      for await (const item of csvItems(path)) {
        if (item.line === 1) continue;
        if (item.kind === 'failure') yield { kind: 'failure', failure: { file, line: item.line, reason: item.reason } };
        else if (item.values.length !== header.length) yield { kind: 'failure', failure: { file, line: item.line, reason: 'ROW_FIELD_COUNT' } };
        else {
          const rec: MedsRecord = {};
          MEDS_COLUMNS.forEach((c, i) => {
            const v = index[i]! >= 0 ? item.values[index[i]!] : undefined;
            if (v !== undefined && v !== '') rec[c] = v;
          });
          yield { line: item.line, rec };
        }
      }
    },
  };
}

async function openParquetFile(path: string, file: string): Promise<MedsFile> {
  const unreadable = (err: unknown) => new ServicepathError('IMPORT_PARQUET_UNREADABLE', { file, detail: String((err as Error)?.message ?? err) }, { cause: err });
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  let buffer: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  try {
    buffer = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw unreadable(err);
  }
  const schema = parquetSchema(metadata).children.map((c) => c.element);
  const names = schema.map((e) => e.name);
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length > 0) throw new ServicepathError('IMPORT_HEADER_MISSING', { file, columns: missing.join(', ') });
  const columns = MEDS_COLUMNS.filter((c) => names.includes(c));
  const float32 = schema.find((e) => e.name === 'numeric_value')?.type === 'FLOAT';
  return {
    file,
    path,
    async *rows() {
      // One row group at a time keeps memory bounded by the writer's row-group size.
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        let objects: Record<string, unknown>[];
        try {
          objects = await parquetReadObjects({ file: buffer, metadata, columns: [...columns], rowStart, rowEnd });
        } catch (err) {
          throw unreadable(err);
        }
        for (let i = 0; i < objects.length; i++) {
          const o = objects[i]!;
          const rec: MedsRecord = {};
          for (const c of columns) {
            const v = textOf(o[c], c === 'numeric_value' && float32);
            if (v !== undefined) rec[c] = v;
          }
          yield { line: rowStart + i + 1, rec };
        }
        rowStart = rowEnd;
      }
    },
  };
}

/** Data files of a MEDS input: the file itself, else `data/**` of a MEDS root, else the folder's own files. */
function findDataFiles(root: string): string[] {
  if (statSync(root).isFile()) return [root];
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : /\.(parquet|csv)$/.test(e.name) ? [join(dir, e.name)] : []));
  const data = join(root, 'data');
  if (existsSync(data) && statSync(data).isDirectory()) return walk(data);
  return readdirSync(root)
    .sort()
    .filter((n) => /\.(parquet|csv)$/.test(n) && statSync(join(root, n)).isFile())
    .map((n) => join(root, n));
}

/** What the first pass learns about each subject, in order of first appearance. */
export interface SubjectFacts {
  birth?: string;
  sex?: Sex;
  death?: string;
}

/** Folds one row into the subject facts: earliest birth and death; the last sex code wins. */
export function foldSubjectRow(subjects: Map<string, SubjectFacts>, rec: MedsRecord): void {
  if (rec.subject_id === undefined) return;
  let facts = subjects.get(rec.subject_id);
  if (facts === undefined) {
    facts = {};
    subjects.set(rec.subject_id, facts);
  }
  const code = rec.code?.trim() ?? '';
  const day = rec.time === undefined ? undefined : medsTime(rec.time).slice(0, 10);
  if (code === MEDS_BIRTH && day !== undefined && (facts.birth === undefined || day < facts.birth)) facts.birth = day;
  else if (code === MEDS_DEATH && day !== undefined && (facts.death === undefined || day < facts.death)) facts.death = day;
  else {
    const sex = medsSexOf(code);
    if (sex !== null) facts.sex = sex;
  }
}

/** One MEDS row -> events fields. Static rows (null time) are placed at the subject's birth date. */
export function mapMedsEvent(rec: MedsRecord, facts: SubjectFacts | undefined): { fields: Record<string, string | undefined> } | { field: string; reason: 'ROW_MISSING_FIELD' | 'ROW_EMPTY_CODE' } {
  if (rec.subject_id === undefined) return { field: 'subject_id', reason: 'ROW_MISSING_FIELD' };
  const code = rec.code?.trim();
  if (code === undefined || code === '') return { field: 'code', reason: 'ROW_EMPTY_CODE' };
  const time = rec.time === undefined ? facts?.birth : medsTime(rec.time);
  if (time === undefined) return { field: 'time', reason: 'ROW_MISSING_FIELD' };
  return {
    fields: { person_id: rec.subject_id, time, domain: medsDomainOf(code), code, value: rec.numeric_value ?? rec.text_value, source: 'meds' },
  };
}

async function openFile(path: string, root: string): Promise<MedsFile> {
  const file = statSync(root).isFile() ? basename(path) : relative(root, path).split('\\').join('/');
  return path.endsWith('.parquet') ? openParquetFile(path, file) : openCsvFile(path, file);
}

async function* codeDictionaryOf(path: string): AsyncIterable<CodeDictionaryEntry> {
  const file = basename(path);
  let rows: Record<string, unknown>[];
  try {
    const buffer = await asyncBufferFromFile(path);
    rows = await parquetReadObjects({ file: buffer, columns: ['code', 'description'] });
  } catch (err) {
    throw new ServicepathError('IMPORT_PARQUET_UNREADABLE', { file, detail: String((err as Error)?.message ?? err) }, { cause: err });
  }
  for (const r of rows) {
    const code = textOf(r['code'], false);
    const name = textOf(r['description'], false);
    if (code !== undefined && name !== undefined) yield { code, name, domain: medsDomainOf(code) };
  }
}

/** Opens a MEDS dataset: a .parquet/.csv file, or a folder (MEDS root with data/ and metadata/codes.parquet). */
export async function openMedsSources(pathOrDir: string): Promise<IngestSources> {
  if (!existsSync(pathOrDir)) throw new ServicepathError('FILE_NOT_FOUND', { file: pathOrDir });
  const paths = findDataFiles(pathOrDir);
  if (paths.length === 0) throw new ServicepathError('IMPORT_MEDS_NO_DATA', { path: pathOrDir });
  const files = await Promise.all(paths.map((p) => openFile(p, pathOrDir)));

  // First pass over all rows, once, shared by the persons and events tables.
  let subjectsPromise: Promise<Map<string, SubjectFacts>> | undefined;
  const subjects = () => {
    subjectsPromise ??= (async () => {
      const map = new Map<string, SubjectFacts>();
      for (const f of files) for await (const r of f.rows()) if ('rec' in r) foldSubjectRow(map, r.rec);
      return map;
    })();
    return subjectsPromise;
  };

  const persons: TableSource = {
    table: 'persons',
    file: MEDS_SUBJECTS_FILE,
    async sha256() {
      const h = createHash('sha256');
      for (const f of files) h.update(`${f.file}\0${await sha256File(f.path)}\n`);
      return h.digest('hex');
    },
    async *items() {
      let line = 0;
      for (const [id, facts] of await subjects()) {
        line++;
        if (facts.birth === undefined) {
          yield { kind: 'failure', failure: { file: MEDS_SUBJECTS_FILE, line, field: 'birth_date', reason: 'ROW_MISSING_FIELD' } };
          continue;
        }
        const fields = { person_id: id, birth_date: facts.birth, sex: facts.sex ?? 'unknown', death_date: facts.death };
        yield { kind: 'row', row: { file: MEDS_SUBJECTS_FILE, line, fields } };
      }
    },
  };
  const events: TableSource[] = files.map((f) => ({
    table: 'events',
    file: f.file,
    sha256: () => sha256File(f.path),
    async *items() {
      const facts = await subjects();
      for await (const r of f.rows()) {
        if (!('rec' in r)) {
          yield r;
          continue;
        }
        const m = mapMedsEvent(r.rec, r.rec.subject_id === undefined ? undefined : facts.get(r.rec.subject_id));
        if ('fields' in m) yield { kind: 'row', row: { file: f.file, line: r.line, fields: m.fields } };
        else yield { kind: 'failure', failure: { file: f.file, line: r.line, field: m.field, reason: m.reason } };
      }
    },
  }));

  const sources: IngestSources = { format: 'meds', tables: [persons, ...events], domains: MEDS_DOMAINS };
  const codes = join(pathOrDir, 'metadata', 'codes.parquet');
  if (statSync(pathOrDir).isDirectory() && existsSync(codes)) sources.codeDictionary = () => codeDictionaryOf(codes);
  return sources;
}
