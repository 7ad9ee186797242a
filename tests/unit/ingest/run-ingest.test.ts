// The validation core end to end on small canonical inputs: every bad-input case lands in the quarantine with
// its reason, every file's rows add up, and nothing identifying reaches an output file.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCanonicalSources } from '../../../src/ingest/canonical.js';
import { runIngest } from '../../../src/ingest/run-ingest.js';
import type { IngestSummary } from '../../../src/ingest/summary.js';
import { openStore } from '../../../src/store/reader.js';
import {
  allFiles,
  baseEvents,
  baseLinks,
  basePeriods,
  basePersons,
  baseTables,
  cleanup,
  EVENTS_HEADER,
  EXTRACTION_DATE,
  id,
  ingestDir,
  KEY,
  newOutDir,
  PERSONS_HEADER,
  readQuarantine,
  writeInput,
} from './fixtures.js';

const dirs: string[] = [];
afterAll(() => cleanup(...dirs));

async function ingest(tables: Parameters<typeof writeInput>[0], extra: Record<string, string | Buffer> = {}) {
  const input = writeInput(tables, extra);
  dirs.push(input);
  const summary = await ingestDir(input);
  dirs.push(summary.storeDir!);
  return { summary, quarantine: readQuarantine(summary.quarantineFile) };
}

function fileCounts(summary: IngestSummary, file: string) {
  const f = summary.inputs.find((i) => i.file === file);
  if (f === undefined) throw new Error(`no input ${file}`);
  return f;
}

function expectConservation(summary: IngestSummary): void {
  for (const f of summary.inputs) expect(f.accepted + f.quarantined + f.duplicates, f.file).toBe(f.read);
  const t = summary.totals;
  expect(t.accepted + t.quarantined + t.duplicates).toBe(t.read);
}

describe('runIngest on clean input', () => {
  it('accepts every row and reports what the store holds', async () => {
    const { summary, quarantine } = await ingest(baseTables());
    expect(quarantine).toEqual([]);
    expect(summary.totals).toEqual({ read: 5 + 5 + 3 + 8, accepted: 21, quarantined: 0, duplicates: 0 });
    expect(summary.counts).toEqual({ persons: 5, events: 8, links: 5, observationPeriods: 3, codes: 7 });
    expect(summary.dateRange).toEqual({ min: '2003-02-10', max: '2014-02-02' });
    expect(summary.extractionDate).toBe(EXTRACTION_DATE);
    expect(summary.rejected).toBe(false);
    expectConservation(summary);
  });
});

