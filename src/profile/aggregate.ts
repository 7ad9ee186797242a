// Streaming aggregation of a store's person histories into small profile tables (docs/profile.md).
// One pass, one person at a time: memory grows with the number of domains, years and codes, never with events.
// The finished tables follow the disclosure rules every published aggregate follows (src/privacy/rules.ts):
//   - a group of 1 to k-1 persons shows as `<k` (default `<10`), and so does anything counted over it;
//   - a count and its complement behind any shown share, or a group of persons and the rest of the store, each at
//     least minCount: else the count shows as `<5` (too few) or `all but <5` (too few without), and no share;
//   - shown counts of persons and events are rounded to roundTo (default 5).
import { outcomeSuppression, roundCount, shownCount, shownRate } from '../privacy/rules.js';
import { DAYS_PER_YEAR } from '../schemas/dates.js';
import { type DisclosureRules, DisclosureRulesSchema } from '../schemas/disclosure.js';
import type { PersonHistory } from '../schemas/store.js';

/** The rules a profile follows unless told otherwise: the defaults (k 10, minCount 5, roundTo 5). */
export const DEFAULT_PROFILE_RULES: DisclosureRules = DisclosureRulesSchema.parse({});

type Cell = number | string | null;
export type Row = Record<string, Cell>;

/** How a hidden cell reads: a group under k (`<10`), a count under minCount (`<5`), a complement under it. */
export const underK = (rules: DisclosureRules): string => `<${rules.k}`;
const underMin = (rules: DisclosureRules): string => `<${rules.minCount}`;
export const allButUnderMin = (rules: DisclosureRules): string => `all but <${rules.minCount}`;

export interface ProfileTables {
  overview: Row[];
  events_by_domain_year: Row[];
  persons_per_code: Row[];
  age_at_first_event: Row[];
  missing_fields: Row[];
}
export const PROFILE_TABLES = ['overview', 'events_by_domain_year', 'persons_per_code', 'age_at_first_event', 'missing_fields'] as const;

/** A person count as shown: 0 as 0 (it reveals no one), 1 to k-1 as `<k`, else rounded (never below k). */
export function showPersons(n: number, rules: DisclosureRules = DEFAULT_PROFILE_RULES): number | string {
  if (n === 0) return 0;
  return n < rules.k ? underK(rules) : shownCount(n, rules);
}

/** A count that comes from `persons` persons: hidden whenever those persons are 1 to k-1, else rounded as a group. */
export function showCountOf(count: number, persons: number, rules: DisclosureRules = DEFAULT_PROFILE_RULES): number | string {
  if (persons > 0 && persons < rules.k) return underK(rules);
  return count === 0 ? 0 : shownCount(count, rules);
}

/**
 * A group of `n` of the store's `total` persons: as showPersons, and `all but <5` when the rest of the store (total
 * minus the group, counted or as the shown counts give it) is under minCount.
 */
function showGroupOf(n: number, total: number, rules: DisclosureRules): number | string {
  const shown = showPersons(n, rules);
  if (typeof shown === 'string' || n === 0) return shown;
  return total - n < rules.minCount || shownCount(total, rules) - shown < rules.minCount ? allButUnderMin(rules) : shown;
}

/**
 * `part` of `total` (persons or events) with its share: both sides at least minCount, counted and as the shown
 * (rounded) counts and share give them; else the count reads `<5` or `all but <5` and the share is null.
 */
