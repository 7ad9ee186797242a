// Canonical readers: persons, links, events and observation_periods as CSV (plain or .gz) or NDJSON, streamed.
// Headers are checked when the sources are opened, so a wrong column fails before anything is written.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ServicepathError } from '../errors/index.js';
import { TABLE_COLUMNS, TABLES, type TableName } from '../schemas/data-contract.js';
import { type CsvRecord, CsvRecordAssembler } from './csv.js';
import { LINE_INVALID_UTF8, LINE_TOO_LONG, type LineBatch, readLines } from './line-reader.js';
import { ndjsonFields } from './ndjson.js';
import type { IngestSources, RawRow, SourceItem, TableSource } from './sources.js';

const FILE_PATTERN = /^(persons|links|events|observation_periods)(.*)\.(csv|csv\.gz|ndjson|ndjson\.gz|jsonl|jsonl\.gz)$/;
const REQUIRED_TABLES: readonly TableName[] = ['persons', 'events'];
// 64 KiB chunks keep each batch's rows few enough to die young: 1 MiB chunks tripled the time spent in GC.
const READ_CHUNK_BYTES = 1 << 16;
const BOM = '\uFEFF';

type FileKind = 'csv' | 'ndjson';

/**
 * Finds the canonical tables in `inputDir`: a file belongs to a table when its name starts with the table's
 * name and ends in .csv, .csv.gz, .ndjson, .ndjson.gz, .jsonl or .jsonl.gz (events-2015.csv.gz is an events
 * file). Every table may have several files; they are read in name order. persons and events are required.
 */
export async function openCanonicalSources(inputDir: string): Promise<IngestSources> {
  let names: string[];
  try {
    const info = await stat(inputDir);
    if (!info.isDirectory()) {
      throw new ServicepathError('CLI_USAGE', { detail: `--input must be a folder for --format canonical: ${inputDir}` });
    }
    names = (await readdir(inputDir)).sort();
  } catch (err) {
    if (err instanceof ServicepathError) throw err;
    throw new ServicepathError('FILE_NOT_FOUND', { file: inputDir }, { cause: err });
  }
  const tables: TableSource[] = [];
  const ignoredFiles: string[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const match = FILE_PATTERN.exec(name);
    const path = join(inputDir, name);
    if (match === null || !(await stat(path)).isFile()) {
      ignoredFiles.push(name);
      continue;
    }
    const table = match[1] as TableName;
    const ext = match[3]!;
    const kind: FileKind = ext.startsWith('csv') ? 'csv' : 'ndjson';
    const gz = ext.endsWith('.gz');
    const source = kind === 'csv' ? await CsvTableSource.open(table, path, name, gz) : new NdjsonTableSource(table, path, name, gz);
    source.sizeHint = (await stat(path)).size * (gz ? GZIP_RATIO : 1) / (kind === 'ndjson' ? 2 : 1);
    tables.push(source);
  }
  for (const table of REQUIRED_TABLES) {
    if (!tables.some((t) => t.table === table)) {
      // An OMOP or MEDS folder given without --format: say so, rather than only what is missing.
      const present = new Set(names);
      const hint = present.has('person.csv')
        ? ' It holds person.csv: an OMOP CDM extract? Give --format omop (docs/importers.md).'
        : present.has('data') || names.some((n) => n.endsWith('.parquet'))
          ? ' It looks like a MEDS dataset: give --format meds (docs/importers.md).'
          : '';
      throw new ServicepathError('INGEST_TABLE_MISSING', {
        table,
        dir: inputDir,
        patterns: `${table}*.csv, ${table}*.csv.gz or ${table}*.ndjson`,
        hint,
      });
    }
  }
  tables.sort((a, b) => TABLES.indexOf(a.table) - TABLES.indexOf(b.table));
  return { format: 'canonical', tables, ignoredFiles };
}

/** Throws INGEST_HEADER_INVALID naming every missing, unknown and repeated column. */
function checkHeader(file: string, table: TableName, columns: readonly string[]): void {
  const { required, optional } = TABLE_COLUMNS[table];
  const known = new Set([...required, ...optional]);
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const c of columns) {
    if (seen.has(c)) repeated.add(c);
    seen.add(c);
  }
  const missing = required.filter((c) => !seen.has(c));
  const unknown = [...seen].filter((c) => !known.has(c));
  const problems: string[] = [];
  if (missing.length > 0) problems.push(`missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  if (unknown.length > 0) problems.push(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map(quoteName).join(', ')}`);
  if (repeated.size > 0) problems.push(`repeated column${repeated.size > 1 ? 's' : ''} ${[...repeated].join(', ')}`);
  if (problems.length > 0) {
    throw new ServicepathError('INGEST_HEADER_INVALID', { file, problems: problems.join('; '), expected: expectedColumns(table) });
  }
}