describe('runIngest quarantines each bad-input case with its reason', () => {
  const events = baseEvents();
  const eventLine = (k: number) => events.length + 2 + k;
  const cases: [string, string, string][] = [
    ['impossible date', `${id(1)},2019-02-30,health,X`, 'ROW_DATE_INVALID'],
    ['malformed date', `${id(1)},05/01/2010,health,X`, 'ROW_DATE_INVALID'],
    ['event after the extraction date', `${id(1)},2017-01-01,health,X`, 'ROW_FUTURE_EVENT'],
    ['event before birth', `${id(4)},2008-01-29,health,X`, 'ROW_BEFORE_BIRTH'],
    ['event before a month-precision birth month', `${id(3)},2005-05-31,health,X`, 'ROW_BEFORE_BIRTH'],
    ['event after death', `${id(5)},2015-07-01,health,X`, 'ROW_AFTER_DEATH'],
    ['unknown person', `rid-unknown-999,2010-01-01,health,X`, 'ROW_UNKNOWN_PERSON'],
    ['unknown domain', `${id(1)},2010-01-01,astrology,X`, 'ROW_UNKNOWN_DOMAIN'],
    ['empty code', `${id(1)},2010-01-01,health,`, 'ROW_EMPTY_CODE'],
    ['empty person id', `,2010-01-01,health,X`, 'ROW_MISSING_FIELD'],
    ['empty domain', `${id(1)},2010-01-01,,X`, 'ROW_MISSING_FIELD'],
    ['code over 128 characters', `${id(1)},2010-01-01,health,${'C'.repeat(129)}`, 'ROW_INVALID_VALUE'],
    ['end before start', `${id(1)},2010-01-02,health,X,,2010-01-01,`, 'ROW_DATE_INVALID'],
    ['too few fields', `${id(1)},2010-01-01,health`, 'ROW_FIELD_COUNT'],
    ['too many fields', `${id(1)},2010-01-01,health,X,,,,extra`, 'ROW_FIELD_COUNT'],
    ['stray quote', `${id(1)},2010-01-01,health,X"Y,,,`, 'ROW_BROKEN_QUOTING'],
    ['text after a closing quote', `${id(1)},2010-01-01,health,"X"Y,,,`, 'ROW_BROKEN_QUOTING'],
    ['blank line', '', 'ROW_BLANK_LINE'],
  ];
  for (const [name, row, reason] of cases) {
    it(`${name}: ${reason}`, async () => {
      // Rows with fewer than 7 fields are padded, except those testing the field count.
      const padded = reason === 'ROW_FIELD_COUNT' || row === '' || row.split(',').length >= 7 ? row : `${row},,,`;
      const { summary, quarantine } = await ingest({ ...baseTables(), events: [...events, padded] });
      expect(quarantine).toHaveLength(1);
      expect(quarantine[0]).toMatchObject({ file: 'events.csv', line: eventLine(0), reason });
      expect(fileCounts(summary, 'events.csv')).toMatchObject({ read: events.length + 1, accepted: events.length, quarantined: 1 });
      expect(fileCounts(summary, 'events.csv').byReason).toEqual({ [reason]: 1 });
      expectConservation(summary);
    });
  }

  it('a line over 1 MiB: ROW_TOO_LONG, and the rows after it are still read', async () => {
    const long = `${id(1)},2010-01-01,health,${'L'.repeat(1024 * 1024 + 10)},,,`;
    const { summary, quarantine } = await ingest({ ...baseTables(), events: [...events, long, `${id(1)},2011-01-01,health,AFTER_LONG,,,`] });
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([[eventLine(0), 'ROW_TOO_LONG']]);
    expect(summary.counts.events).toBe(events.length + 1);
    expectConservation(summary);
  });

  it('invalid UTF-8: ROW_INVALID_UTF8', async () => {
    const bad = Buffer.concat([Buffer.from(`${EVENTS_HEADER}\n${events.join('\n')}\n${id(1)},2010-01-01,health,`), Buffer.from([0xc3, 0x28]), Buffer.from(',,,\n')]);
    const { summary, quarantine } = await ingest({ persons: basePersons() }, { 'events.csv': bad });
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([[eventLine(0), 'ROW_INVALID_UTF8']]);
    expectConservation(summary);
  });

  it('an unterminated quote fails its own row only; the rows after it are read again', async () => {
    const rows = [...events, `${id(1)},2010-01-01,health,"OPEN,,,`, `${id(1)},2011-01-01,health,NEXT,,,`, `${id(1)},2012-01-01,health,LAST,,,`];
    const { summary, quarantine } = await ingest({ ...baseTables(), events: rows });
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([[eventLine(0), 'ROW_BROKEN_QUOTING']]);
    expect(summary.counts.events).toBe(events.length + 2);
    expectConservation(summary);
  });

  it('quoted commas, doubled quotes and quoted newlines are values, with the right line numbers after them', async () => {
    const rows = [...events, `${id(1)},2010-01-01,health,"A,B",,,"line one\nline two"`, `${id(1)},2010-01-02,health,"say ""hi""",,,`, `${id(1)},2019-02-30,health,X,,,`];
    const { summary, quarantine } = await ingest({ ...baseTables(), events: rows });
    // The quoted newline makes the third extra row start on line +3.
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([[eventLine(3), 'ROW_DATE_INVALID']]);
    expect(summary.counts.codes).toBe(9);
    const store = await openStore(summary.storeDir!);
    const codes = new Set<string>();
    const sources = new Set<string>();
    for await (const p of store.persons()) {
      for (const e of p.events) {
        codes.add(e.code);
        if (e.source !== undefined) sources.add(e.source);
      }
    }
    expect(codes.has('A,B')).toBe(true);
    expect(codes.has('say "hi"')).toBe(true);
    expect(sources.has('line one\nline two')).toBe(true);
  });

  it('BOM and CRLF: read as if absent', async () => {
    const text = `\uFEFF${[EVENTS_HEADER, ...events].join('\r\n')}\r\n`;
    const plain = await ingest(baseTables());
    const crlf = await ingest({ persons: basePersons(), links: baseLinks(), observation_periods: basePeriods() }, { 'events.csv': text });
    expect(crlf.quarantine).toEqual([]);
    expect(crlf.summary.counts).toEqual(plain.summary.counts);
    const a = readFileSync(join(plain.summary.storeDir!, 'shards', '00000.spb'));
    const b = readFileSync(join(crlf.summary.storeDir!, 'shards', '00000.spb'));
    expect(b.equals(a)).toBe(true);
  });
});