function showPart(part: number, total: number, rules: DisclosureRules): { count: number | string; share: number | null } {
  const shownPart = roundCount(part, rules.roundTo);
  const why =
    outcomeSuppression(total, part, rules) ?? (shownPart < rules.minCount ? 'numerator' : shownCount(total, rules) - shownPart < rules.minCount ? 'complement' : null);
  if (why === 'numerator') return { count: underMin(rules), share: null };
  if (why !== null) return { count: allButUnderMin(rules), share: null };
  return { count: shownPart, share: shownRate(part, total) };
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

  /**
   * The tables, suppressed under `rules` (default: the defaults). `codeNames` maps `code` to its dictionary name;
   * `topCodes` caps persons_per_code.
   */
  finish(options: { topCodes: number; codeNames?: ReadonlyMap<string, string>; rules?: DisclosureRules }): ProfileTables {
    const rules = options.rules ?? DEFAULT_PROFILE_RULES;
    return {
      overview: this.overview(rules),
      events_by_domain_year: this.eventsByDomainYear(rules),
      persons_per_code: this.personsPerCode(options.topCodes, options.codeNames, rules),
      age_at_first_event: this.ageAtFirstEvent(rules),
      missing_fields: this.missingFields(rules),
    };
  }

  private overview(rules: DisclosureRules): Row[] {
    const whole = (metric: string, value: Cell): Row => ({ metric, value });
    const small = this.persons < rules.k;
    // The very first and last event years may belong to one person: show the outermost years with k or more persons.
    const years = [...this.yearPersons].filter(([, n]) => n >= rules.k).map(([y]) => y);
    return [
      whole('persons', showPersons(this.persons, rules)),
      whole('persons_with_events', showGroupOf(this.personsWithEvents, this.persons, rules)),
      whole('events', showCountOf(this.events, this.personsWithEvents, rules)),
      whole('domains', this.domains.size),
      whole('distinct_codes', small ? underK(rules) : this.codes.size),
      whole('first_event_year_10_persons', years.length === 0 ? null : Math.min(...years)),
      whole('last_event_year_10_persons', years.length === 0 ? null : Math.max(...years)),
    ];
  }

  private eventsByDomainYear(rules: DisclosureRules): Row[] {
    return [...this.domainYears]
      .map(([key, s]) => {
        const [domain, year] = key.split(KEY_SEP) as [string, string];
        return { domain, year: Number(year), events: showCountOf(s.events, s.persons, rules), persons: showGroupOf(s.persons, this.persons, rules) };
      })
      .sort((a, b) => (a.domain < b.domain ? -1 : a.domain > b.domain ? 1 : a.year - b.year));
  }

  private personsPerCode(top: number, names: ReadonlyMap<string, string> | undefined, rules: DisclosureRules): Row[] {
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
        persons: showGroupOf(s.persons, this.persons, rules),
        events: showCountOf(s.events, s.persons, rules),
      }));
  }

  private ageAtFirstEvent(rules: DisclosureRules): Row[] {
    return [...this.domains]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([domain, s]) => {
        const hidden = s.persons < rules.k;
        const q = (p: number) => (hidden ? null : Math.round((quantileOfCounts(s.ageDays, p) / DAYS_PER_YEAR) * 10) / 10);
        return { domain, persons: showGroupOf(s.persons, this.persons, rules), q1_years: q(0.25), median_years: q(0.5), q3_years: q(0.75) };
      });
  }

  private missingFields(rules: DisclosureRules): Row[] {
    const rows: Row[] = [];
    for (const [domain, s] of [...this.domains].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      for (const [field, missing] of [
        ['value', s.missingValue],
        ['end_time', s.missingEndTime],
        ['source', s.missingSource],
      ] as const) {
        // Events of 1 to k-1 persons: nothing shown. Else the events without the field and those with it each at least minCount.
        const part = s.persons < rules.k ? { count: underK(rules), share: null } : showPart(missing, s.events, rules);
        rows.push({ table: 'events', domain, field, missing: part.count, total: showCountOf(s.events, s.persons, rules), share: part.share });
      }
    }
    for (const [field, missing] of [
      ['area', this.missingArea],
      ['language_group', this.missingLanguage],
    ] as const) {
      // Persons with the field are total - missing: each side at least minCount ("15 of 20 lack an area" reveals the 5).
      const part = this.persons < rules.k ? { count: underK(rules), share: null } : showPart(missing, this.persons, rules);
      rows.push({ table: 'persons', domain: null, field, missing: part.count, total: showPersons(this.persons, rules), share: part.share });
    }
    return rows;
  }
}

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