function expectedColumns(table: TableName): string {
  const { required, optional } = TABLE_COLUMNS[table];
  return optional.length === 0 ? required.join(', ') : `${required.join(', ')} (optional: ${optional.join(', ')})`;
}

function quoteName(name: string): string {
  return name === '' ? '(empty)' : name.length > 64 ? `${name.slice(0, 64)}…` : name;
}

/** The raw bytes of a file (gunzipped when `gz`), feeding `hash` with the bytes as stored. */
function openChunks(path: string, gz: boolean, hash?: Hash): AsyncIterable<Buffer> {
  const file = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  if (!gz && hash === undefined) return file;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash?.update(chunk);
      done(null, chunk);
    },
  });
  if (!gz) return pipeline(file, tap, () => {});
  return pipeline(file, tap, createGunzip({ chunkSize: READ_CHUNK_BYTES }), () => {});
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Streams `path` as line batches; wraps stream failures (bad gzip, I/O) as INGEST_INPUT_UNREADABLE. */
async function* lineBatches(path: string, file: string, gz: boolean, hash?: Hash): AsyncGenerator<LineBatch> {
  try {
    yield* readLines(openChunks(path, gz, hash));
  } catch (err) {
    if (err instanceof ServicepathError) throw err;
    throw new ServicepathError('INGEST_INPUT_UNREADABLE', { file, detail: (err as Error).message }, { cause: err });
  }
}

/**
 * The lines of bytes [start, end) of a plain file, numbered from 1 at `start`; `start` must follow a newline (or
 * be 0, where a BOM is dropped). Worker threads read their share of a large events file this way.
 */
export async function* rangeLines(path: string, file: string, start: number, end: number): AsyncGenerator<LineBatch> {
  try {
    for await (const batch of readLines(createReadStream(path, { start, end: end - 1, highWaterMark: READ_CHUNK_BYTES }))) {
      if (start === 0) stripBom(batch);
      yield batch;
    }
  } catch (err) {
    throw new ServicepathError('INGEST_INPUT_UNREADABLE', { file, detail: (err as Error).message }, { cause: err });
  }
}

/** One CSV record as a source item: a row with its fields, or its failure (ROW_FIELD_COUNT included). */
export function csvRecordItem(rec: CsvRecord, file: string, columns: readonly string[], build: (values: string[]) => Record<string, string>): SourceItem {
  if ('failure' in rec) return { kind: 'failure', failure: { file, line: rec.line, reason: rec.failure } };
  if (rec.fields.length !== columns.length) {
    return { kind: 'failure', failure: { file, line: rec.line, reason: 'ROW_FIELD_COUNT', detail: `${rec.fields.length} fields, header has ${columns.length}` } };
  }
  const row: RawRow = { file, line: rec.line, fields: build(rec.fields) };
  return { kind: 'row', row };
}

function stripBom(batch: LineBatch): void {
  if (batch.lines.length === 0) return;
  if (batch.firstLine === 1 && batch.lines[0]!.startsWith(BOM)) batch.lines[0] = batch.lines[0]!.slice(1);
}

/** Compressed inputs are about this many times smaller than their rows (used only to size shards). */
const GZIP_RATIO = 4;

/**
 * A function that turns a record's values into an object keyed by `columns`, written as one object literal so
 * that every row of a file shares one shape (adding keys one by one cost a quarter of the read time). The
 * names were checked against the data contract (checkHeader) and are quoted with JSON.stringify.
 */
export function rowBuilder(columns: readonly string[]): (values: string[]) => Record<string, string> {
  const body = columns.map((c, i) => `${JSON.stringify(c)}: v[${i}]`).join(', ');
  return new Function('v', `return { ${body} };`) as (values: string[]) => Record<string, string>;
}

abstract class FileTableSource implements TableSource {
  private digest: string | null = null;
  sizeHint?: number;

