// The spb1 shard format: what is encoded decodes to the same histories, and damaged bytes are refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayToIso } from '../../../src/schemas/dates.js';
import { type PersonHistory, PersonHistorySchema } from '../../../src/schemas/store.js';
import { decodeShard, encodeShard } from '../../../src/store/shard-codec.js';

const hex32 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('hex'));
const day = fc.integer({ min: -60_000, max: 90_000 });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const text = fc.string({ maxLength: 12, unit: 'grapheme' });

const history: fc.Arbitrary<PersonHistory> = fc
  .record({
    personId: hex32,
    birthDay: day,
    monthOnly: fc.boolean(),
    sex: fc.constantFrom('F', 'M', 'X', 'unknown'),
    area: maybe(text),
    languageGroup: maybe(text),
    deathDay: maybe(day),
    observationPeriods: fc.array(fc.tuple(day, fc.nat(20_000)).map(([s, n]) => ({ startDay: s, endDay: s + n })), { maxLength: 3 }),
    relatives: fc.array(
      fc.record({ relatedId: hex32, relation: fc.constantFrom('mother', 'father', 'guardian', 'sibling', 'partner', 'child'), startDay: maybe(day), endDay: maybe(day) }),
      { maxLength: 4 },
    ),
    events: fc.array(
      fc.record({
        day: fc.integer({ min: 0, max: 20_000 }),
        timeOfDay: maybe(fc.constantFrom('T10:00', 'T23:59:59', ' 08:15')),
        domain: fc.constantFrom('health', 'school', 'child_welfare'),
        code: text.filter((s) => s.length > 0),
        value: maybe(text),
        endTime: maybe(fc.constantFrom('2010-01-01', '2011-05-05T10:00')),
        source: maybe(text),
      }),
      { maxLength: 12 },
    ),
  })
  .map((r) => {
    const h: PersonHistory = {
      personId: r.personId,
      birthDate: r.monthOnly ? dayToIso(r.birthDay).slice(0, 7) : dayToIso(r.birthDay),
      birthDay: r.birthDay,
      sex: r.sex as PersonHistory['sex'],
      observationPeriods: r.observationPeriods,
      relatives: r.relatives.map((x) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined)) as PersonHistory['relatives'][number]),
      events: r.events
        .map((e) => {
          const ev: PersonHistory['events'][number] = { day: e.day, time: dayToIso(e.day) + (e.timeOfDay ?? ''), domain: e.domain, code: e.code };
          if (e.value !== undefined) ev.value = e.value;
          if (e.endTime !== undefined) ev.endTime = e.endTime;
          if (e.source !== undefined) ev.source = e.source;
          return ev;
        })
        .sort((a, b) => a.day - b.day),
    };
    if (r.area !== undefined) h.area = r.area;
    if (r.languageGroup !== undefined) h.languageGroup = r.languageGroup;
    if (r.deathDay !== undefined) h.deathDay = r.deathDay;
    return h;
  });

describe('shard codec', () => {
  it('round-trips any histories', () => {
    fc.assert(
      fc.property(fc.array(history, { maxLength: 6 }), (histories) => {
        const decoded = decodeShard(encodeShard(histories));
        expect(decoded).toEqual(histories);
        for (const h of decoded) PersonHistorySchema.parse(h);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses bad magic, truncation and trailing bytes', () => {
    const bytes = encodeShard(fc.sample(history, { numRuns: 3, seed: 1 }));
    expect(() => decodeShard(Buffer.from('NOTASHARD'))).toThrow(/bad magic/);
    expect(() => decodeShard(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
    expect(() => decodeShard(Buffer.concat([bytes, Buffer.of(0)]))).toThrow(/after the last person/);
  });
});
