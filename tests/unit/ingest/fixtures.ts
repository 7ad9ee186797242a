// Small canonical inputs for the ingest tests. Raw ids are long and distinctive so that a byte scan of the
// outputs cannot find them by accident.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openCanonicalSources } from '../../../src/ingest/canonical.js';
import { runIngest, type IngestOptions } from '../../../src/ingest/run-ingest.js';
import type { IngestSummary } from '../../../src/ingest/summary.js';

export const EXTRACTION_DATE = '2016-12-31';
export const KEY = Buffer.from('a-test-key-of-more-than-thirty-two-bytes!!', 'utf8');

export const id = (n: number) => `rid-7f3a9c-${String(n).padStart(6, '0')}`;

export const PERSONS_HEADER = 'person_id,birth_date,sex,area,language_group,death_date';
export const LINKS_HEADER = 'person_id,related_id,relation,start_date,end_date';
export const PERIODS_HEADER = 'person_id,start_date,end_date';
export const EVENTS_HEADER = 'person_id,time,domain,code,value,end_time,source';

/** A family (mother 1, father 2, children 3 and 4) and a single adult 5 who died in 2015. */
export function basePersons(): string[] {
  return [
    `${id(1)},1975-04-02,F,area-a,fi,`,
    `${id(2)},1973-11-20,M,area-a,fi,`,
    `${id(3)},2005-06,F,area-a,fi,`,
    `${id(4)},2008-01-30,M,area-a,sv,`,
    `${id(5)},1950-01-01,X,area-b,,2015-06-30`,
  ];
}

export function baseLinks(): string[] {
  return [`${id(3)},${id(1)},mother,,`, `${id(3)},${id(2)},father,,`, `${id(4)},${id(1)},mother,,`, `${id(4)},${id(3)},sibling,2008-01-30,`, `${id(1)},${id(2)},partner,2000-01-01,`];
}

export function basePeriods(): string[] {
  return [`${id(1)},2002-01-01,2016-12-31`, `${id(3)},2005-06-01,2016-12-31`, `${id(5)},2002-01-01,2015-06-30`];
}

export function baseEvents(): string[] {
  return [
    `${id(1)},2010-05-01,health,PHC_VISIT,,,reg-a`,
    `${id(1)},2003-02-10,social_work,SW_CONTACT,,,`,
    `${id(3)},2006-01-15,health,VACCINATION,,,`,
    `${id(3)},2006-01-15T09:30,health,PHC_VISIT,,,`,
    `${id(3)},2006-01-15,early_education,DAYCARE_START,,,`,
    `${id(4)},2012-09-01,school,SCHOOL_START,,,`,
    `${id(5)},2014-02-02,income_support,BENEFIT,412.50,2014-02-28,`,
    `${id(2)},2009-07-07,mental_health,MH_VISIT,,,`,
  ];
}

export interface Tables {
  persons?: string[];
  links?: string[];
  observation_periods?: string[];
  events?: string[];
}

/** Writes the tables (header + rows, LF) into a new folder and returns it; extra files as given. */
export function writeInput(tables: Tables, extra: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'sp-ingest-in-'));
  const headers: Record<keyof Tables, string> = { persons: PERSONS_HEADER, links: LINKS_HEADER, observation_periods: PERIODS_HEADER, events: EVENTS_HEADER };
  for (const [table, rows] of Object.entries(tables) as [keyof Tables, string[] | undefined][]) {
    if (rows !== undefined) writeFileSync(join(dir, `${table}.csv`), `${[headers[table], ...rows].join('\n')}\n`);
  }
  for (const [name, content] of Object.entries(extra)) writeFileSync(join(dir, name), content);
  return dir;
}

export function baseTables(): Required<Tables> {
  return { persons: basePersons(), links: baseLinks(), observation_periods: basePeriods(), events: baseEvents() };
}

export function newOutDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'sp-ingest-out-')), 'store');
}

export async function ingestDir(input: string, options: Partial<IngestOptions> = {}): Promise<IngestSummary> {
  return runIngest({
    sources: await openCanonicalSources(input),
    outDir: newOutDir(),
    key: KEY,
    keySource: 'file',
    extractionDate: EXTRACTION_DATE,
    maxRejectRate: 1,
    ...options,
  });
}

export interface QuarantineRecord {
  file: string;
  line: number;
  field: string;
  reason: string;
  text: string;
}

/** The quarantine records (the test inputs never need CSV quoting in file names or reasons). */
export function readQuarantine(path: string): QuarantineRecord[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  if (header !== 'file,line,field,reason_code,reason') throw new Error(`unexpected quarantine header ${header}`);
  return lines.map((l) => {
    const [file, line, field, reason, ...text] = l.split(',');
    return { file: file!, line: Number(line), field: field!, reason: reason!, text: text.join(',') };
  });
}

/** Every file under `dir`, recursively. */
export function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

export function gz(text: string): Buffer {
  return gzipSync(Buffer.from(text, 'utf8'));
}

export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