describe('runIngest: persons, links and periods rules', () => {
  it('conflicting person rows: every version quarantined, exact repeats counted as duplicates, their events unknown', async () => {
    const persons = [...basePersons(), `${id(1)},1975-04-02,F,area-a,fi,`, `${id(1)},1976-04-02,F,area-a,fi,`, `${id(1)},1975-04-02,F,area-a,fi,`];
    const { summary, quarantine } = await ingest({ ...baseTables(), persons });
    const p = fileCounts(summary, 'persons.csv');
    expect(p).toMatchObject({ read: 8, accepted: 4, quarantined: 2, duplicates: 2 });
    expect(quarantine.filter((q) => q.file === 'persons.csv').map((q) => [q.line, q.reason]).sort()).toEqual([
      [2, 'ROW_PERSON_CONFLICT'],
      [8, 'ROW_PERSON_CONFLICT'],
    ]);
    // Person 1's events, links and period now point at nobody.
    const byFile = (f: string) => fileCounts(summary, f).byReason;
    expect(byFile('events.csv')).toEqual({ ROW_UNKNOWN_PERSON: 2 });
    expect(byFile('links.csv')).toEqual({ ROW_LINK_UNKNOWN_PERSON: 3 });
    expect(byFile('observation_periods.csv')).toEqual({ ROW_UNKNOWN_PERSON: 1 });
    expect(summary.counts.persons).toBe(4);
    expectConservation(summary);
  });

  it('person rows with bad fields or impossible dates', async () => {
    const persons = [
      ...basePersons(),
      `${id(6)},1990-13-01,F,,,`,
      `${id(7)},1990-01-01,female,,,`,
      `${id(8)},2017-03-01,F,,,`,
      `${id(9)},1990-01-01,F,,,1980-01-01`,
      `${id(10)},,F,,,`,
      // A valid date that is no plausible resident's birth; a year past 9999 is no date at all.
      `${id(11)},1849-12-31,F,,,`,
      `${id(12)},10000-01-01,F,,,`,
      `${id(13)},0000-01-01,F,,,`,
      // Years far ahead parse (de-identified extracts shift dates); this one is after the extraction date.
      `${id(14)},2210-05-01,F,,,`,
    ];
    const { summary, quarantine } = await ingest({ ...baseTables(), persons });
    expect(quarantine.map((q) => [q.line, q.field, q.reason])).toEqual([
      [7, 'birth_date', 'ROW_DATE_INVALID'],
      [8, 'sex', 'ROW_INVALID_VALUE'],
      [9, 'birth_date', 'ROW_FUTURE_EVENT'],
      [10, 'death_date', 'ROW_DATE_INVALID'],
      [11, 'birth_date', 'ROW_MISSING_FIELD'],
      [12, 'birth_date', 'ROW_BIRTH_TOO_EARLY'],
      [13, 'birth_date', 'ROW_DATE_INVALID'],
      [14, 'birth_date', 'ROW_DATE_INVALID'],
      [15, 'birth_date', 'ROW_FUTURE_EVENT'],
    ]);
    expectConservation(summary);
  });

  it('links: self-links, unknown persons, exact repeats, bad dates', async () => {
    const links = [
      ...baseLinks(),
      `${id(1)},${id(1)},sibling,,`,
      `${id(1)},rid-nobody-1,sibling,,`,
      `rid-nobody-2,${id(1)},partner,,`,
      `${id(3)},${id(1)},mother,,`,
      `${id(3)},${id(4)},cousin,,`,
      `${id(1)},${id(2)},partner,2010-01-01,2009-01-01`,
    ];
    const { summary, quarantine } = await ingest({ ...baseTables(), links });
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([
      [7, 'ROW_SELF_LINK'],
      [8, 'ROW_LINK_UNKNOWN_PERSON'],
      [9, 'ROW_LINK_UNKNOWN_PERSON'],
      [11, 'ROW_INVALID_VALUE'],
      [12, 'ROW_PERIOD_INVALID'],
    ]);
    expect(fileCounts(summary, 'links.csv')).toMatchObject({ read: 11, accepted: 5, quarantined: 5, duplicates: 1 });
    expectConservation(summary);
  });

  it('impossible family cycles: every parent link of the cycle is ROW_FAMILY_CYCLE', async () => {
    // 1 is 3's mother (base); making 3 the mother of 2 and 2 the father of 1 closes a cycle 3 -> 1 -> 2 -> 3.
    const links = [...baseLinks().filter((l) => !l.startsWith(`${id(3)},${id(2)}`)), `${id(2)},${id(3)},mother,,`, `${id(1)},${id(2)},father,,`];
    const { summary, quarantine } = await ingest({ ...baseTables(), links });
    const cycle = quarantine.filter((q) => q.reason === 'ROW_FAMILY_CYCLE').map((q) => q.line);
    // Lines: 2 = 3's mother is 1; 6 = 2's mother is 3; 7 = 1's father is 2. The sibling and partner links stay.
    expect(cycle).toEqual([2, 6, 7]);
    expect(fileCounts(summary, 'links.csv').byReason).toEqual({ ROW_FAMILY_CYCLE: 3 });
    expectConservation(summary);
  });

  it('a parent born after the child: ROW_PARENT_YOUNGER', async () => {
    // 4 (born 2008) as the guardian of 5 (born 1950); no cycle, only an impossible age order.
    const links = [...baseLinks(), `${id(5)},${id(4)},guardian,,`];
    const { summary, quarantine } = await ingest({ ...baseTables(), links });
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([[7, 'ROW_PARENT_YOUNGER']]);
    expectConservation(summary);
  });

  it('observation periods: end before start, unknown person, exact repeats', async () => {
    const periods = [...basePeriods(), `${id(2)},2010-01-01,2009-01-01`, `rid-nobody-3,2010-01-01,2011-01-01`, `${id(1)},2002-01-01,2016-12-31`];
    const { summary, quarantine } = await ingest({ ...baseTables(), observation_periods: periods });
    expect(quarantine.map((q) => [q.line, q.reason])).toEqual([
      [5, 'ROW_PERIOD_INVALID'],
      [6, 'ROW_UNKNOWN_PERSON'],
    ]);
    expect(fileCounts(summary, 'observation_periods.csv')).toMatchObject({ accepted: 3, quarantined: 2, duplicates: 1 });
    expectConservation(summary);
  });

  it('exact duplicate events are counted once, against the file read later (files are read in name order)', async () => {
    const input = writeInput({ ...baseTables(), events: [...baseEvents(), baseEvents()[0]!] }, { 'events-2.csv': `${EVENTS_HEADER}\n${baseEvents()[1]}\n` });
    dirs.push(input);
    const summary = await ingestDir(input);
    dirs.push(summary.storeDir!);
    // events-2.csv sorts before events.csv, so its row is the original and events.csv holds both repeats.
    expect(fileCounts(summary, 'events-2.csv')).toMatchObject({ read: 1, accepted: 1, duplicates: 0 });
    expect(fileCounts(summary, 'events.csv')).toMatchObject({ read: 9, accepted: 7, duplicates: 2 });
    expect(summary.counts.events).toBe(8);
    expectConservation(summary);
  });
});

