// Task -> labelled examples at the index date: one path per eligible child from its own and its relatives'
// events in [index - lookbackDays, index] (the generator's truth-path rule), never anything after the index.
//
// Memory: the store streams one person at a time, so relatives' events need a join. Two passes over the store:
// pass 1 keeps, per eligible child, its label, its own window events and the ids of the relatives it needs,
// plus a union-find over all ids for families; pass 2 appends each needed relative's window events to the
// children that asked for them. Only cohort paths are held, never the whole store (flat at Espoo scale).
// Path events are interned: one frozen object per distinct (relation, domain, code, ageDays), shared by every path
// that holds it (a sibling's path repeats its parents' events; ages repeat across children). At 520,000 persons
// the 21 million path events were 1.5 GB of objects; interned they are ~0.2 GB of references to ~0.5 million.
import { parseIsoDate } from '../schemas/dates.js';
import { comparePathEvents, MAX_PATH_EVENTS, type Path, type PathEvent, type PathRelation } from '../schemas/path.js';
import type { PersonHistory, StoredEvent } from '../schemas/store.js';
import type { TaskSpec } from '../schemas/task.js';
import { FAMILY_RELATIONS, FamilyUnion } from './family.js';

interface Subgroups {
  sex: string;
  birthCohort: string;
  area: string;
  languageGroup: string;
}

export interface Example {
  /** The child's pseudonym: in memory only, for joins (truth); never written to a bundle or a log. */
  personId: string;
  /** Pseudonymous household id (connected parent/sibling links). */
  familyId: string;
  path: Path;
  label: 0 | 1;
  indexDay: number;
  subgroups: Subgroups;
}

export interface ExampleCounts {
  persons: number;
  /** Passed eligibility (birth window, index, alive and observed, ages). */
  eligible: number;
  notInCohort: number;
  noIndexEvent: number;
  notObservedAtIndex: number;
  diedBeforeIndex: number;
  shortObservation: number;
  excludedPriorOutcome: number;
  excludedCensored: number;
  censoredAsNegative: number;
  excludedEmptyPath: number;
  examples: number;
  positives: number;
}

interface BuildExamplesOptions {
  /** Follow-up end for people without an observation period around the index (requireObservedAtIndex: false). */
  followUpEndDay?: number;
}

/** A store re-read for each pass (EventStore.persons, or a test's array). */
export type PersonSource = () => AsyncIterable<PersonHistory>;

interface Pending {
  personId: string;
  birthDay: number;
  indexDay: number;
  label: 0 | 1;
  subgroups: Subgroups;
  events: PathEvent[];
}

const isOutcome = (task: TaskSpec, e: StoredEvent): boolean =>
  task.outcome.codes.includes(e.code) && (task.outcome.domains === undefined || task.outcome.domains.includes(e.domain));

function indexDayOf(task: TaskSpec, p: PersonHistory): number | null {
  const rule = task.index;
  if (rule.rule === 'age') return p.birthDay + rule.ageDays;
  if (rule.rule === 'date') return parseIsoDate(rule.date);
  const first = p.events.find((e) => rule.codes.includes(e.code) && (rule.domain === undefined || rule.domain === e.domain));
  return first === undefined ? null : first.day;
}

type Verdict =
  | { kind: 'excluded'; reason: keyof ExampleCounts }
  | { kind: 'example'; indexDay: number; label: 0 | 1; censoredNegative: boolean };

/** Eligibility, prior outcome, label and censoring of one person. Pure. */
export function judgePerson(task: TaskSpec, p: PersonHistory, opts: BuildExamplesOptions = {}): Verdict {
  const el = task.eligibility;
  const bornFrom = el.bornFrom === undefined ? null : parseIsoDate(el.bornFrom);
  const bornTo = el.bornTo === undefined ? null : parseIsoDate(el.bornTo);
  if ((bornFrom !== null && p.birthDay < bornFrom) || (bornTo !== null && p.birthDay > bornTo)) return { kind: 'excluded', reason: 'notInCohort' };
  const indexDay = indexDayOf(task, p);
  if (indexDay === null) return { kind: 'excluded', reason: 'noIndexEvent' };
  const ageAtIndex = indexDay - p.birthDay;
  if (ageAtIndex < 0 || (el.minAgeDays !== undefined && ageAtIndex < el.minAgeDays) || (el.maxAgeDays !== undefined && ageAtIndex > el.maxAgeDays)) {
    return { kind: 'excluded', reason: 'notInCohort' };
  }
  if (p.deathDay !== undefined && p.deathDay < indexDay) return { kind: 'excluded', reason: 'diedBeforeIndex' };
  const period = p.observationPeriods.find((o) => o.startDay <= indexDay && indexDay <= o.endDay);
  if (period === undefined && el.requireObservedAtIndex) return { kind: 'excluded', reason: 'notObservedAtIndex' };
  if (el.minObservationDays > 0 && (period === undefined || indexDay - period.startDay < el.minObservationDays)) {
    return { kind: 'excluded', reason: 'shortObservation' };
  }
  if (task.excludePriorOutcome && p.events.some((e) => e.day <= indexDay && isOutcome(task, e))) {
    return { kind: 'excluded', reason: 'excludedPriorOutcome' };
  }
  let followUpEnd = period?.endDay ?? opts.followUpEndDay ?? Number.NEGATIVE_INFINITY;
  if (p.deathDay !== undefined) followUpEnd = Math.min(followUpEnd, p.deathDay);
  const horizonEnd = indexDay + task.horizonDays;
  const hit = p.events.some((e) => e.day > indexDay && e.day <= horizonEnd && e.day <= followUpEnd && isOutcome(task, e));
  if (hit) return { kind: 'example', indexDay, label: 1, censoredNegative: false };
  if (followUpEnd >= horizonEnd) return { kind: 'example', indexDay, label: 0, censoredNegative: false };
  if (task.censoring === 'exclude') return { kind: 'excluded', reason: 'excludedCensored' };
  return { kind: 'example', indexDay, label: 0, censoredNegative: true };
}

