// The recorded path of a child at the index date, built by the same rule the trainer applies to the ingested
// store (docs/synthetic-population.md, "The recorded path"). Pure functions, no generator internals.
import { comparePathEvents, MAX_PATH_EVENTS, type Path, type PathEvent } from '../schemas/path.js';

/** One recorded event of the child or a relative, on a calendar day number (days since 1970-01-01). */
export interface DatedFamilyEvent {
  day: number;
  code: string;
  domain: string;
  relation: 'self' | 'mother' | 'father' | 'sibling';
}

interface RecordedPathInput {
  childBirthDay: number;
  indexDay: number;
  lookbackDays: number;
  /**
   * Every stored event of the child and of its mother, father and siblings: the rows of events.csv after ingest,
   * which keeps one row of each exact duplicate (same person, day, domain, code). Events of two different
   * relatives that look alike are both kept.
   */
  events: readonly DatedFamilyEvent[];
}

/**
 * The rule: keep the events whose day is in [indexDay - lookbackDays, indexDay], each as
 * {code, domain, relation, ageDays = day - childBirthDay}; sort with comparePathEvents (identical path events of
 * different relatives are all kept);
 * set indexAgeDays = indexDay - childBirthDay. A path longer than MAX_PATH_EVENTS keeps its latest events.
 */
export function buildRecordedPath(input: RecordedPathInput): Path {
  const from = input.indexDay - input.lookbackDays;
  const events: PathEvent[] = [];
  for (const e of input.events) {
    if (e.day < from || e.day > input.indexDay) continue;
    events.push({ code: e.code, domain: e.domain, relation: e.relation, ageDays: e.day - input.childBirthDay });
  }
  events.sort(comparePathEvents);
  const kept = events.length > MAX_PATH_EVENTS ? events.slice(events.length - MAX_PATH_EVENTS) : events;
  return { indexAgeDays: input.indexDay - input.childBirthDay, events: kept };
}

/** The path with one service event inserted at `ageDays` (everything else kept), re-sorted canonically. */
export function insertService(path: Path, service: { code: string; domain: string; relation: PathEvent['relation'] }, ageDays: number): Path {
  const events = [...path.events, { code: service.code, domain: service.domain, relation: service.relation, ageDays }];
  events.sort(comparePathEvents);
  return { ...path, events };
}
