import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isServicepathError } from '../../../src/errors/index.js';
import {
  mapOmopEvent,
  mapOmopPerson,
  OMOP_EVENT_TABLES,
  omopBirthDate,
  omopTime,
  openOmopSources,
} from '../../../src/ingest/omop.js';
import type { IngestSources, SourceItem } from '../../../src/ingest/sources.js';

const GIBLEED = '../shared/data/eunomia-gibleed-omop';
// The data set lives beside the repository (docs/gibleed.md), not in it: without it its tests skip, saying why.
const gibleedPresent = existsSync(GIBLEED);
const GIBLEED_SKIPPED = `skipped: needs ${GIBLEED} (Eunomia GiBleed, docs/gibleed.md); absent`;
if (!gibleedPresent) console.warn(`tests/unit/importers/omop.test.ts: 'openOmopSources on Eunomia GiBleed' ${GIBLEED_SKIPPED}`);
const tmp = mkdtempSync(join(tmpdir(), 'omop-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function collect(sources: IngestSources, file: string): Promise<SourceItem[]> {
  const t = sources.tables.find((x) => x.file === file);
  if (t === undefined) throw new Error(`no table ${file}`);
  const out: SourceItem[] = [];
  for await (const item of t.items()) out.push(item);
  return out;
}

/** A fresh CDM folder holding the given files. */
function cdm(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const PERSON_HEADER = 'person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,birth_datetime,location_id\n';

describe('OMOP mapping functions', () => {
  it('builds birth dates from year/month/day, a bare year as mid-year', () => {
    expect(omopBirthDate({ year_of_birth: '1963', month_of_birth: '2', day_of_birth: '3' })).toEqual({ birthDate: '1963-02-03' });
    expect(omopBirthDate({ year_of_birth: '1963', month_of_birth: '12' })).toEqual({ birthDate: '1963-12' });
    expect(omopBirthDate({ year_of_birth: '1963' })).toEqual({ birthDate: '1963-07' });
    expect(omopBirthDate({ birth_datetime: '1950-04-12 00:00:00' })).toEqual({ birthDate: '1950-04-12' });
    expect(omopBirthDate({ year_of_birth: '63' })).toEqual({ field: 'year_of_birth', reason: 'ROW_DATE_INVALID' });
    expect(omopBirthDate({})).toEqual({ field: 'year_of_birth', reason: 'ROW_MISSING_FIELD' });
  });

  it('keeps a person id above 2^53 as its exact text and maps gender concepts', () => {
    const big = '9007199254740993123';
    const m = mapOmopPerson({ person_id: big, gender_concept_id: '8532', year_of_birth: '1990', location_id: '' }, '2020-01-01');
    expect(m).toEqual({ fields: { person_id: big, birth_date: '1990-07', sex: 'F', area: undefined, death_date: '2020-01-01' } });
    const u = mapOmopPerson({ person_id: '1', gender_concept_id: '8551', year_of_birth: '1990' }, undefined);
    expect('fields' in u && u.fields['sex']).toBe('unknown');
  });

  it('takes the date, keeps a non-midnight time, and names the OMOP column at fault', () => {
    expect(omopTime('2015-10-02', '2015-10-02 00:00:00')).toBe('2015-10-02');
    expect(omopTime('2015-10-02', '2015-10-02 13:45:10')).toBe('2015-10-02T13:45:10');
    expect(omopTime('', '2015-10-02 00:00:00')).toBe('2015-10-02');
    const spec = OMOP_EVENT_TABLES.find((t) => t.table === 'measurement')!;
    expect(mapOmopEvent(spec, { person_id: '5', measurement_concept_id: '', measurement_date: '2001-01-01' })).toEqual({
      field: 'measurement_concept_id',
      reason: 'ROW_EMPTY_CODE',
    });
    expect(mapOmopEvent(spec, { person_id: '5', measurement_concept_id: '3006322', measurement_date: '', measurement_datetime: '' })).toEqual({
      field: 'measurement_date',
      reason: 'ROW_MISSING_FIELD',
    });
    const ok = mapOmopEvent(spec, { person_id: '5', measurement_concept_id: '3006322', measurement_date: '2001-01-01', value_as_number: '7.5' });
    expect(ok).toEqual({
      fields: { person_id: '5', time: '2001-01-01', domain: 'measurement', code: '3006322', value: '7.5', end_time: undefined, source: 'measurement' },
    });
  });
});

describe('openOmopSources on a small CDM', () => {
  it('fails fast on a missing person table or a header without required columns', async () => {
    const noPerson = cdm('no-person', { 'death.csv': 'person_id,death_date\n' });
    await expect(openOmopSources(noPerson)).rejects.toMatchObject({ code: 'IMPORT_OMOP_NO_PERSON' });
    await expect(openOmopSources(join(tmp, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });

    const dir = cdm('bad-header', { 'person.csv': PERSON_HEADER, 'condition_occurrence.csv': 'person_id,condition_start_date\n1,2001-01-01\n' });
    const err = await openOmopSources(dir).catch((e: unknown) => e);
    expect(isServicepathError(err) && err.code).toBe('IMPORT_HEADER_MISSING');
    expect((err as Error).message).toContain('condition_occurrence.csv');
    expect((err as Error).message).toContain('condition_concept_id');
  });

  it('accounts for every row: broken quoting, field counts, BOM and CRLF', async () => {
    const dir = cdm('rows', {});
    writeFileSync(join(dir, 'person.csv'), `\uFEFF${PERSON_HEADER.replace('\n', '\r\n')}1,8507,1950,4,12,,7\r\n2,8532,1960,,,,\r\n`);
    writeFileSync(
      join(dir, 'condition_occurrence.csv'),
      'person_id,condition_concept_id,condition_start_date,condition_start_datetime,condition_end_date\n' +
        '1,192671,2011-10-10,,2011-10-12\n' +
        '1,"19\n' + // never closed: its line fails, the next lines are read on their own
        '2,80180,2012-01-01,,\n' +
        '2,80180\n' +
        '2,,2012-01-01,,\n',
    );
    writeFileSync(join(dir, 'death.csv'), 'person_id,death_date,cause_concept_id\n2,2019-05-01,0\n2,2019-04-01,4306655\n');
    const sources = await openOmopSources(dir);
    expect(sources.format).toBe('omop');
    expect(sources.tables.map((t) => `${t.table}:${t.file}`)).toEqual(['persons:person.csv', 'events:condition_occurrence.csv', 'events:death.csv']);

    const persons = await collect(sources, 'person.csv');
    expect(persons).toEqual([
      { kind: 'row', row: { file: 'person.csv', line: 2, fields: { person_id: '1', birth_date: '1950-04-12', sex: 'M', area: '7', death_date: undefined } } },
      { kind: 'row', row: { file: 'person.csv', line: 3, fields: { person_id: '2', birth_date: '1960-07', sex: 'F', area: undefined, death_date: '2019-04-01' } } },
    ]);
    const events = await collect(sources, 'condition_occurrence.csv');
    expect(events.map((e) => (e.kind === 'row' ? `row@${e.row.line}` : `${e.failure.reason}@${e.failure.line}:${e.failure.field ?? ''}`))).toEqual([
      'row@2',
      'ROW_BROKEN_QUOTING@3:',
      'row@4',
      'ROW_FIELD_COUNT@5:',
      'ROW_EMPTY_CODE@6:condition_concept_id',
    ]);
    const deaths = await collect(sources, 'death.csv');
    expect(deaths.map((d) => d.kind === 'row' && d.row.fields['code'])).toEqual(['death', '4306655']);
    expect(await sources.tables[0]!.sha256()).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe.skipIf(!gibleedPresent)(`openOmopSources on Eunomia GiBleed${gibleedPresent ? '' : ` (${GIBLEED_SKIPPED})`}`, () => {
  it('reads every row of each table and the concept dictionary', async () => {
    const sources = await openOmopSources(GIBLEED);
    const counts: Record<string, { rows: number; failures: number; persons: Set<string> }> = {};
    for (const t of sources.tables) {
      const c = { rows: 0, failures: 0, persons: new Set<string>() };
      for await (const item of t.items()) {
        if (item.kind === 'row') {
          c.rows++;
          c.persons.add(item.row.fields['person_id']!);
        } else c.failures++;
      }
      counts[t.file] = c;
    }
    const rows = Object.fromEntries(Object.entries(counts).map(([f, c]) => [f, c.rows]));
    expect(rows).toEqual({
      'person.csv': 2694,
      'observation_period.csv': 5343,
      'condition_occurrence.csv': 65332,
      'drug_exposure.csv': 67707,
      'procedure_occurrence.csv': 37409,
      'measurement.csv': 44053,
      'observation.csv': 1477,
      'visit_occurrence.csv': 1037,
      'device_exposure.csv': 0,
      'death.csv': 0,
    });
    expect(Object.values(counts).every((c) => c.failures === 0)).toBe(true);
    expect(counts['measurement.csv']!.persons.size).toBe(2686);
    expect(counts['observation.csv']!.persons.size).toBe(671);
    expect(counts['procedure_occurrence.csv']!.persons.size).toBe(2593);

    const dict = [];
    for await (const e of sources.codeDictionary!()) dict.push(e);
    expect(dict).toHaveLength(444);
    expect(sources.ignoredFiles).toContain('concept_ancestor.csv');
    expect(sources.ignoredFiles).not.toContain('person.csv');
    expect(dict.find((e) => e.code === '192671')).toEqual({ code: '192671', name: 'Gastrointestinal hemorrhage', domain: 'condition' });
  });
});
