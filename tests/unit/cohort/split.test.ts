// Family splits: no person or family in two splits, seeded, sizes near the fractions, temporal order.
import { describe, expect, it } from 'vitest';
import { splitExamples } from '../../../src/cohort/index.js';

const examples = Array.from({ length: 400 }, (_, i) => ({
  personId: `p${i}`,
  familyId: `f${Math.floor(i / 3)}`,
  label: (i % 7 === 0 ? 1 : 0) as 0 | 1,
  indexDay: 1000 + Math.floor(i / 3) * 10,
}));
const fractions = { train: 0.7, validation: 0.15, test: 0.15 };

describe('splitExamples', () => {
  it('caps the training split by whole families and leaves validation and test as they were (learning curves)', () => {
    const full = splitExamples(examples, { seed: 3, fractions, method: 'family' });
    const capped = splitExamples(examples, { seed: 3, fractions, method: 'family', maxTrainExamples: 50 });
    expect(capped.validation).toEqual(full.validation);
    expect(capped.test).toEqual(full.test);
    expect(capped.train.length).toBeLessThanOrEqual(50);
    expect(capped.train.length).toBeGreaterThan(40);
    expect(capped.train.every((i) => full.train.includes(i))).toBe(true);
    const families = new Set(capped.train.map((i) => examples[i]!.familyId));
    // Whole families: every kept family keeps all its training examples.
    for (const i of full.train) if (families.has(examples[i]!.familyId)) expect(capped.train).toContain(i);
    expect(capped.counts.train.persons).toBe(capped.train.length);
  });

  it('never puts a person or a family in two splits and reports sizes and outcomes', () => {
    const s = splitExamples(examples, { seed: 1, fractions, method: 'family' });
    const all = [...s.train, ...s.validation, ...s.test];
    expect(new Set(all).size).toBe(examples.length);
    expect(all.length).toBe(examples.length);
    const familyOf = (ids: number[]) => new Set(ids.map((i) => examples[i]!.familyId));
    const [tr, va, te] = [familyOf(s.train), familyOf(s.validation), familyOf(s.test)];
    for (const f of tr) expect(va.has(f) || te.has(f)).toBe(false);
    for (const f of va) expect(te.has(f)).toBe(false);
    expect(s.train.length).toBeGreaterThan(270);
    expect(s.train.length).toBeLessThan(290);
    expect(s.counts.train.families).toBe(tr.size);
    expect(s.counts.test.positives).toBe(s.test.filter((i) => examples[i]!.label === 1).length);
  });

  it('is seeded: the same seed gives the same split, another seed another', () => {
    const a = splitExamples(examples, { seed: 7, fractions, method: 'family' });
    expect(splitExamples(examples, { seed: 7, fractions, method: 'family' })).toEqual(a);
    expect(splitExamples(examples, { seed: 8, fractions, method: 'family' }).test).not.toEqual(a.test);
  });

  it('temporal: the test split holds the latest index dates', () => {
    const s = splitExamples(examples, { seed: 1, fractions, method: 'temporal' });
    const maxTrain = Math.max(...s.train.map((i) => examples[i]!.indexDay));
    const minTest = Math.min(...s.test.map((i) => examples[i]!.indexDay));
    expect(maxTrain).toBeLessThan(minTest);
  });
});
