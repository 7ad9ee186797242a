// Data profile of an event store: aggregate in one streaming pass, then render and save the small tables
// with danfojs-node (loaded lazily: importing it costs over a second).
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ServicepathError } from '../errors/index.js';
import type { DisclosureRules } from '../schemas/disclosure.js';
import type { PersonHistory } from '../schemas/store.js';
import { allButUnderMin, DEFAULT_PROFILE_RULES, PROFILE_TABLES, ProfileAccumulator, type ProfileTables, type Row, underK } from './aggregate.js';

/** What the profile needs of a store: its person histories and, when it has one, the code dictionary. */
export interface ProfileSource {
  persons(): AsyncIterable<PersonHistory>;
  codeDictionary?: () => Promise<ReadonlyMap<string, { name: string }>>;
}

interface ProfileOptions {
  /** Rows of persons_per_code (most persons first). */
  topCodes: number;
  /** The disclosure rules (default k 10, minCount 5, roundTo 5). */
  rules?: DisclosureRules;
}
export const DEFAULT_TOP_CODES = 50;

interface Profile {
  format: 'servicepath-profile';
  version: 1;
  /** The disclosure rules the tables follow (src/privacy/rules.ts); `servicepath privacy-check --profile` audits them. */
  privacy: DisclosureRules;
  /**
   * How hidden cells read: groups of 1 to minPersons - 1 (= k) persons as `shownAs` (`<10`), counts under minCount
   * as `underMinCount` (`<5`), and counts whose complement is under minCount as `complementUnderMinCount`.
   */
  suppression: { minPersons: number; shownAs: string; underMinCount: string; complementUnderMinCount: string };
  tables: ProfileTables;
}

/** Streams the store once and returns the suppressed profile tables. */
export async function buildProfile(source: ProfileSource, options: ProfileOptions, storeName: string): Promise<Profile> {
  const acc = new ProfileAccumulator();
  for await (const person of source.persons()) acc.add(person);
  if (acc.personCount === 0) throw new ServicepathError('PROFILE_STORE_EMPTY', { store: storeName });
  let codeNames: Map<string, string> | undefined;
  if (source.codeDictionary !== undefined) {
    codeNames = new Map();
    for (const [code, info] of await source.codeDictionary()) codeNames.set(code, info.name);
  }
  const rules = options.rules ?? DEFAULT_PROFILE_RULES;
  const tables = acc.finish(codeNames === undefined ? { topCodes: options.topCodes, rules } : { topCodes: options.topCodes, codeNames, rules });
  const suppression = { minPersons: rules.k, shownAs: underK(rules), underMinCount: `<${rules.minCount}`, complementUnderMinCount: allButUnderMin(rules) };
  return { format: 'servicepath-profile', version: 1, privacy: { ...rules }, suppression, tables };
}

type Danfo = typeof import('danfojs-node');
let danfo: Promise<Danfo> | undefined;
const loadDanfo = () => {
  danfo ??= import('danfojs-node');
  return danfo;
};

/** An empty table still has its columns, so the CSV header says what would be there. */
const EMPTY_COLUMNS: Record<keyof ProfileTables, string[]> = {
  overview: ['metric', 'value'],
  events_by_domain_year: ['domain', 'year', 'events', 'persons'],
  persons_per_code: ['code', 'name', 'domain', 'persons', 'events'],
  age_at_first_event: ['domain', 'persons', 'q1_years', 'median_years', 'q3_years'],
  missing_fields: ['table', 'domain', 'field', 'missing', 'total', 'share'],
};

/** Console table layout: columns as wide as their content (capped), rules only around the header. */
function displayConfig(rows: Row[]): Record<string, unknown> {
  const names = Object.keys(rows[0] ?? {});
  const columns: Record<number, { width: number; truncate: number }> = { 0: { width: String(rows.length).length, truncate: 8 } };
  names.forEach((n, i) => {
    const width = Math.min(MAX_CELL_WIDTH, Math.max(n.length, ...rows.map((r) => String(r[n]).length)));
    columns[i + 1] = { width, truncate: width };
  });
  return { columns, drawHorizontalLine: (line: number, count: number) => line <= 1 || line === count };
}
const MAX_CELL_WIDTH = 48;

async function frameOf(name: keyof ProfileTables, rows: Row[]) {
  const dfd = await loadDanfo();
  const config = { tableMaxRow: Math.max(rows.length, 1), tableMaxColInConsole: 20, tableDisplayConfig: displayConfig(rows) };
  return rows.length === 0 ? new dfd.DataFrame([], { columns: EMPTY_COLUMNS[name], config }) : new dfd.DataFrame(rows, { config });
}

/** The tables as text, one titled block each (danfojs console tables). */
export async function renderProfileText(profile: Profile): Promise<string> {
  const blocks: string[] = [];
  for (const name of PROFILE_TABLES) {
    const rows = profile.tables[name];
    blocks.push(`## ${name}`);
    blocks.push(rows.length === 0 ? '(empty)' : (await frameOf(name, rows)).toString());
  }
  const { minPersons, shownAs, underMinCount, complementUnderMinCount } = profile.suppression;
  blocks.push(
    `Counts of fewer than ${minPersons} persons are shown as ${shownAs}; a count, or its complement, under ${profile.privacy.minCount} as ${underMinCount} or ${complementUnderMinCount}; counts are rounded to ${profile.privacy.roundTo}.`,
  );
  return blocks.join('\n');
}

/** RFC 4180 field: danfojs' own toCSV does not quote, and concept names hold commas. */
function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function frameToCsv(df: { columns: string[]; values: unknown[] }): string {
  const lines = [df.columns.map(csvField).join(',')];
  for (const row of df.values as unknown[][]) lines.push(row.map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}

/** Writes `<table>.csv` for each table and `profile.json`, into a new folder (temporary folder, then rename). */
export async function writeProfile(profile: Profile, outDir: string): Promise<string[]> {
  if (existsSync(outDir)) throw new ServicepathError('FILE_EXISTS', { file: outDir });
  mkdirSync(dirname(outDir), { recursive: true });
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const files: string[] = [];
  try {
    for (const name of PROFILE_TABLES) {
      writeFileSync(join(tmp, `${name}.csv`), frameToCsv(await frameOf(name, profile.tables[name])));
      files.push(`${name}.csv`);
    }
    writeFileSync(join(tmp, 'profile.json'), `${JSON.stringify(profile, null, 2)}\n`);
    files.push('profile.json');
    renameSync(tmp, outDir);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return files;
}
