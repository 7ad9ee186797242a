// Streaming aggregation of a store's person histories into small profile tables (docs/profile.md).
// One pass, one person at a time: memory grows with the number of domains, years and codes, never with events.
import { DAYS_PER_YEAR } from '../schemas/dates.js';
import type { PersonHistory } from '../schemas/store.js';

/** Counts of fewer persons than this are shown as `<10`, never as the number. */
export const MIN_PERSONS = 10;
const SUPPRESSED = '<10';

type Cell = number | string | null;
export type Row = Record<string, Cell>;

export interface ProfileTables {
  overview: Row[];
  events_by_domain_year: Row[];
  persons_per_code: Row[];
  age_at_first_event: Row[];
  missing_fields: Row[];
}
export const PROFILE_TABLES = ['overview', 'events_by_domain_year', 'persons_per_code', 'age_at_first_event', 'missing_fields'] as const;

/** A person count as shown: 0 and 10+ exactly, 1–9 as `<10` (zero persons reveals no one). */
export function showPersons(n: number): number | string {
  return n > 0 && n < MIN_PERSONS ? SUPPRESSED : n;
}

/** A count that comes from `persons` persons: hidden whenever those persons are 1–9. */
export function showCountOf(count: number, persons: number): number | string {
  return persons > 0 && persons < MIN_PERSONS ? SUPPRESSED : count;
}

const DAY_MS = 86_400_000;
const yearOfDay = (day: number): number => new Date(day * DAY_MS).getUTCFullYear();
const KEY_SEP = '\u0000';

interface DomainStats {
  events: number;
  persons: number;
  missingValue: number;
  missingEndTime: number;
  missingSource: number;
  /** Age at first event in days -> persons: exact quantiles without keeping one number per person. */
  ageDays: Map<number, number>;
}

interface CodeStats {
  events: number;
  persons: number;
}

/** Accumulates person histories; `finish` turns the counts into suppressed tables. */
export class ProfileAccumulator {
  private persons = 0;
  private personsWithEvents = 0;
  private events = 0;
  private missingArea = 0;
  private missingLanguage = 0;
  private readonly domains = new Map<string, DomainStats>();
  private readonly domainYears = new Map<string, { events: number; persons: number }>();
  private readonly codes = new Map<string, CodeStats>();
  /** Calendar year -> persons with any event that year (for the first and last year shown). */
  private readonly yearPersons = new Map<number, number>();

  add(person: PersonHistory): void {
    this.persons++;
    if (person.area === undefined || person.area === '') this.missingArea++;
    if (person.languageGroup === undefined || person.languageGroup === '') this.missingLanguage++;
    if (person.events.length === 0) return;
    this.personsWithEvents++;
    this.events += person.events.length;

    const firstInDomain = new Map<string, number>();
    const domainYearEvents = new Map<string, number>();
    const codeEvents = new Map<string, number>();
    for (const e of person.events) {
      const stats = this.domainStats(e.domain);
      stats.events++;
      if (e.value === undefined || e.value === '') stats.missingValue++;
      if (e.endTime === undefined || e.endTime === '') stats.missingEndTime++;
      if (e.source === undefined || e.source === '') stats.missingSource++;
      const first = firstInDomain.get(e.domain);
      if (first === undefined || e.day < first) firstInDomain.set(e.domain, e.day);
      const dy = `${e.domain}${KEY_SEP}${yearOfDay(e.day)}`;
      domainYearEvents.set(dy, (domainYearEvents.get(dy) ?? 0) + 1);
      const ck = `${e.domain}${KEY_SEP}${e.code}`;
      codeEvents.set(ck, (codeEvents.get(ck) ?? 0) + 1);
    }
    for (const [domain, day] of firstInDomain) {
      const stats = this.domainStats(domain);
      stats.persons++;
      const age = day - person.birthDay;
      stats.ageDays.set(age, (stats.ageDays.get(age) ?? 0) + 1);
    }
    const years = new Set<number>();
    for (const e of person.events) years.add(yearOfDay(e.day));
    for (const y of years) this.yearPersons.set(y, (this.yearPersons.get(y) ?? 0) + 1);
    for (const [key, n] of domainYearEvents) {
      const s = this.domainYears.get(key) ?? { events: 0, persons: 0 };
      s.events += n;
      s.persons++;
      this.domainYears.set(key, s);
    }
    for (const [key, n] of codeEvents) {
      const s = this.codes.get(key) ?? { events: 0, persons: 0 };
      s.events += n;
      s.persons++;
      this.codes.set(key, s);
    }
  }

  private domainStats(domain: string): DomainStats {
    let s = this.domains.get(domain);
    if (s === undefined) {
      s = { events: 0, persons: 0, missingValue: 0, missingEndTime: 0, missingSource: 0, ageDays: new Map() };
      this.domains.set(domain, s);
    }
    return s;
  }

