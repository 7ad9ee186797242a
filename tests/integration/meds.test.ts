// MEDS end to end through the CLI: a seeded Parquet fixture written by DuckDB, `ingest --format meds`, then
// `profile` on the store it made.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/common.js';
import { runCli } from '../../src/cli/main.js';
import type { PersonHistory } from '../../src/schemas/store.js';
import { openStore } from '../../src/store/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'meds-int-'));
const root = join(tmp, 'meds');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Deterministic LCG so the fixture is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SUBJECTS = 40;
/** Subjects 38 and 39 have no MEDS_BIRTH: they cannot become persons. */
const WITHOUT_BIRTH = new Set([38, 39]);
/** Ids start above 2^53 so that any Number() on the way would change them. */
const idOf = (i: number) => (9007199254740993n + BigInt(i) * 2n).toString();

interface Row {
  subject: string;
  time: string | null;
  code: string;
  value: number | null;
}

function fixture(): Row[] {
  const r = rng(7);
  const rows: Row[] = [];
  for (let i = 0; i < SUBJECTS; i++) {
    const subject = idOf(i);
    const year = 1960 + Math.floor(r() * 40);
    if (!WITHOUT_BIRTH.has(i)) rows.push({ subject, time: `${year}-03-15 00:00:00`, code: 'MEDS_BIRTH', value: null });
    rows.push({ subject, time: null, code: i % 2 === 0 ? 'GENDER//F' : 'GENDER//M', value: null });
    rows.push({ subject, time: `${year + 30}-06-01 10:30:00`, code: 'DIAGNOSIS//ICD//10//I10', value: null });
    rows.push({ subject, time: `${year + 30}-06-01 11:00:00`, code: 'LAB//LOINC//2345-7', value: Math.round(r() * 100) / 10 });
    if (i < 4) rows.push({ subject, time: `${year + 31}-01-01 00:00:00`, code: 'PROCEDURE//CPT4//99213', value: null });
    if (i === 0) rows.push({ subject, time: `${year + 40}-01-01 00:00:00`, code: 'MEDS_DEATH', value: null });
  }
  return rows;
}
const ROWS = fixture();

function captureIo(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, isTty: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

beforeAll(async () => {
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(join(root, 'metadata'), { recursive: true });
  const q = (v: string | null, type: string) => (v === null ? `NULL::${type}` : `'${v}'::${type}`);
  const values = ROWS.map((x) => `(${x.subject}::BIGINT, ${q(x.time, 'TIMESTAMP')}, '${x.code}', ${x.value === null ? 'NULL' : x.value}::FLOAT)`);
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const half = Math.floor(values.length / 2);
  // Two shards, as MEDS datasets come: a subject may span both.
  for (const [name, part] of [
    ['0.parquet', values.slice(0, half)],
    ['1.parquet', values.slice(half)],
  ] as const) {
    await conn.run(
      `COPY (SELECT * FROM (VALUES ${part.join(', ')}) t(subject_id, time, code, numeric_value)) TO '${join(root, 'data', name)}' (FORMAT PARQUET, ROW_GROUP_SIZE 16)`,
    );
  }
  await conn.run(
    `COPY (SELECT * FROM (VALUES ('DIAGNOSIS//ICD//10//I10', 'Essential (primary) hypertension')) t(code, description)) TO '${join(root, 'metadata', 'codes.parquet')}' (FORMAT PARQUET)`,
  );
  conn.closeSync();
  instance.closeSync();
});

describe('ingest --format meds, then profile', () => {
  const store = join(tmp, 'store');
  const persons: PersonHistory[] = [];

  it('ingests every MEDS row: derived persons, events by code prefix, the no-birth subjects quarantined', async () => {
    const io = captureIo();
    const code = await runCli(
      ['ingest', '--input', root, '--format', 'meds', '--out', store, '--demo-key', '--max-reject-rate', '0.5', '--extraction-date', '2030-01-01', '--json'],
      io,
    );
    expect(io.err.join('\n')).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(io.out.join('\n'));
    const read = summary.inputs.reduce((n: number, f: { table: string; read: number }) => n + (f.table === 'events' ? f.read : 0), 0);
    expect(read).toBe(ROWS.length);
    expect(summary.counts.persons).toBe(SUBJECTS - WITHOUT_BIRTH.size);
    // The 2 subjects without birth lose their 3 rows each (GENDER, DIAGNOSIS, LAB) as unknown persons.
    expect(summary.totals.quarantined).toBe(WITHOUT_BIRTH.size + 3 * WITHOUT_BIRTH.size);

    for await (const p of (await openStore(store)).persons()) persons.push(p);
    expect(persons).toHaveLength(SUBJECTS - WITHOUT_BIRTH.size);
    expect(persons.filter((p) => p.sex === 'F')).toHaveLength(19);
    expect(persons.filter((p) => p.deathDay !== undefined)).toHaveLength(1);
    const domains = new Map<string, number>();
    for (const p of persons) for (const e of p.events) domains.set(e.domain, (domains.get(e.domain) ?? 0) + 1);
    expect(Object.fromEntries(domains)).toEqual({ demographics: 76, condition: 38, measurement: 38, procedure: 4, death: 1 });
    const lab = persons.flatMap((p) => p.events).find((e) => e.code === 'LAB//LOINC//2345-7')!;
    expect(lab.value).toMatch(/^\d+(\.\d)?$/);
    expect(lab.time).toMatch(/T11:00:00$/);
    // Pseudonyms only: no raw subject id in the store's histories.
    const text = JSON.stringify(persons);
    for (let i = 0; i < SUBJECTS; i++) expect(text).not.toContain(idOf(i));
  });

  it('profiles the store with names from codes.parquet and <10 for the 4-person procedure', async () => {
    const out = join(tmp, 'profile');
    const io = captureIo();
    expect(await runCli(['profile', '--store', store, '--out', out, '--json'], io)).toBe(0);
    const result = JSON.parse(io.out.join('\n'));
    const codes = result.tables.persons_per_code as Record<string, unknown>[];
    expect(codes.find((r) => r['code'] === 'DIAGNOSIS//ICD//10//I10')).toEqual({
      code: 'DIAGNOSIS//ICD//10//I10',
      name: 'Essential (primary) hypertension',
      domain: 'condition',
      // 38 of the store's persons: fewer than 5 without it, so the count is not shown (disclosure rules,
      // docs/privacy.md); events are rounded to 5.
      persons: 'all but <5',
      events: 40,
    });
    expect(codes.find((r) => r['code'] === 'PROCEDURE//CPT4//99213')).toMatchObject({ persons: '<10', events: '<10' });
    expect(readFileSync(join(out, 'persons_per_code.csv'), 'utf8')).toContain('PROCEDURE//CPT4//99213,,procedure,<10,<10');

    const text = captureIo();
    expect(await runCli(['profile', '--store', store, '--out', join(tmp, 'profile-2')], text)).toBe(0);
    expect(text.out.join('\n')).toContain('## events_by_domain_year');
    expect(existsSync(join(tmp, 'profile-2', 'profile.json'))).toBe(true);
    // The folder exists now: a second run refuses to overwrite it.
    const again = captureIo();
    expect(await runCli(['profile', '--store', store, '--out', out], again)).toBe(2);
    expect(again.err.join('\n')).toContain('FILE_EXISTS');
  });
});
