// Finding the canonical tables and checking their headers before anything is read.
import { describe, expect, it, afterAll } from 'vitest';
import { openCanonicalSources } from '../../../src/ingest/canonical.js';
import { cleanup, EVENTS_HEADER, gz, id, PERSONS_HEADER, writeInput } from './fixtures.js';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

function input(extra: Record<string, string | Buffer>, withBase = true): string {
  const dir = writeInput(withBase ? { persons: [`${id(1)},2000-01-01,F,,,`], events: [] } : {}, extra);
  dirs.push(dir);
  return dir;
}

describe('openCanonicalSources', () => {
  it('finds every file of a table, in name order, plain, gzipped or NDJSON, and lists what it ignores', async () => {
    const dir = input({
      'events-2016.csv.gz': gz(`${EVENTS_HEADER}\n`),
      'events_2015.ndjson': '',
      'links.csv': 'person_id,related_id,relation\n',
      'notes.txt': 'hello',
      'observation_periods.jsonl': '',
    });
    const sources = await openCanonicalSources(dir);
    expect(sources.tables.map((t) => `${t.table}:${t.file}`)).toEqual([
      'persons:persons.csv',
      'links:links.csv',
      'events:events-2016.csv.gz',
      'events:events.csv',
      'events:events_2015.ndjson',
      'observation_periods:observation_periods.jsonl',
    ]);
    expect(sources.ignoredFiles).toEqual(['notes.txt']);
  });

  it('reads a header with a BOM, CRLF and quoted names', async () => {
    const dir = input({ 'events.csv': `\uFEFF"person_id",time,domain,code\r\n` });
    await expect(openCanonicalSources(dir)).resolves.toBeDefined();
  });

  const bad: [string, string, RegExp][] = [
    ['missing required column', 'person_id,time,code', /events\.csv: missing required column domain/],
    ['unknown column', 'person_id,time,domain,code,colour', /unknown column colour/],
    ['repeated column', 'person_id,time,domain,code,code', /repeated column code/],
    ['several problems at once', 'person_id,when,when', /missing required columns time, domain, code; unknown column when; repeated column when/],
    ['empty file', '', /the file is empty/],
    ['unreadable header', 'person_id,"time', /header line cannot be read/],
  ];
  for (const [name, header, message] of bad) {
    it(`fails fast on a header with a ${name}, naming file and columns`, async () => {
      const dir = input({ 'events.csv': header === '' ? '' : `${header}\n` });
      await expect(openCanonicalSources(dir)).rejects.toMatchObject({ code: 'INGEST_HEADER_INVALID', message: expect.stringMatching(message) });
    });
  }

  it('requires persons and events', async () => {
    const dir = input({ 'persons.csv': `${PERSONS_HEADER}\n` }, false);
    await expect(openCanonicalSources(dir)).rejects.toMatchObject({ code: 'INGEST_TABLE_MISSING', message: expect.stringMatching(/events.*\)\.$/) });
  });

  it('says an OMOP folder given without --format omop is one', async () => {
    const dir = input({ 'person.csv': 'person_id,gender_concept_id,year_of_birth\n' }, false);
    await expect(openCanonicalSources(dir)).rejects.toMatchObject({
      code: 'INGEST_TABLE_MISSING',
      message: expect.stringMatching(/^No persons table in .*\. It holds person\.csv: an OMOP CDM extract\? Give --format omop/),
    });
  });

  it('refuses a folder that does not exist', async () => {
    await expect(openCanonicalSources('/nonexistent/servicepath-input')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('yields the same rows through items() and batches(), and hashes the stored bytes', async () => {
    const dir = input({ 'events.csv': `${EVENTS_HEADER}\n${id(1)},2010-01-01,health,X,,,\n"${id(1)}",2010-01-02,health,"Y\nZ",,,\nbad\n` });
    const events = (await openCanonicalSources(dir)).tables.find((t) => t.file === 'events.csv')!;
    const items = [];
    for await (const item of events.items()) items.push(item);
    expect(items.map((i) => (i.kind === 'row' ? [i.row.line, i.row.fields['code']] : [i.failure.line, i.failure.reason]))).toEqual([
      [2, 'X'],
      [3, 'Y\nZ'],
      [5, 'ROW_FIELD_COUNT'],
    ]);
    expect(await events.sha256()).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('NDJSON rows', () => {
  it('turns values into text, refuses ids beyond 2^53 as numbers, unknown keys and non-objects', async () => {
    const lines = [
      JSON.stringify({ person_id: 'a', time: '2010-01-01', domain: 'health', code: 'X', value: 1.5, source: null }),
      JSON.stringify({ person_id: 12345, time: '2010-01-01', domain: 'health', code: 'X' }),
      '{"person_id": 9007199254740993, "time": "2010-01-01", "domain": "health", "code": "X"}',
      JSON.stringify({ person_id: 'a', time: '2010-01-01', domain: 'health', code: 'X', colour: 'red' }),
      '[1,2]',
      '{broken',
      '',
    ];
    const dir = input({ 'events.ndjson': `${lines.join('\n')}\n` });
    const events = (await openCanonicalSources(dir)).tables.find((t) => t.file === 'events.ndjson')!;
    const items = [];
    for await (const item of events.items()) items.push(item);
    expect(items[0]).toMatchObject({ kind: 'row', row: { line: 1, fields: { person_id: 'a', value: '1.5' } } });
    expect(items[0]!.kind === 'row' && 'source' in items[0]!.row.fields).toBe(false);
    expect(items[1]).toMatchObject({ kind: 'row', row: { fields: { person_id: '12345' } } });
    expect(items.slice(2).map((i) => (i.kind === 'failure' ? [i.failure.line, i.failure.reason, i.failure.field] : null))).toEqual([
      [3, 'ROW_INVALID_VALUE', 'person_id'],
      [4, 'ROW_INVALID_VALUE', 'colour'],
      [5, 'ROW_INVALID_JSON', undefined],
      [6, 'ROW_INVALID_JSON', undefined],
      [7, 'ROW_BLANK_LINE', undefined],
    ]);
  });
});