describe('runIngest privacy', () => {
  it('writes no raw id and no row value in any output byte', async () => {
    const secretCode = 'SECRET-CODE-VALUE-77';
    const events = [...baseEvents(), `${id(1)},2019-02-30,health,${secretCode},,,`, `rid-unknown-424242,2010-01-01,health,X,,,`];
    const { summary } = await ingest({ ...baseTables(), events });
    const raw = [1, 2, 3, 4, 5].map(id);
    for (const file of allFiles(summary.storeDir!)) {
      const bytes = readFileSync(file);
      for (const r of [...raw, 'rid-unknown-424242', secretCode]) {
        expect(bytes.includes(Buffer.from(r)), `${r} in ${file}`).toBe(false);
        // Also as UTF-16, in case a writer ever stores strings that way.
        expect(bytes.includes(Buffer.from(r, 'utf16le')), `${r} (UTF-16) in ${file}`).toBe(false);
      }
    }
  });
});

describe('runIngest store', () => {
  it('is byte-identical for the same input and key, and differs under another key', async () => {
    const input = writeInput(baseTables());
    dirs.push(input);
    const a = await ingestDir(input);
    const b = await ingestDir(input);
    const c = await ingestDir(input, { key: Buffer.alloc(40, 9) });
    dirs.push(a.storeDir!, b.storeDir!, c.storeDir!);
    const list = (d: string) => allFiles(d).map((f) => f.slice(d.length)).sort();
    expect(list(b.storeDir!)).toEqual(list(a.storeDir!));
    for (const f of list(a.storeDir!)) {
      expect(readFileSync(join(b.storeDir!, f)).equals(readFileSync(join(a.storeDir!, f))), f).toBe(true);
    }
    const manifestA = readFileSync(join(a.storeDir!, 'manifest.json'), 'utf8');
    const manifestC = readFileSync(join(c.storeDir!, 'manifest.json'), 'utf8');
    expect(manifestC).not.toBe(manifestA);
  });

  it('gzipped CSV and NDJSON give the same store as plain CSV', async () => {
    const { gzipSync } = await import('node:zlib');
    const tables = baseTables();
    const plainDir = writeInput(tables);
    const toNdjson = (header: string, rows: string[]) =>
      rows.map((r) => JSON.stringify(Object.fromEntries(header.split(',').map((h, i) => [h, r.split(',')[i] === '' ? null : r.split(',')[i]])))).join('\n');
    const mixedDir = writeInput(
      { links: tables.links, observation_periods: tables.observation_periods },
      {
        'persons.ndjson': `${toNdjson(PERSONS_HEADER, tables.persons)}\n`,
        'events.csv.gz': gzipSync(`${EVENTS_HEADER}\n${tables.events.join('\n')}\n`),
      },
    );
    dirs.push(plainDir, mixedDir);
    const a = await ingestDir(plainDir);
    const b = await ingestDir(mixedDir);
    dirs.push(a.storeDir!, b.storeDir!);
    expect(b.counts).toEqual(a.counts);
    expect(b.totals).toEqual(a.totals);
    const storeA = await openStore(a.storeDir!);
    const storeB = await openStore(b.storeDir!);
    expect(storeB.manifest.shards.files.map((f) => f.sha256)).toEqual(storeA.manifest.shards.files.map((f) => f.sha256));
  });

  it('refuses an existing output folder', async () => {
    const input = writeInput(baseTables());
    dirs.push(input);
    const first = await ingestDir(input);
    dirs.push(first.storeDir!);
    await expect(runIngest({ sources: await openCanonicalSources(input), outDir: first.storeDir!, key: KEY, keySource: 'file', extractionDate: EXTRACTION_DATE })).rejects.toMatchObject({
      code: 'FILE_EXISTS',
    });
  });
});

