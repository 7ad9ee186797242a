// The fast row checks must give zod's verdict on every row (the data contract's schemas decide), and the
// explanation of a rejected row must name the field and a reason code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventRowSchema, LinkRowSchema, ObservationPeriodRowSchema, PersonRowSchema, TABLE_COLUMNS, type TableName } from '../../../src/schemas/data-contract.js';
import { dayToIso, parseBirthDate, parseEventTime, parseIsoDate } from '../../../src/schemas/dates.js';
import { checkEventFields, checkLinkFields, checkPeriodFields, checkPersonFields, explainRow, fastIsoDay, type Fields } from '../../../src/ingest/validate.js';

const two = (n: number) => String(n).padStart(2, '0');
const validDate = fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const anyYmd = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1790, max: 2210 })), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(([y, m, d]) => `${String(y).padStart(4, '0')}-${two(m)}-${two(d)}`);
const dateLike = fc.oneof(validDate, anyYmd, fc.constantFrom('', '2019-02-30', '2020-02-29', '2019-02-29', '1900-02-29', '2000-02-29', '05/01/2010', '2010-1-05', '2010-01-05 ', 'abcd-ef-gh', '２０１０-01-01'));
const dateTime = fc.tuple(validDate, fc.constantFrom('T', ' '), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.constantFrom('', ':00', ':59.123', 'Z', '+02:00', ':61')).map(
  ([d, sep, h, m, tail]) => `${d}${sep}${two(h)}:${two(m)}${tail}`,
);
const timeLike = fc.oneof(dateLike, dateTime);
const idLike = fc.oneof({ weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 12 }) }, fc.constant('x'.repeat(256)), fc.constant('x'.repeat(257)), fc.constant(''));
const text = fc.oneof(fc.constant(''), fc.string({ maxLength: 8 }));
const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const personRow = fc.record({
  person_id: idLike,
  birth_date: fc.oneof(dateLike, validDate.map((d) => d.slice(0, 7)), fc.constantFrom('2019-13', '2019-00', '2019')),
  sex: fc.constantFrom('F', 'M', 'X', 'unknown', 'f', '', 'female'),
  area: opt(text),
  language_group: opt(text),
  death_date: opt(dateLike),
});
const linkRow = fc.record({
  person_id: idLike,
  related_id: idLike,
  relation: fc.constantFrom('mother', 'father', 'guardian', 'sibling', 'partner', 'cousin', ''),
  start_date: opt(dateLike),
  end_date: opt(dateLike),
});
const periodRow = fc.record({ person_id: idLike, start_date: dateLike, end_date: dateLike });
const eventRow = fc.record({
  person_id: idLike,
  time: timeLike,
  domain: fc.oneof(fc.constantFrom('health', ''), fc.string({ maxLength: 6 })),
  code: fc.oneof(fc.string({ maxLength: 6 }), fc.constant('C'.repeat(128)), fc.constant('C'.repeat(129))),
  value: opt(text),
  end_time: opt(timeLike),
  source: opt(text),
});

/** fast-check records may leave optional keys out or set them to undefined; both mean an absent column. */
function clean(row: Record<string, string | undefined>): Fields {
  return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined));
}

const runs = { numRuns: 2000 };

