// The zero-copy CSV path of the events pass must end exactly where the full path ends: same rows spilled, same
// counts, same quarantine (it only ever accepts; everything else falls through to the full path).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { eventColumns, EventPass } from '../../../src/ingest/events-pass.js';
import { PersonTable } from '../../../src/ingest/persons.js';
import { Tally } from '../../../src/ingest/tally.js';
import { TextTable } from '../../../src/ingest/text-table.js';
import { checkPersonFields } from '../../../src/ingest/validate.js';
import { DEFAULT_DOMAINS } from '../../../src/schemas/data-contract.js';
import { isoToDay } from '../../../src/schemas/dates.js';
import { EventSpill } from '../../../src/store/spill.js';
import { cleanup, KEY } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'sp-events-pass-'));
afterAll(() => cleanup(tmp));

const PERSONS = [
  ['pa-1', '1990-05-10', ''],
  ['pa-2', '2001-07', '2010-03-01'],
  ['pa-3', '1960-01-01', ''],
  ['pa-3', '1961-01-01', ''], // conflicting rows: pa-3 is not an accepted person
] as const;

function setup(name: string) {
  const table = new PersonTable();
  PERSONS.forEach(([personId, birth, death], i) => {
    table.add(checkPersonFields({ person_id: personId, birth_date: birth, sex: 'F', death_date: death })!, 0, i + 2);
  });
  const persons = table.finalize(KEY, 0);
  const personIds = new TextTable();
  for (const rawId of table.index.keys()) personIds.add(rawId);
  const tally = new Tally(join(tmp, `${name}-quarantine.csv`));
  tally.addFile('events.csv', 'events');
  const spill = new EventSpill(join(tmp, `${name}-spill`), 2 ** persons.shardBits);
  const pass = new EventPass({ sink: tally, extractionDay: isoToDay('2016-12-31'), domains: DEFAULT_DOMAINS, persons, personIds });
  pass.spillTo(spill);
  return { pass, tally, spill, shards: 2 ** persons.shardBits, quarantine: join(tmp, `${name}-quarantine.csv`) };
}

/** Mostly good values, with every kind of bad one mixed in. */
const mostly = (good: string[], bad: string[]) =>
  fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) });
const field = {
  person_id: mostly(['pa-1', 'pa-2'], ['pa-3', 'nobody', '', 'x'.repeat(257)]),
  time: mostly(['2005-01-01', '2008-02-29', '1990-05-10', '2001-07-01', '2010-03-01'], ['1990-05-09', '2001-06-30', '2010-03-02', '2017-01-01', '2019-02-30', '2005-01-01T10:00', '2005-01-01 23:59:59', 'soon', '']),
  domain: mostly(['health', 'school'], ['astrology', '']),
  code: mostly(['A1', 'B2', 'C3', 'C'.repeat(128)], ['', 'C'.repeat(129)]),
  value: fc.constantFrom('', '1.5', 'high'),
  end_time: mostly([''], ['2005-01-02', '2004-12-31', 'bad']),
  source: fc.constantFrom('', 'reg-a', 'reg-b'),
};
const HEADERS = [
  ['person_id', 'time', 'domain', 'code', 'value', 'end_time', 'source'],
  ['code', 'source', 'person_id', 'domain', 'time'],
  ['person_id', 'time', 'domain', 'code'],
];

describe('EventPass.csvLine', () => {
  for (const header of HEADERS) {
    it(`accepts only what the full path accepts, with the same result (header ${header.join(',')})`, () => {
      const values = fc.record(Object.fromEntries(header.map((h) => [h, field[h as keyof typeof field]])) as Record<string, fc.Arbitrary<string>>);
      const lines = fc.array(
        fc.oneof(
          { weight: 8, arbitrary: values.map((v) => header.map((h) => v[h]).join(',')) },
          { weight: 1, arbitrary: values.map((v) => `${header.map((h) => v[h]).join(',')},extra`) },
          { weight: 1, arbitrary: values.map((v) => `${header.map((h) => v[h]).join(',')}\r`) },
        ),
        { minLength: 2000, maxLength: 2000 },
      );
      const name = header.join('-');
      const sample = fc.sample(lines, { numRuns: 1, seed: 42 })[0]!;
      const fast = setup(`${name}-fast`);
      const full = setup(`${name}-full`);
      const cols = eventColumns(header);
      let fastAccepted = 0;
      sample.forEach((line, k) => {
        const text = line.endsWith('\r') ? line.slice(0, -1) : line;
        const parts = text.split(',');
        const fields = Object.fromEntries(header.map((h, i) => [h, parts[i]!]));
        const viaFull = () => {
          if (parts.length !== header.length) fast.tally.quarantine(0, k + 2, '', 'ROW_FIELD_COUNT');
          else fast.pass.row(fields, 0, k + 2);
        };
        if (fast.pass.csvLine(line, cols, 0)) fastAccepted += 1;
        else viaFull();
        if (parts.length !== header.length) full.tally.quarantine(0, k + 2, '', 'ROW_FIELD_COUNT');
        else full.pass.row(fields, 0, k + 2);
      });
      fast.tally.read(0, sample.length);
      full.tally.read(0, sample.length);
      fast.spill.finish();
      full.spill.finish();
      fast.tally.flush();
      full.tally.flush();
      expect(fastAccepted).toBeGreaterThan(100);
      expect(fast.tally.inputs(['0'.repeat(64)])).toEqual(full.tally.inputs(['0'.repeat(64)]));
      expect(readFileSync(fast.quarantine, 'utf8')).toBe(readFileSync(full.quarantine, 'utf8'));
      expect(fast.pass.codes.keys).toEqual(full.pass.codes.keys);
      for (let s = 0; s < fast.shards; s++) expect(fast.spill.read(s)).toEqual(full.spill.read(s));
    });
  }
});