describe('runIngest reject rate', () => {
  it('above the rate: quarantine and summary in STORE.rejected, no store, INGEST_REJECT_RATE', async () => {
    const events = [...baseEvents(), `${id(1)},2019-02-30,health,X,,,`];
    const input = writeInput({ ...baseTables(), events });
    dirs.push(input);
    const outDir = newOutDir();
    dirs.push(`${outDir}.rejected`);
    const err = await runIngest({ sources: await openCanonicalSources(input), outDir, key: KEY, keySource: 'file', extractionDate: EXTRACTION_DATE, maxRejectRate: 0.01 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: 'INGEST_REJECT_RATE', exitCode: 4 });
    expect(existsSync(outDir)).toBe(false);
    expect(existsSync(join(`${outDir}.rejected`, 'manifest.json'))).toBe(false);
    expect(readQuarantine(join(`${outDir}.rejected`, 'quarantine.csv')).map((q) => q.reason)).toEqual(['ROW_DATE_INVALID']);
    const summary = JSON.parse(readFileSync(join(`${outDir}.rejected`, 'summary.json'), 'utf8')) as IngestSummary;
    expect(summary.rejected).toBe(true);
    expect(summary.totals.quarantined).toBe(1);
    await expect(openStore(`${outDir}.rejected`)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
  });

  it('at or below the rate: published', async () => {
    const events = [...baseEvents(), `${id(1)},2019-02-30,health,X,,,`];
    const input = writeInput({ ...baseTables(), events });
    dirs.push(input);
    const summary = await ingestDir(input, { maxRejectRate: 0.05 });
    dirs.push(summary.storeDir!);
    expect(summary.rejected).toBe(false);
    expect(summary.rejectRate).toBeCloseTo(1 / 22);
  });
});