  get personCount(): number {
    return this.persons;
  }

  /** The tables, suppressed. `codeNames` maps `code` to its dictionary name; `topCodes` caps persons_per_code. */
  finish(options: { topCodes: number; codeNames?: ReadonlyMap<string, string> }): ProfileTables {
    return {
      overview: this.overview(),
      events_by_domain_year: this.eventsByDomainYear(),
      persons_per_code: this.personsPerCode(options.topCodes, options.codeNames),
      age_at_first_event: this.ageAtFirstEvent(),
      missing_fields: this.missingFields(),
    };
  }

  private overview(): Row[] {
    const whole = (metric: string, value: Cell): Row => ({ metric, value });
    const small = this.persons < MIN_PERSONS;
    // The very first and last event years may belong to one person: show the outermost years with 10+ persons.
    const years = [...this.yearPersons].filter(([, n]) => n >= MIN_PERSONS).map(([y]) => y);
    return [
      whole('persons', showPersons(this.persons)),
      whole('persons_with_events', showPersons(this.personsWithEvents)),
      whole('events', showCountOf(this.events, this.personsWithEvents)),
      whole('domains', this.domains.size),
      whole('distinct_codes', small ? SUPPRESSED : this.codes.size),
      whole('first_event_year_10_persons', years.length === 0 ? null : Math.min(...years)),
      whole('last_event_year_10_persons', years.length === 0 ? null : Math.max(...years)),
    ];
  }

  private eventsByDomainYear(): Row[] {
    return [...this.domainYears]
      .map(([key, s]) => {
        const [domain, year] = key.split(KEY_SEP) as [string, string];
        return { domain, year: Number(year), events: showCountOf(s.events, s.persons), persons: showPersons(s.persons) };
      })
      .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.year - b.year));
  }

  private personsPerCode(top: number, names: ReadonlyMap<string, string> | undefined): Row[] {
    return [...this.codes]
      .map(([key, s]) => {
        const [domain, code] = key.split(KEY_SEP) as [string, string];
        return { domain, code, s };
      })
      .sort((a, b) => b.s.persons - a.s.persons || b.s.events - a.s.events || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
      .slice(0, top)
      .map(({ domain, code, s }) => ({
        code,
        name: names?.get(code) ?? null,
        domain,
        persons: showPersons(s.persons),
        events: showCountOf(s.events, s.persons),
      }));
  }

  private ageAtFirstEvent(): Row[] {
    return [...this.domains]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([domain, s]) => {
        const hidden = s.persons < MIN_PERSONS;
        const q = (p: number) => (hidden ? null : Math.round((quantileOfCounts(s.ageDays, p) / DAYS_PER_YEAR) * 10) / 10);
        return { domain, persons: showPersons(s.persons), q1_years: q(0.25), median_years: q(0.5), q3_years: q(0.75) };
      });
  }

  private missingFields(): Row[] {
    const rows: Row[] = [];
    for (const [domain, s] of [...this.domains].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const [field, missing] of [
        ['value', s.missingValue],
        ['end_time', s.missingEndTime],
        ['source', s.missingSource],
      ] as const) {
        const hidden = s.persons < MIN_PERSONS;
        rows.push({
          table: 'events',
          domain,
          field,
          missing: hidden ? SUPPRESSED : missing,
          total: hidden ? SUPPRESSED : s.events,
          share: hidden ? null : round3(missing / s.events),
        });
      }
    }
    for (const [field, missing] of [
      ['area', this.missingArea],
      ['language_group', this.missingLanguage],
    ] as const) {
      // Persons with the field are total - missing: hide both sides whenever either is 1–9.
      const hidden = isSmall(missing) || isSmall(this.persons - missing);
      rows.push({
        table: 'persons',
        domain: null,
        field,
        missing: hidden ? SUPPRESSED : missing,
        total: showPersons(this.persons),
        share: hidden || this.persons === 0 ? null : round3(missing / this.persons),
      });
    }
    return rows;
  }
}

const isSmall = (n: number) => n > 0 && n < MIN_PERSONS;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Quantile (linear interpolation between order statistics, R type 7) of a value -> count histogram. */
export function quantileOfCounts(counts: ReadonlyMap<number, number>, p: number): number {
  const values = [...counts.keys()].sort((a, b) => a - b);
  let n = 0;
  for (const v of values) n += counts.get(v)!;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const at = (rank: number): number => {
    let seen = 0;
    for (const v of values) {
      seen += counts.get(v)!;
      if (rank < seen) return v;
    }
    return values[values.length - 1]!;
  };
  const a = at(lo);
  return h === lo ? a : a + (h - lo) * (at(lo + 1) - a);
}