/** Shares one frozen PathEvent per distinct (relation, domain, code, ageDays); no key strings are built. */
class PathEventInterner {
  private readonly byRelation = new Map<string, Map<string, Map<string, Map<number, PathEvent>>>>();

  get(code: string, domain: string, relation: PathRelation, ageDays: number): PathEvent {
    let byDomain = this.byRelation.get(relation);
    if (byDomain === undefined) {
      byDomain = new Map();
      this.byRelation.set(relation, byDomain);
    }
    let byCode = byDomain.get(domain);
    if (byCode === undefined) {
      byCode = new Map();
      byDomain.set(domain, byCode);
    }
    let byAge = byCode.get(code);
    if (byAge === undefined) {
      byAge = new Map();
      byCode.set(code, byAge);
    }
    let event = byAge.get(ageDays);
    if (event === undefined) {
      event = Object.freeze({ code, domain, relation, ageDays });
      byAge.set(ageDays, event);
    }
    return event;
  }
}

/** The events of one person that fall in the child's window, relative to the child's birth. */
function windowEvents(
  events: readonly StoredEvent[],
  relation: PathRelation,
  birthDay: number,
  indexDay: number,
  lookbackDays: number,
  interner?: PathEventInterner,
): PathEvent[] {
  const from = indexDay - lookbackDays;
  const out: PathEvent[] = [];
  for (const e of events) {
    if (e.day < from || e.day > indexDay) continue;
    out.push(interner === undefined ? { code: e.code, domain: e.domain, relation, ageDays: e.day - birthDay } : interner.get(e.code, e.domain, relation, e.day - birthDay));
  }
  return out;
}

function subgroupsOf(p: PersonHistory): Subgroups {
  return {
    sex: p.sex,
    birthCohort: p.birthDate.slice(0, 4),
    area: p.area ?? 'unknown',
    languageGroup: p.languageGroup ?? 'unknown',
  };
}

function emptyCounts(): ExampleCounts {
  return {
    persons: 0,
    eligible: 0,
    notInCohort: 0,
    noIndexEvent: 0,
    notObservedAtIndex: 0,
    diedBeforeIndex: 0,
    shortObservation: 0,
    excludedPriorOutcome: 0,
    excludedCensored: 0,
    censoredAsNegative: 0,
    excludedEmptyPath: 0,
    examples: 0,
    positives: 0,
  };
}

export async function buildExamples(
  source: PersonSource,
  task: TaskSpec,
  opts: BuildExamplesOptions = {},
): Promise<{ examples: Example[]; counts: ExampleCounts }> {
  const counts = emptyCounts();
  const families = new FamilyUnion();
  const pending: Pending[] = [];
  const wanted = new Map<string, { child: number; relation: PathRelation }[]>();
  const relations = new Set<string>(task.family.relations);
  const interner = new PathEventInterner();

  for await (const p of source()) {
    counts.persons += 1;
    families.add(p.personId);
    for (const r of p.relatives) if (FAMILY_RELATIONS.has(r.relation)) families.union(p.personId, r.relatedId);
    const verdict = judgePerson(task, p, opts);
    if (verdict.kind === 'excluded') {
      counts[verdict.reason] += 1;
      continue;
    }
    counts.eligible += 1;
    if (verdict.censoredNegative) counts.censoredAsNegative += 1;
    const child = pending.length;
    pending.push({
      personId: p.personId,
      birthDay: p.birthDay,
      indexDay: verdict.indexDay,
      label: verdict.label,
      subgroups: subgroupsOf(p),
      events: windowEvents(p.events, 'self', p.birthDay, verdict.indexDay, task.lookbackDays, interner),
    });
    const seen = new Set<string>();
    for (const r of p.relatives) {
      if (!relations.has(r.relation) || r.relatedId === p.personId || seen.has(r.relatedId)) continue;
      seen.add(r.relatedId);
      const list = wanted.get(r.relatedId) ?? [];
      list.push({ child, relation: r.relation as PathRelation });
      wanted.set(r.relatedId, list);
    }
  }
  // Eligible counts those passing eligibility; prior-outcome exclusions are judged after it.
  counts.eligible += counts.excludedPriorOutcome + counts.excludedCensored;

  if (wanted.size > 0) {
    for await (const p of source()) {
      const requests = wanted.get(p.personId);
      if (requests === undefined) continue;
      for (const { child, relation } of requests) {
        const c = pending[child] as Pending;
        for (const e of windowEvents(p.events, relation, c.birthDay, c.indexDay, task.lookbackDays, interner)) c.events.push(e);
      }
    }
  }

  const examples: Example[] = [];
  for (const c of pending) {
    if (c.events.length === 0) {
      counts.excludedEmptyPath += 1;
      continue;
    }
    c.events.sort(comparePathEvents);
    // A copy of exactly the kept length (a pushed-to array carries up to 50% spare capacity).
    const events = c.events.slice(Math.max(0, c.events.length - MAX_PATH_EVENTS));
    c.events = [];
    examples.push({
      personId: c.personId,
      familyId: families.familyOf(c.personId),
      path: { indexAgeDays: c.indexDay - c.birthDay, events },
      label: c.label,
      indexDay: c.indexDay,
      subgroups: c.subgroups,
    });
    counts.examples += 1;
    counts.positives += c.label;
  }
  return { examples, counts };
}