describe('fast row checks agree with the zod schemas', () => {
  const cases: [TableName, fc.Arbitrary<Record<string, string | undefined>>, (f: Fields) => unknown, { safeParse: (v: unknown) => { success: boolean } }][] = [
    ['persons', personRow, checkPersonFields, PersonRowSchema],
    ['links', linkRow, checkLinkFields, LinkRowSchema],
    ['observation_periods', periodRow, checkPeriodFields, ObservationPeriodRowSchema],
    ['events', eventRow, checkEventFields, EventRowSchema],
  ];
  for (const [table, arb, fast, schema] of cases) {
    it(`${table}: same verdict, and explainRow explains exactly the rejected rows`, () => {
      let accepted = 0;
      let rejected = 0;
      fc.assert(
        fc.property(arb, (raw) => {
          const row = clean(raw);
          const zodOk = schema.safeParse(row).success;
          if (zodOk) accepted += 1;
          else rejected += 1;
          expect(fast(row) !== null).toBe(zodOk);
          const problem = explainRow(table, row);
          expect(problem === null).toBe(zodOk);
          if (problem !== null) {
            expect([...TABLE_COLUMNS[table].required, ...TABLE_COLUMNS[table].optional]).toContain(problem.field);
            expect(problem.reason).toMatch(/^ROW_/);
          }
        }),
        runs,
      );
      // Both verdicts must be well represented, or the agreement proves little.
      expect(accepted).toBeGreaterThan(runs.numRuns / 50);
      expect(rejected).toBeGreaterThan(runs.numRuns / 50);
    });
  }

  it('events: the day, time and optional fields match the date helpers', () => {
    fc.assert(
      fc.property(eventRow, (raw) => {
        const row = clean(raw);
        const e = checkEventFields(row);
        if (e === null) return;
        expect(e.day).toBe(parseEventTime(row['time']!));
        expect(e.value).toBe(row['value'] === '' ? undefined : row['value']);
        expect(e.source).toBe(row['source'] === '' ? undefined : row['source']);
      }),
      runs,
    );
  });

  it('persons: the birth day matches parseBirthDate', () => {
    fc.assert(
      fc.property(personRow, (raw) => {
        const row = clean(raw);
        const p = checkPersonFields(row);
        if (p !== null) expect(p.birthDay).toBe(parseBirthDate(row['birth_date']!));
      }),
      runs,
    );
  });

  it('fastIsoDay equals parseIsoDate on any text', () => {
    fc.assert(
      fc.property(fc.oneof(dateLike, fc.string({ maxLength: 12 })), (t) => {
        expect(fastIsoDay(t)).toBe(parseIsoDate(t));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('explainRow', () => {
  it('names the first failing field with its reason code and never the value', () => {
    const row = { person_id: 'secret-id-1', time: '2019-02-30', domain: 'health', code: 'X' };
    expect(explainRow('events', row)).toMatchObject({ field: 'time', reason: 'ROW_DATE_INVALID' });
    expect(explainRow('events', { ...row, time: '2019-02-28', code: '' })).toMatchObject({ field: 'code', reason: 'ROW_EMPTY_CODE' });
    expect(explainRow('persons', { person_id: 'secret-id-1', birth_date: '2000-01-01', sex: 'female' })).toMatchObject({ field: 'sex', reason: 'ROW_INVALID_VALUE' });
    expect(explainRow('links', { person_id: 'a', related_id: '', relation: 'mother' })).toMatchObject({ field: 'related_id', reason: 'ROW_MISSING_FIELD' });
    for (const p of [explainRow('events', row), explainRow('persons', { person_id: 'secret-id-1', birth_date: 'x', sex: 'F' })]) {
      expect(p!.detail).not.toContain('secret-id-1');
      expect(p!.detail).not.toContain('2019-02-30');
    }
  });
});

describe('dates from year 1 to 9999', () => {
  it('parse on both paths to the same day, round-trip, and refuse year 0 and five-digit years', () => {
    for (const text of ['0001-01-01', '0099-03-01', '1799-12-31', '1850-01-01', '2210-05-01', '9999-12-31', '2400-02-29']) {
      const day = parseIsoDate(text);
      expect(day, text).not.toBeNull();
      expect(fastIsoDay(text), text).toBe(day);
      expect(dayToIso(day as number), text).toBe(text);
    }
    // Year 99 is year 99, not 1999 (Date.UTC's legacy reading of two-digit years).
    expect(parseIsoDate('0099-03-01')).toBeLessThan(parseIsoDate('1000-01-01') as number);
    for (const text of ['0000-01-01', '10000-01-01', '2100-02-29']) {
      expect(parseIsoDate(text), text).toBeNull();
      expect(fastIsoDay(text), text).toBeNull();
    }
  });
});
