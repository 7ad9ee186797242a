// `servicepath ingest` through the CLI dispatcher, in-process: the summary table and JSON, the exit codes,
// and the key rules.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CommandIo } from '../../src/cli/common.js';
import { runCli } from '../../src/cli/main.js';
import { KEY_ENV } from '../../src/ingest/key.js';
import type { IngestSummary } from '../../src/ingest/summary.js';
import { openStore } from '../../src/store/reader.js';
import { baseEvents, baseTables, cleanup, id, writeInput } from '../unit/ingest/fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'sp-ingest-cli-'));
const inputs: string[] = [];
afterAll(() => cleanup(tmp, ...inputs));

const savedEnv = process.env[KEY_ENV];
afterEach(() => {
  if (savedEnv === undefined) delete process.env[KEY_ENV];
  else process.env[KEY_ENV] = savedEnv;
});

function io(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, isTty: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

function input(tables = baseTables()): string {
  const dir = writeInput(tables);
  inputs.push(dir);
  return dir;
}

let n = 0;
const out = () => join(tmp, `store-${n++}`);

describe('servicepath ingest', () => {
  it('ingests with a key file and prints a table with every file and the totals', async () => {
    const key = join(tmp, 'key');
    writeFileSync(key, `${'9f'.repeat(32)}\n`);
    const store = out();
    const c = io();
    const code = await runCli(['ingest', '--input', input(), '--format', 'canonical', '--out', store, '--key-file', key, '--extraction-date', '2016-12-31'], c);
    expect(c.err).toEqual([]);
    expect(code).toBe(0);
    const text = c.out.join('\n');
    expect(text).toMatch(/persons\.csv\s+persons\s+5\s+5\s+0\s+0/);
    expect(text).toMatch(/events\.csv\s+events\s+8\s+8\s+0\s+0/);
    expect(text).toMatch(/total\s+21\s+21\s+0\s+0/);
    expect(text).toContain('key from file');
    const opened = await openStore(store);
    expect(opened.manifest.pseudonym.keySource).toBe('file');
    expect(opened.manifest.extractionDate).toBe('2016-12-31');
  });

  it('prints the summary as JSON with --json and records a demo key as such', async () => {
    const c = io();
    const store = out();
    const code = await runCli(['ingest', '--input', input(), '--out', store, '--demo-key', '--json', '--extraction-date', '2016-12-31'], c);
    expect(code).toBe(0);
    const summary = JSON.parse(c.out.join('')) as IngestSummary;
    expect(summary.keySource).toBe('demo');
    expect(summary.inputs.map((f) => f.file)).toEqual(['persons.csv', 'links.csv', 'observation_periods.csv', 'events.csv']);
    expect((await openStore(store)).manifest.pseudonym.keySource).toBe('demo');
  });

  it('takes the key from the environment', async () => {
    process.env[KEY_ENV] = 'an-environment-key-long-enough-to-be-secret';
    const c = io();
    expect(await runCli(['ingest', '--input', input(), '--out', out(), '--json'], c)).toBe(0);
    expect((JSON.parse(c.out.join('')) as IngestSummary).keySource).toBe('env');
  });

  it('refuses to run without a key (exit 2, INGEST_KEY_MISSING)', async () => {
    delete process.env[KEY_ENV];
    const c = io();
    const store = out();
    expect(await runCli(['ingest', '--input', input(), '--out', store], c)).toBe(2);
    expect(c.err.join('\n')).toContain('INGEST_KEY_MISSING');
    expect(existsSync(store)).toBe(false);
  });

  it('fails fast on a bad header (exit 3) and writes nothing', async () => {
    const dir = input();
    writeFileSync(join(dir, 'events.csv'), 'person_id,time,domain,kode\n');
    const c = io();
    const store = out();
    expect(await runCli(['ingest', '--input', dir, '--out', store, '--demo-key'], c)).toBe(3);
    expect(c.err.join('\n')).toMatch(/INGEST_HEADER_INVALID: events\.csv: missing required column code; unknown column kode/);
    expect(existsSync(store)).toBe(false);
  });

  it('above --max-reject-rate: prints the table, exits 4, leaves the quarantine in STORE.rejected', async () => {
    const tables = baseTables();
    tables.events = [...baseEvents(), `${id(1)},2019-02-30,health,X,,,`, `${id(1)},2010-01-01,astrology,X,,,`];
    const store = out();
    const c = io();
    const code = await runCli(['ingest', '--input', input(tables), '--out', store, '--demo-key', '--max-reject-rate', '0.05', '--extraction-date', '2016-12-31'], c);
    expect(code).toBe(4);
    expect(c.out.join('\n')).toMatch(/events\.csv\s+events\s+10\s+8\s+2\s+0\s+ROW_DATE_INVALID 1, ROW_UNKNOWN_DOMAIN 1/);
    expect(c.err.join('\n')).toContain('INGEST_REJECT_RATE');
    expect(existsSync(store)).toBe(false);
    expect(readFileSync(join(`${store}.rejected`, 'quarantine.csv'), 'utf8')).toContain('ROW_UNKNOWN_DOMAIN');
  });

  it('with --json above the rate, the error carries the summary', async () => {
    const tables = baseTables();
    tables.events = [...baseEvents(), `${id(1)},2019-02-30,health,X,,,`];
    const c = io();
    expect(await runCli(['ingest', '--input', input(tables), '--out', out(), '--demo-key', '--max-reject-rate', '0', '--json'], c)).toBe(4);
    const error = JSON.parse(c.err.join('')) as { error: { code: string; details: IngestSummary } };
    expect(error.error.code).toBe('INGEST_REJECT_RATE');
    expect(error.error.details.totals.quarantined).toBe(1);
  });

  it('checks its options', async () => {
    const cases: [string[], RegExp][] = [
      [['--input', 'x', '--out', 'y', '--demo-key', '--format', 'excel'], /--format must be one of canonical, omop, meds/],
      [['--input', 'x', '--out', 'y', '--demo-key', '--max-reject-rate', '2'], /--max-reject-rate must be between 0 and 1/],
      [['--input', 'x', '--out', 'y', '--demo-key', '--extraction-date', '2019-02-30'], /--extraction-date must be a valid/],
      [['--out', 'y', '--demo-key'], /missing required option --input/],
    ];
    for (const [args, message] of cases) {
      const c = io();
      expect(await runCli(['ingest', ...args], c)).toBe(2);
      expect(c.err.join('\n')).toMatch(message);
    }
  });

  it('has --help', async () => {
    const c = io();
    expect(await runCli(['ingest', '--help'], c)).toBe(0);
    expect(c.out.join('\n')).toContain('--max-reject-rate');
  });
});
