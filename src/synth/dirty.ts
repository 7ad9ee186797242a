// Malformed rows planted by --dirty-rate, each with exactly one defect that the ingest quarantines with a known
// reason (src/ingest/sources.ts QUARANTINE_REASONS). They are extra rows: the clean rows stay the same.
import type { QuarantineReason } from '../ingest/sources.js';
import { dayToIso } from '../schemas/dates.js';
import type { Rng } from '../util/random.js';

export interface DirtyRow {
  text: string;
  reason: QuarantineReason;
}

export interface DirtyPerson {
  personId: string;
  birthDay: number;
  deathDay: number | null;
}

/** An id that no person row carries (generated ids all start with `p`). */
function unknownId(rng: Rng): string {
  return `x${String(rng.int(0, 9_999_999)).padStart(7, '0')}`;
}

/** A malformed events.csv row about `person` (or about nobody). */
export function dirtyEventRow(rng: Rng, person: DirtyPerson, dataEndDay: number): DirtyRow {
  const id = person.personId;
  const someDay = dayToIso(person.birthDay + rng.int(0, 365));
  const kinds: QuarantineReason[] = ['ROW_DATE_INVALID', 'ROW_UNKNOWN_PERSON', 'ROW_UNKNOWN_DOMAIN', 'ROW_EMPTY_CODE', 'ROW_BEFORE_BIRTH'];
  const canAfterDeath = person.deathDay !== null && person.deathDay + 1 <= dataEndDay;
  if (canAfterDeath) kinds.push('ROW_AFTER_DEATH');
  const reason = kinds[rng.int(0, kinds.length - 1)]!;
  switch (reason) {
    case 'ROW_DATE_INVALID':
      return { reason, text: `${id},${rng.int(2003, 2019)}-02-30,health,PHC_VISIT` };
    case 'ROW_UNKNOWN_PERSON':
      return { reason, text: `${unknownId(rng)},${someDay},health,PHC_VISIT` };
    case 'ROW_UNKNOWN_DOMAIN':
      return { reason, text: `${id},${someDay},astrology,HOROSCOPE_READING` };
    case 'ROW_EMPTY_CODE':
      return { reason, text: `${id},${someDay},health,` };
    case 'ROW_BEFORE_BIRTH':
      return { reason, text: `${id},${dayToIso(person.birthDay - rng.int(1, 400))},health,PHC_VISIT` };
    default: {
      const day = Math.min(dataEndDay, person.deathDay! + rng.int(1, 60));
      return { reason: 'ROW_AFTER_DEATH', text: `${id},${dayToIso(day)},health,PHC_VISIT` };
    }
  }
}

/** A malformed links.csv row from `personId`. */
export function dirtyLinkRow(rng: Rng, personId: string): DirtyRow {
  return rng.bernoulli(0.5)
    ? { reason: 'ROW_SELF_LINK', text: `${personId},${personId},sibling` }
    : { reason: 'ROW_LINK_UNKNOWN_PERSON', text: `${personId},${unknownId(rng)},sibling` };
}

/** A malformed observation_periods.csv row for `person`: it ends before it starts. */
export function dirtyPeriodRow(rng: Rng, person: DirtyPerson): DirtyRow {
  const start = person.birthDay + rng.int(10, 400);
  return { reason: 'ROW_PERIOD_INVALID', text: `${person.personId},${dayToIso(start)},${dayToIso(start - rng.int(1, 30))}` };
}

/** A persons.csv row for a person nobody else mentions, with an impossible birth date. */
export function dirtyPersonRow(rng: Rng): DirtyRow {
  return { reason: 'ROW_DATE_INVALID', text: `${unknownId(rng)},${rng.int(2003, 2015)}-02-30,F,,,` };
}
