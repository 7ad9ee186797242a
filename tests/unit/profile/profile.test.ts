import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProfile, type ProfileSource, renderProfileText, writeProfile } from '../../../src/profile/index.js';
import { ProfileAccumulator, quantileOfCounts, showCountOf, showPersons } from '../../../src/profile/aggregate.js';
import { isoToDay } from '../../../src/schemas/dates.js';
import type { PersonHistory, StoredEvent } from '../../../src/schemas/store.js';

const tmp = mkdtempSync(join(tmpdir(), 'profile-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ev(date: string, domain: string, code: string, extra: Partial<StoredEvent> = {}): StoredEvent {
  return { day: isoToDay(date), time: date, domain, code, ...extra };
}
function person(i: number, birth: string, events: StoredEvent[], extra: Partial<PersonHistory> = {}): PersonHistory {
  return { personId: `p${i}`, birthDate: birth, birthDay: isoToDay(birth), sex: 'F', observationPeriods: [], relatives: [], events, ...extra };
}

/**
 * 20 persons born 2000-01-01. Each has health/H1 in 2010 at age 10 + i days (value on even i).
 * Persons 0–11 also have school/S1 in 2011; persons 0–2 have a rare code in 2012 (3 persons: suppressed).
 * Persons 0–4 have an area; none has a language group.
 */
function population(): PersonHistory[] {
  return Array.from({ length: 20 }, (_, i) => {
    const events = [ev(`2010-01-${String(1 + i).padStart(2, '0')}`, 'health', 'H1', i % 2 === 0 ? { value: '1' } : { source: 'reg' })];
    if (i < 12) events.push(ev('2011-06-01', 'school', 'S1'), ev('2011-07-01', 'school', 'S1'));
    if (i < 3) events.push(ev('2012-03-03', 'health', 'RARE'));
    return person(i, '2000-01-01', events, i < 5 ? { area: 'north' } : {});
  });
}

const source = (persons: PersonHistory[], dict?: { code: string; name: string }[]): ProfileSource => ({
  async *persons() {
    yield* persons;
  },
  ...(dict === undefined ? {} : { codeDictionary: async () => new Map(dict.map((d) => [d.code, { name: d.name }])) }),
});

describe('suppression helpers', () => {
  it('shows 1–9 persons as <10, zero and 10+ exactly', () => {
    // Issue 16: shown counts follow src/privacy/rules.ts and are rounded to 5, so 11 shows as 10.
    expect([0, 1, 9, 10, 11].map((n) => showPersons(n))).toEqual([0, '<10', '<10', 10, 10]);
    expect(showCountOf(500, 3)).toBe('<10');
    expect(showCountOf(500, 10)).toBe(500);
  });

  it('computes type-7 quantiles from a histogram', () => {
    const h = new Map([
      [1, 1],
      [2, 1],
      [3, 1],
      [4, 1],
    ]);
    expect(quantileOfCounts(h, 0.5)).toBe(2.5);
    expect(quantileOfCounts(h, 0.25)).toBe(1.75);
    expect(quantileOfCounts(new Map([[7, 5]]), 0.75)).toBe(7);
  });
});

describe('profile tables', () => {
  it('counts events per domain and year, and hides cells of fewer than 10 persons', () => {
    const acc = new ProfileAccumulator();
    for (const p of population()) acc.add(p);
    const t = acc.finish({ topCodes: 10 });
    // Issue 16 (src/privacy/rules.ts): counts are rounded to 5 (24 -> 25, 12 -> 10, 47 -> 45), and a group that is
    // all of the store's 20 persons but fewer than 5 shows as "all but <5" (its complement is under minCount).
    expect(t.events_by_domain_year).toEqual([
      { domain: 'health', year: 2010, events: 20, persons: 'all but <5' },
      { domain: 'health', year: 2012, events: '<10', persons: '<10' },
      { domain: 'school', year: 2011, events: 25, persons: 10 },
    ]);
    expect(t.overview).toContainEqual({ metric: 'persons', value: 20 });
    expect(t.overview).toContainEqual({ metric: 'events', value: 45 });
    // 2012 has only 3 persons, so the last year shown is 2011.
    expect(t.overview).toContainEqual({ metric: 'first_event_year_10_persons', value: 2010 });
    expect(t.overview).toContainEqual({ metric: 'last_event_year_10_persons', value: 2011 });
  });

  it('ranks codes by persons, names them from the dictionary, and suppresses rare codes', async () => {
    const profile = await buildProfile(source(population(), [{ code: 'H1', name: 'health visit' }]), { topCodes: 2 }, 'store');
    // Issue 16: H1 is every one of the 20 persons (complement under 5); S1's 12 persons and 24 events are rounded.
    expect(profile.tables.persons_per_code).toEqual([
      { code: 'H1', name: 'health visit', domain: 'health', persons: 'all but <5', events: 20 },
      { code: 'S1', name: null, domain: 'school', persons: 10, events: 25 },
    ]);
    const all = await buildProfile(source(population()), { topCodes: 10 }, 'store');
    expect(all.tables.persons_per_code[2]).toEqual({ code: 'RARE', name: null, domain: 'health', persons: '<10', events: '<10' });
  });

  it('gives age at first event per domain in years, hidden under 10 persons', () => {
    const acc = new ProfileAccumulator();
    for (const p of population()) acc.add(p);
    const [health, school] = acc.finish({ topCodes: 10 }).age_at_first_event;
    // First health event at 2010-01-01 + i days, i = 0..19: median 9.5 days after 3653 days.
    // Issue 16: all 20 persons have a health event (complement under 5); 12 school persons round to 10.
    expect(health).toEqual({ domain: 'health', persons: 'all but <5', q1_years: 10, median_years: 10, q3_years: 10 });
    expect(school).toMatchObject({ domain: 'school', persons: 10, median_years: 11.4 });

    const few = new ProfileAccumulator();
    for (const p of population().slice(0, 9)) few.add(p);
    expect(few.finish({ topCodes: 10 }).age_at_first_event[0]).toEqual({ domain: 'health', persons: '<10', q1_years: null, median_years: null, q3_years: null });
  });

  it('reports missing fields, with complementary suppression for persons', () => {
    const acc = new ProfileAccumulator();
    for (const p of population()) acc.add(p);
    const rows = acc.finish({ topCodes: 10 }).missing_fields;
    // Issue 16 (src/privacy/rules.ts): counts rounded to 5 (13 -> 15, 23 -> 25), shares to two decimals, and a count
    // and its complement each at least minCount = 5: all 24 school events lack end_time (none has one), so the count
    // reads "all but <5" and the share is hidden.
    expect(rows).toContainEqual({ table: 'events', domain: 'health', field: 'value', missing: 15, total: 25, share: 0.57 });
    expect(rows).toContainEqual({ table: 'events', domain: 'school', field: 'end_time', missing: 'all but <5', total: 25, share: null });
    // 15 persons lack an area and 5 have one: 5 is the minimum count (the complement needs 5, no longer 10), so shown.
    expect(rows).toContainEqual({ table: 'persons', domain: null, field: 'area', missing: 15, total: 20, share: 0.75 });
    // No one has a language group: 20 of 20 missing would say so, so the count reads "all but <5" and no share.
    expect(rows).toContainEqual({ table: 'persons', domain: null, field: 'language_group', missing: 'all but <5', total: 20, share: null });
  });

  it('never prints an exact count below 10 persons in text, CSV or JSON', async () => {
    const small = population().slice(0, 7);
    const profile = await buildProfile(source(small), { topCodes: 10 }, 'store');
    const out = join(tmp, 'small-profile');
    const files = await writeProfile(profile, out);
    expect(files).toContain('profile.json');
    const text = await renderProfileText(profile);
    // The first cell of each text row is the row number, not a count.
    const outputs = [text.replace(/^║\s*\d+\s*│/gm, ''), ...files.map((f) => readFileSync(join(out, f), 'utf8'))];
    for (const o of outputs) {
      expect(o).toContain('<10');
      // 7 persons, 3 rare-code persons, 14 school events: none of these may appear as a count.
      expect(o).not.toMatch(/(^|[\s,:│])(7|3|14)(?=[\s,│║}\]]|$)/m);
    }
  });

  it('writes one CSV per table and profile.json, and refuses to overwrite', async () => {
    const profile = await buildProfile(source(population(), [{ code: 'H1', name: 'visit, "general"' }]), { topCodes: 10 }, 'store');
    const out = join(tmp, 'profile');
    await writeProfile(profile, out);
    const csv = readFileSync(join(out, 'events_by_domain_year.csv'), 'utf8').trim().split('\n');
    // Issue 16: rounded counts and "all but <5" for the health group that is every person (see above).
    expect(csv).toEqual(['domain,year,events,persons', 'health,2010,20,all but <5', 'health,2012,<10,<10', 'school,2011,25,10']);
    expect(readFileSync(join(out, 'persons_per_code.csv'), 'utf8')).toContain('H1,"visit, ""general""",health,all but <5,20\n');
    expect(JSON.parse(readFileSync(join(out, 'profile.json'), 'utf8')).tables.overview[0]).toEqual({ metric: 'persons', value: 20 });
    await expect(writeProfile(profile, out)).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    expect(existsSync(`${out}.tmp-${process.pid}`)).toBe(false);
  });

  it('refuses an empty store', async () => {
    await expect(buildProfile(source([]), { topCodes: 10 }, 'empty')).rejects.toMatchObject({ code: 'PROFILE_STORE_EMPTY' });
  });
});
