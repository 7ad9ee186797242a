// Examples at the index date: the path rule, labels, exclusions, families, and no post-index leakage.
import { describe, expect, it } from 'vitest';
import { buildExamples, judgePerson } from '../../../src/cohort/index.js';
import { encodePaths, fitPreprocessing, sparseFeatures } from '../../../src/features/index.js';
import { PathSchema } from '../../../src/schemas/path.js';
import { BIRTH, ev, family, INDEX, person, source, task } from './fixtures.js';

describe('buildExamples', () => {
  it('builds each child path from own and relatives\' window events, sorted, with labels', async () => {
    const { examples, counts } = await buildExamples(source(family()), task);
    expect(examples.map((e) => e.personId)).toEqual(['c1', 'c2', 'c3']);
    const c1 = examples[0]!;
    expect(c1.label).toBe(1);
    expect(c1.indexDay).toBe(INDEX);
    expect(PathSchema.parse(c1.path)).toEqual(c1.path);
    expect(c1.path.events.map((e) => `${e.relation}:${e.code}:${e.ageDays}`)).toEqual([
      'self:BIRTH:0',
      'sibling:BIRTH:10',
      'self:NEUVOLA:30',
      'sibling:NEUVOLA:500',
      'mother:MENTAL_VISIT:996',
      'self:NEUVOLA:1096',
    ]);
    expect(examples[1]!.label).toBe(0);
    expect(counts).toMatchObject({ persons: 5, examples: 3, positives: 1, notInCohort: 2 });
  });

  it('never lets an event after the index date reach the path or the features', async () => {
    const { examples } = await buildExamples(source(family()), task);
    const codes = examples.flatMap((e) => e.path.events.map((x) => x.code));
    expect(codes).not.toContain('POST_INDEX_SELF');
    expect(codes).not.toContain('POST_INDEX_MOTHER');
    expect(codes).not.toContain('CW_PLACEMENT'); // the outcome itself (after index) is the label, never a feature
    expect(codes).not.toContain('TOO_OLD'); // before the lookback window
    // Even a vocabulary fitted on paths that would hold them cannot encode what the path does not carry.
    const prep = fitPreprocessing(examples.map((e) => e.path), { minPersonsPerCode: 1, maxLen: 16 });
    expect(prep.vocab.some((t) => t.includes('POST_INDEX'))).toBe(false);
    const encoded = encodePaths(prep, [examples[0]!.path]);
    expect(encoded.lengths[0]).toBe(6);
    expect(sparseFeatures(prep, examples[0]!.path).values.reduce((s, v) => s + Math.expm1(v), 0)).toBeCloseTo(6);
  });

  it('puts siblings in one family and the lone child in another', async () => {
    const { examples } = await buildExamples(source(family()), task);
    const [c1, c2, c3] = examples;
    expect(c1!.familyId).toBe(c2!.familyId);
    expect(c3!.familyId).not.toBe(c1!.familyId);
    expect(c1!.familyId).not.toContain('c1');
    expect(c3!.subgroups).toEqual({ sex: 'M', birthCohort: '2013', area: 'north', languageGroup: 'unknown' });
  });

  it('excludes prior outcomes and censored people (or counts them negative), and counts each reason', async () => {
    const prior = person('p', { events: [ev(BIRTH + 5, 'BIRTH'), ev(INDEX - 1, 'CW_PLACEMENT', 'child_welfare')] });
    const censored = person('c', { events: [ev(BIRTH, 'BIRTH')], observationPeriods: [{ startDay: BIRTH, endDay: INDEX + 100 }] });
    const dead = person('d', { deathDay: INDEX - 5, events: [ev(BIRTH, 'BIRTH')] });
    const away = person('a', { events: [ev(BIRTH, 'BIRTH')], observationPeriods: [{ startDay: BIRTH, endDay: INDEX - 1 }] });
    const late = person('l', { events: [ev(BIRTH, 'BIRTH'), ev(INDEX + 150, 'CW_PLACEMENT', 'child_welfare')], observationPeriods: [{ startDay: BIRTH, endDay: INDEX + 100 }] });
    const people = [prior, censored, dead, away, late];
    const { examples, counts } = await buildExamples(source(people), task);
    expect(examples).toEqual([]);
    expect(counts).toMatchObject({ excludedPriorOutcome: 1, excludedCensored: 2, diedBeforeIndex: 1, notObservedAtIndex: 1, eligible: 3 });
    const negative = await buildExamples(source(people), { ...task, censoring: 'negative' });
    expect(negative.examples.map((e) => [e.personId, e.label])).toEqual([['c', 0], ['l', 0]]);
    expect(negative.counts.censoredAsNegative).toBe(2);
  });

  it('indexes at the first qualifying event and excludes people without one', () => {
    const t = { ...task, index: { rule: 'first_event' as const, codes: ['NEUVOLA'] } };
    const c1 = family()[2]!;
    expect(judgePerson(t, c1)).toMatchObject({ kind: 'example', indexDay: BIRTH + 30 });
    expect(judgePerson(t, person('x', { events: [ev(BIRTH, 'BIRTH')] }))).toEqual({ kind: 'excluded', reason: 'noIndexEvent' });
  });
});
