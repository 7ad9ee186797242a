// Small PersonHistory fixtures: a family (mother, father, two children) and a lone child, on day numbers.
import type { PersonHistory, StoredEvent } from '../../../src/schemas/store.js';
import { type TaskSpec, TaskSpecSchema } from '../../../src/schemas/task.js';

export const BIRTH = 16_000; // 2013-10-24
export const INDEX = BIRTH + 1096;

export function ev(day: number, code: string, domain = 'health'): StoredEvent {
  return { day, time: '2000-01-01', domain, code };
}

export function person(id: string, over: Partial<PersonHistory> = {}): PersonHistory {
  return {
    personId: id,
    birthDate: '2013-10',
    birthDay: BIRTH,
    sex: 'F',
    observationPeriods: [{ startDay: BIRTH, endDay: INDEX + 2000 }],
    relatives: [],
    events: [],
    ...over,
  };
}

export const task: TaskSpec = TaskSpecSchema.parse({
  name: 'toy',
  eligibility: { bornFrom: '2013-01-01', bornTo: '2014-12-31' },
  index: { rule: 'age', ageDays: 1096 },
  lookbackDays: 1826,
  outcome: { codes: ['CW_PLACEMENT'], domains: ['child_welfare'] },
  horizonDays: 1096,
});

/** Mother m1 and father f1 with children c1 and c2; c3 alone. */
export function family(): PersonHistory[] {
  const adult = { birthDate: '1985-01', birthDay: 5500 };
  return [
    person('m1', { ...adult, relatives: [{ relatedId: 'c1', relation: 'child' }, { relatedId: 'c2', relation: 'child' }], events: [ev(INDEX - 100, 'MENTAL_VISIT', 'mental_health'), ev(INDEX + 20, 'POST_INDEX_MOTHER', 'mental_health')] }),
    person('f1', { ...adult, sex: 'M', relatives: [{ relatedId: 'c1', relation: 'child' }], events: [ev(BIRTH - 3000, 'TOO_OLD', 'income_support')] }),
    person('c1', {
      relatives: [{ relatedId: 'm1', relation: 'mother' }, { relatedId: 'f1', relation: 'father' }, { relatedId: 'c2', relation: 'sibling' }],
      events: [ev(BIRTH, 'BIRTH'), ev(BIRTH + 30, 'NEUVOLA'), ev(INDEX, 'NEUVOLA'), ev(INDEX + 20, 'POST_INDEX_SELF'), ev(INDEX + 200, 'CW_PLACEMENT', 'child_welfare')],
    }),
    person('c2', {
      birthDay: BIRTH + 10,
      relatives: [{ relatedId: 'm1', relation: 'mother' }, { relatedId: 'c1', relation: 'sibling' }],
      events: [ev(BIRTH + 10, 'BIRTH'), ev(BIRTH + 500, 'NEUVOLA')],
    }),
    person('c3', { sex: 'M', area: 'north', events: [ev(BIRTH, 'BIRTH')] }),
  ];
}

export function source(persons: readonly PersonHistory[]) {
  return async function* () {
    for (const p of persons) yield structuredClone(p);
  };
}