  constructor(
    readonly table: TableName,
    readonly path: string,
    readonly file: string,
    readonly gz: boolean,
  ) {}

  async sha256(): Promise<string> {
    this.digest ??= await fileSha256(this.path);
    return this.digest;
  }

  async *items(): AsyncGenerator<SourceItem> {
    for await (const batch of this.batches()) yield* batch;
  }

  /** The file's physical lines (BOM removed), hashing the stored bytes on the way. */
  async *lines(): AsyncGenerator<LineBatch> {
    const hash = this.digest === null ? createHash('sha256') : undefined;
    for await (const batch of lineBatches(this.path, this.file, this.gz, hash)) {
      stripBom(batch);
      yield batch;
    }
    if (hash !== undefined) this.digest = hash.digest('hex');
  }

  abstract batches(): AsyncGenerator<SourceItem[]>;
}

/** A canonical CSV file. Besides items and batches it offers its raw lines, for the ingest core's fast path. */
export class CsvTableSource extends FileTableSource {
  /** The header's column names, checked against the data contract. */
  columns: string[] = [];
  /** Builds a row's fields object from its values in header order. */
  build: (values: string[]) => Record<string, string> = () => ({});

  static async open(table: TableName, path: string, file: string, gz: boolean): Promise<CsvTableSource> {
    const source = new CsvTableSource(table, path, file, gz);
    source.columns = await source.readHeader();
    checkHeader(file, table, source.columns);
    source.build = rowBuilder(source.columns);
    return source;
  }

  private async readHeader(): Promise<string[]> {
    const assembler = new CsvRecordAssembler();
    const records: CsvRecord[] = [];
    for await (const batch of lineBatches(this.path, this.file, this.gz)) {
      stripBom(batch);
      assembler.push({ firstLine: 1, lines: batch.lines.slice(0, 1), flags: batch.flags === null ? null : batch.flags.subarray(0, 1) }, records);
      break;
    }
    assembler.finish(records);
    const header = records[0];
    if (header === undefined) {
      throw new ServicepathError('INGEST_HEADER_INVALID', { file: this.file, problems: 'the file is empty (no header line)', expected: expectedColumns(this.table) });
    }
    if ('failure' in header) {
      throw new ServicepathError('INGEST_HEADER_INVALID', {
        file: this.file,
        problems: `the header line cannot be read (${header.failure})`,
        expected: expectedColumns(this.table),
      });
    }
    return header.fields.map((c) => c.trim());
  }

  item(rec: CsvRecord): SourceItem {
    return csvRecordItem(rec, this.file, this.columns, this.build);
  }

  /** Line 1 is the header (a header never spans lines: readHeader refuses that), so data starts at line 2. */
  async *batches(): AsyncGenerator<SourceItem[]> {
    const assembler = new CsvRecordAssembler();
    const records: CsvRecord[] = [];
    const drain = (): SourceItem[] => {
      const items = records.map((rec) => this.item(rec));
      records.length = 0;
      return items;
    };
    for await (const batch of this.lines()) {
      if (batch.firstLine === 1) {
        batch.firstLine = 2;
        batch.lines.shift();
        if (batch.flags !== null) batch.flags = batch.flags.subarray(1);
      }
      assembler.push(batch, records);
      yield drain();
    }
    assembler.finish(records);
    yield drain();
  }
}

class NdjsonTableSource extends FileTableSource {
  async *batches(): AsyncGenerator<SourceItem[]> {
    const { file, table } = this;
    for await (const batch of this.lines()) {
      const items: SourceItem[] = new Array(batch.lines.length);
      for (let k = 0; k < batch.lines.length; k++) {
        const line = batch.firstLine + k;
        const flag = batch.flags === null ? 0 : batch.flags[k]!;
        if (flag === LINE_TOO_LONG) {
          items[k] = { kind: 'failure', failure: { file, line, reason: 'ROW_TOO_LONG' } };
          continue;
        }
        if (flag === LINE_INVALID_UTF8) {
          items[k] = { kind: 'failure', failure: { file, line, reason: 'ROW_INVALID_UTF8' } };
          continue;
        }
        const parsed = ndjsonFields(batch.lines[k]!, table);
        items[k] = 'fields' in parsed ? { kind: 'row', row: { file, line, fields: parsed.fields } } : { kind: 'failure', failure: { file, line, ...parsed } };
      }
      yield items;
    }
  }
}
