import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatFloat32,
  MEDS_SUBJECTS_FILE,
  mapMedsEvent,
  medsDomainOf,
  medsSexOf,
  medsTime,
  openMedsSources,
} from '../../../src/ingest/meds.js';
import type { IngestSources, SourceItem } from '../../../src/ingest/sources.js';

const tmp = mkdtempSync(join(tmpdir(), 'meds-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Subject 9007199254740993 is above 2^53: as a JS number it would read back as ...992. */
const BIG = '9007199254740993';
const ROWS = [
  // subject_id, time, code, numeric_value, text_value
  [BIG, '1990-03-04 00:00:00', 'MEDS_BIRTH', null, null],
  [BIG, null, 'GENDER//F', null, null],
  [BIG, '2010-05-06 08:30:00', 'DIAGNOSIS//ICD//10//I10', null, null],
  [BIG, '2010-05-06 09:00:00', 'LAB//LOINC//2345-7', 5.1, null],
  [BIG, '2011-01-01 00:00:00', 'MEDS_DEATH', null, null],
  ['7', '1985-01-01 00:00:00', 'MEDS_BIRTH', null, null],
  ['7', '2000-02-02 00:00:00', 'MEDICATION//RXNORM//1118084', null, 'twice daily'],
  ['8', '2001-01-01 00:00:00', 'PROCEDURE//CPT4//99213', null, null], // no MEDS_BIRTH: no person
] as const;

function sqlValue(v: string | number | null, type: string): string {
  return v === null ? `NULL::${type}` : typeof v === 'number' ? `${v}::${type}` : `'${v}'::${type}`;
}

let parquetRoot = '';
beforeAll(async () => {
  parquetRoot = join(tmp, 'meds-root');
  mkdirSync(join(parquetRoot, 'data'), { recursive: true });
  mkdirSync(join(parquetRoot, 'metadata'), { recursive: true });
  const values = ROWS.map(
    ([s, t, c, n, x]) => `(${sqlValue(s, 'BIGINT')}, ${sqlValue(t, 'TIMESTAMP')}, ${sqlValue(c, 'VARCHAR')}, ${sqlValue(n, 'FLOAT')}, ${sqlValue(x, 'VARCHAR')})`,
  );
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  // Row groups of 3 rows make the reader cross row-group boundaries.
  await conn.run(
    `COPY (SELECT * FROM (VALUES ${values.join(', ')}) t(subject_id, time, code, numeric_value, text_value)) TO '${join(parquetRoot, 'data', 'shard0.parquet')}' (FORMAT PARQUET, ROW_GROUP_SIZE 3)`,
  );
  await conn.run(
    `COPY (SELECT * FROM (VALUES ('DIAGNOSIS//ICD//10//I10', 'Essential hypertension'), ('LAB//LOINC//2345-7', NULL)) t(code, description)) TO '${join(parquetRoot, 'metadata', 'codes.parquet')}' (FORMAT PARQUET)`,
  );
  conn.closeSync();
  instance.closeSync();
});

async function all(sources: IngestSources): Promise<Record<string, SourceItem[]>> {
  const out: Record<string, SourceItem[]> = {};
  for (const t of sources.tables) {
    const items: SourceItem[] = [];
    for await (const item of t.items()) items.push(item);
    out[t.file] = items;
  }
  return out;
}

const rowsOf = (items: SourceItem[] | undefined) => (items ?? []).flatMap((i) => (i.kind === 'row' ? [i.row.fields] : []));

describe('MEDS mapping functions', () => {
  it('maps code prefixes to domains and sex codes to sex', () => {
    expect(medsDomainOf('DIAGNOSIS//ICD//10//I10')).toBe('condition');
    expect(medsDomainOf('lab//x')).toBe('measurement');
    expect(medsDomainOf('MEDS_DEATH')).toBe('death');
    expect(medsDomainOf('SOMETHING_ELSE//1')).toBe('observation');
    expect(medsSexOf('GENDER//F')).toBe('F');
    expect(medsSexOf('SEX//male')).toBe('M');
    expect(medsSexOf('GENDER//U')).toBe('unknown');
    expect(medsSexOf('DIAGNOSIS//F')).toBeNull();
  });

  it('normalises times and float32 values', () => {
    expect(medsTime('2010-05-06 00:00:00')).toBe('2010-05-06');
    expect(medsTime('2010-05-06T08:30:00.000Z')).toBe('2010-05-06T08:30:00');
    expect(medsTime('2010-05-06')).toBe('2010-05-06');
    expect(formatFloat32(Math.fround(5.1))).toBe('5.1');
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
  });

  it('places static rows at birth and names the field at fault', () => {
    expect(mapMedsEvent({ subject_id: '1', code: 'GENDER//F' }, { birth: '1990-01-01' })).toMatchObject({ fields: { time: '1990-01-01', domain: 'demographics' } });
    expect(mapMedsEvent({ subject_id: '1', code: 'GENDER//F' }, {})).toEqual({ field: 'time', reason: 'ROW_MISSING_FIELD' });
    expect(mapMedsEvent({ subject_id: '1', time: '2000-01-01' }, {})).toEqual({ field: 'code', reason: 'ROW_EMPTY_CODE' });
    expect(mapMedsEvent({ time: '2000-01-01', code: 'X' }, {})).toEqual({ field: 'subject_id', reason: 'ROW_MISSING_FIELD' });
  });
});

describe('openMedsSources', () => {
  it('reads a MEDS root of Parquet (written by DuckDB): derived persons, every row an event, code names', async () => {
    const sources = await openMedsSources(parquetRoot);
    expect(sources.format).toBe('meds');
    const items = await all(sources);
    expect(Object.keys(items)).toEqual([MEDS_SUBJECTS_FILE, 'data/shard0.parquet']);
    const persons = items[MEDS_SUBJECTS_FILE]!;
    expect(rowsOf(persons)).toEqual([
      { person_id: BIG, birth_date: '1990-03-04', sex: 'F', death_date: '2011-01-01' },
      { person_id: '7', birth_date: '1985-01-01', sex: 'unknown', death_date: undefined },
    ]);
    expect(persons[2]).toEqual({ kind: 'failure', failure: { file: MEDS_SUBJECTS_FILE, line: 3, field: 'birth_date', reason: 'ROW_MISSING_FIELD' } });

    const events = items['data/shard0.parquet']!;
    expect(events).toHaveLength(ROWS.length);
    expect(events.every((e) => e.kind === 'row')).toBe(true);
    expect(events.map((e) => (e.kind === 'row' ? e.row.line : 0))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(rowsOf(events)[1]).toEqual({ person_id: BIG, time: '1990-03-04', domain: 'demographics', code: 'GENDER//F', value: undefined, source: 'meds' });
    expect(rowsOf(events)[2]).toMatchObject({ time: '2010-05-06T08:30:00', domain: 'condition' });
    expect(rowsOf(events)[3]).toMatchObject({ value: '5.1', domain: 'measurement' });
    expect(rowsOf(events)[6]).toMatchObject({ value: 'twice daily', domain: 'drug', time: '2000-02-02' });

    const dict = [];
    for await (const e of sources.codeDictionary!()) dict.push(e);
    expect(dict).toEqual([{ code: 'DIAGNOSIS//ICD//10//I10', name: 'Essential hypertension', domain: 'condition' }]);
    expect(await sources.tables[0]!.sha256()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a MEDS CSV file the same way and accounts for bad rows', async () => {
    const path = join(tmp, 'events.csv');
    const csv = ['subject_id,time,code,numeric_value,extra'];
    for (const [s, t, c, n] of ROWS) csv.push([s, t ?? '', c, n ?? '', 'x'].join(','));
    csv.push('9,2001-01-01,"broken');
    csv.push('7,2001-01-01');
    writeFileSync(path, `${csv.join('\r\n')}\r\n`);
    const items = await all(await openMedsSources(path));
    expect(rowsOf(items[MEDS_SUBJECTS_FILE]).map((p) => p['person_id'])).toEqual([BIG, '7']);
    const events = items['events.csv']!;
    expect(events).toHaveLength(ROWS.length + 2);
    expect(rowsOf(events)[3]).toMatchObject({ value: '5.1', time: '2010-05-06T09:00:00' });
    expect(events.slice(-2)).toEqual([
      { kind: 'failure', failure: { file: 'events.csv', line: 10, reason: 'ROW_BROKEN_QUOTING' } },
      { kind: 'failure', failure: { file: 'events.csv', line: 11, reason: 'ROW_FIELD_COUNT' } },
    ]);
  });

  it('fails with a catalogued error for missing input, no data files, bad headers and non-Parquet bytes', async () => {
    await expect(openMedsSources(join(tmp, 'absent'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    await expect(openMedsSources(empty)).rejects.toMatchObject({ code: 'IMPORT_MEDS_NO_DATA' });
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, 'subject_id,code\n1,X\n');
    await expect(openMedsSources(bad)).rejects.toMatchObject({ code: 'IMPORT_HEADER_MISSING', message: expect.stringContaining('time') });
    const junk = join(tmp, 'junk.parquet');
    writeFileSync(junk, 'not parquet at all');
    await expect(openMedsSources(junk)).rejects.toMatchObject({ code: 'IMPORT_PARQUET_UNREADABLE' });
  });
});
