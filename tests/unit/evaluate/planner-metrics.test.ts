// The planner's figures (regret, top-1, policy value, coverage, family-bootstrap intervals) on a hand-worked truth.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/evaluate/bootstrap.js';
import { evaluateEffects } from '../../../src/evaluate/effects.js';
import {
  budgetChildren,
  type ChildEffects,
  childPlanner,
  intervalCoverage,
  policyValue,
  summarisePlanner,
  topKSum,
} from '../../../src/evaluate/planner-metrics.js';
import { type TruthChild, TruthChildSchema } from '../../../src/schemas/truth.js';
import { additiveScorer, catalogue } from '../explain/test-scorer.js';

const KEYS = ['A@0', 'B@0', 'A@182', 'B@182'];
const child = (familyId: string, truth: number[], estimated: number[]): ChildEffects => ({ familyId, keys: KEYS, truth, estimated });

/**
 * Two services (A, B) at two ages (0, 182); effects = risk with the insertion minus without.
 * c1: model picks B@0 (true -0.04), truly best A@0 (-0.10): regret 0.06, share 0.6, top-1 0.
 * c2: truth ties A@0 and B@0 (-0.05); the model picks B@0, one of them: regret 0, share 0, top-1 1.
 * c3: nothing helps (best reduction 0: left out of the share); the model's estimate ties A@0 and B@0, which the
 *     planner picks at random: true gain -(0.01 + 0.02) / 2 = -0.015, regret 0 - (-0.015) = 0.015, top-1 0.
 * c4: model picks A@0, truly best (-0.03): regret 0, share 0, top-1 1.
 */
const TINY: ChildEffects[] = [
  child('f1', [-0.1, -0.04, -0.06, -0.02], [-0.03, -0.05, -0.01, -0.02]),
  child('f1', [-0.05, -0.05, -0.01, 0], [-0.02, -0.04, -0.01, 0.01]),
  child('f2', [0.01, 0.02, 0, 0.0005], [-0.01, -0.01, 0, 0.01]),
  child('f3', [-0.03, -0.01, -0.02, 0], [-0.06, -0.01, -0.02, 0]),
];

describe('regret and top-1 agreement per child', () => {
  it('matches the hand-worked values, ties in the truth counting as agreement', () => {
    const rows = TINY.map((e) => childPlanner(e.estimated, e.truth));
    expect(rows.map((r) => r.regret)).toEqual([expect.closeTo(0.06, 12), 0, expect.closeTo(0.015, 12), 0]);
    expect(rows.map((r) => r.regretShare)).toEqual([expect.closeTo(0.6, 12), 0, null, 0]);
    expect(rows.map((r) => r.top1)).toEqual([0, 1, 0, 1]);
    expect(rows.map((r) => r.estimatedBenefit)).toEqual([0.05, 0.04, 0.01, 0.06]);
    expect(rows.map((r) => r.trueGain)).toEqual([0.04, 0.05, expect.closeTo(-0.015, 12), 0.03]);
  });

  it('scores an estimate that is the same for every pair at chance, never by tie order', () => {
    // Truth ties A@0 and B@0 of four pairs: a random pick among all four is truly best half the time.
    const flat = childPlanner([0, 0, 0, 0], [-0.05, -0.05, -0.01, 0]);
    expect(flat.top1).toBe(0.5);
    expect(flat.regret).toBeCloseTo(0.05 - (0.05 + 0.05 + 0.01 + 0) / 4, 12);
  });

  it('leaves a tiny best reduction out of the share', () => {
    expect(childPlanner([-0.01, 0], [-0.0005, 0]).regretShare).toBeNull();
    expect(childPlanner([-0.01, 0], [-0.0005, 0], 0.0001).regretShare).toBe(0);
  });

  it('summarises over children: mean regret, mean share over the children kept, top-1', () => {
    const s = summarisePlanner(TINY, { samples: 0 });
    expect(s.meanRegret).toBeCloseTo((0.06 + 0.015) / 4, 12);
    expect(s.meanRegretShare).toBeCloseTo(0.6 / 3, 12);
    expect(s.regretShareChildren).toBe(3);
    expect(s.regretShareExcluded).toBe(1);
    expect(s.top1Agreement).toBe(0.5);
    expect(s.intervals.meanRegret).toEqual({ lower: null, upper: null, replicates: 0 });
  });
});

describe('policy value at a budget', () => {
  it('treats max(1, round(share x children)) children', () => {
    expect(budgetChildren(4, 0.01)).toBe(1);
    expect(budgetChildren(4, 0.1)).toBe(1);
    expect(budgetChildren(149, 0.01)).toBe(1);
    expect(budgetChildren(250, 0.01)).toBe(3); // 2.5 rounds up
    expect(budgetChildren(30, 0.05)).toBe(2); // 1.5 rounds up
    expect(budgetChildren(1000, 0.1)).toBe(100);
    expect(budgetChildren(2, 0.9)).toBe(2);
  });

  it('compares the children the model ranks first with the oracle on the tiny truth', () => {
    const rows = TINY.map((e) => childPlanner(e.estimated, e.truth));
    // Estimated benefits 0.05, 0.04, 0.01, 0.06: k = 1 treats c4 (true gain 0.03); the oracle treats c1 (0.10).
    const one = policyValue(rows, 0.1);
    expect(one.k).toBe(1);
    expect(one.value).toBeCloseTo(0.03, 12);
    expect(one.oracle).toBeCloseTo(0.1, 12);
    expect(one.ratio).toBeCloseTo(0.3, 12);
    // k = 2: c4 and c1 (0.03 + 0.04) against c1 and c2 (0.10 + 0.05).
    const two = policyValue(rows, 0.5);
    expect(two.k).toBe(2);
    expect(two.value).toBeCloseTo(0.07, 12);
    expect(two.oracle).toBeCloseTo(0.15, 12);
    expect(two.ratio).toBeCloseTo(0.07 / 0.15, 12);
    const s = summarisePlanner(TINY, { samples: 0 });
    expect(s.policy.map((p) => [p.share, p.k])).toEqual([
      [0.01, 1],
      [0.05, 1],
      [0.1, 1],
    ]);
  });

  it('splits the places of children tied at the cut evenly', () => {
    expect(topKSum([1, 1, 0], [0.2, 0.4, 1], 1)).toBeCloseTo(0.3, 12);
    expect(topKSum([1, 1, 0], [0.2, 0.4, 1], 2)).toBeCloseTo(0.6, 12);
    expect(topKSum([1, 1, 0], [0.2, 0.4, 1], 3)).toBeCloseTo(1.6, 12);
    expect(topKSum([0, 2, 1], [5, 7, 11], 2)).toBe(18);
  });

  it('has no ratio when the oracle gains nothing', () => {
    expect(policyValue([{ estimatedBenefit: 0.1, trueGain: -0.01, bestReduction: 0 }], 0.1).ratio).toBeNull();
  });
});

describe('interval coverage', () => {
  it('counts the pairs whose true effect lies in [lower, upper], bounds included', () => {
    const withIntervals: ChildEffects = { ...TINY[0]!, lower: [-0.12, -0.03, -0.07, -0.05], upper: [-0.08, 0, -0.06, -0.03] };
    // -0.10 in, -0.04 below -0.03, -0.06 on the upper bound, -0.02 above -0.03: 2 of 4. c2 has no intervals.
    expect(intervalCoverage([withIntervals, TINY[1]!])).toEqual({ coverage: 0.5, pairs: 4 });
  });

  it('is null with a note when no estimate carries an interval', () => {
    expect(intervalCoverage(TINY)).toEqual({ coverage: null, pairs: 0, note: 'no intervals in this bundle' });
    expect(summarisePlanner(TINY, { samples: 0 }).coverage.coverage).toBeNull();
  });
});

describe('family bootstrap intervals', () => {
  /** 60 children in 20 families with noisy estimates of random true effects. */
  function population(): ChildEffects[] {
    const rng = createRng(42);
    return Array.from({ length: 60 }, (_, i) => {
      const truth = KEYS.map(() => -0.05 * rng());
      return child(`f${i % 20}`, truth, truth.map((t) => t + 0.03 * (rng() - 0.5)));
    });
  }

  it('is deterministic for a seed, changes with the seed and contains the point estimates', () => {
    const data = population();
    const a = summarisePlanner(data, { samples: 200, seed: 7 });
    const b = summarisePlanner(data, { samples: 200, seed: 7 });
    const c = summarisePlanner(data, { samples: 200, seed: 8 });
    expect(a).toEqual(b);
    expect(c.intervals.meanRegret.lower).not.toBe(a.intervals.meanRegret.lower);
    expect(a.intervals.families).toBe(20);
    expect(a.intervals.level).toBeCloseTo(0.95, 12);
    const pairs: [number | null, { lower: number | null; upper: number | null; replicates: number }][] = [
      [a.meanRegret, a.intervals.meanRegret],
      [a.meanRegretShare, a.intervals.meanRegretShare],
      [a.top1Agreement, a.intervals.top1Agreement],
      ...a.policy.map((p, j) => [p.ratio, a.intervals.policyRatio[j]!] as [number | null, typeof a.intervals.meanRegret]),
    ];
    for (const [point, ci] of pairs) {
      expect(ci.replicates).toBe(200);
      expect(ci.lower!).toBeLessThanOrEqual(point!);
      expect(ci.upper!).toBeGreaterThanOrEqual(point!);
      expect(ci.upper!).toBeGreaterThan(ci.lower!);
    }
  });

  it('resamples whole families: with one family every replicate is the data itself', () => {
    const one = TINY.map((e) => ({ ...e, familyId: 'same' }));
    const s = summarisePlanner(one, { samples: 50, seed: 3 });
    expect(s.intervals.families).toBe(1);
    expect(s.intervals.meanRegret.lower).toBeCloseTo(s.meanRegret, 12);
    expect(s.intervals.meanRegret.upper).toBeCloseTo(s.meanRegret, 12);
    // The same children as four families do vary.
    const four = summarisePlanner(TINY.map((e, i) => ({ ...e, familyId: `g${i}` })), { samples: 50, seed: 3 });
    expect(four.intervals.meanRegret.upper! - four.intervals.meanRegret.lower!).toBeGreaterThan(0.005);
  });
});

describe('evaluateEffects carries the planner figures', () => {
  const truthChild = (id: string, family: string, p: number, cfs: [string, number, number][]): TruthChild =>
    TruthChildSchema.parse({
      personId: id,
      familyId: family,
      indexDate: '2020-01-01',
      indexAgeDays: 1096,
      trueProbability: p,
      outcome: 0,
      path: { indexAgeDays: 1096, events: [{ code: 'RISK', domain: 'health', ageDays: 10 }] },
      counterfactuals: cfs.map(([code, ageDays, q]) => ({ code, ageDays, trueProbability: q })),
    });

  it('pairs each child with its family and picks the lowest estimate as the top-1', async () => {
    // The model: FAMILY_WORK (-0.8 on the logit) beats HOME_HELP (-0.3) at every age; ties in age go to the earlier.
    const truth = [
      truthChild('a', 'fa', 0.2, [
        ['FAMILY_WORK', 0, 0.1],
        ['FAMILY_WORK', 182, 0.15],
        ['HOME_HELP', 0, 0.19],
        ['HOME_HELP', 182, 0.2],
      ]),
      truthChild('b', 'fb', 0.3, [
        ['FAMILY_WORK', 0, 0.29],
        ['FAMILY_WORK', 182, 0.29],
        ['HOME_HELP', 0, 0.22],
        ['HOME_HELP', 182, 0.3],
      ]),
    ];
    const r = await evaluateEffects(additiveScorer({ RISK: 1, FAMILY_WORK: -0.8, HOME_HELP: -0.3 }, -2), truth, catalogue(), { bootstrapSamples: 20, seed: 4 });
    // a: the model's FAMILY_WORK (tied at both ages) has true effects -0.10 and -0.05: gain 0.075, best 0.10,
    //    regret 0.025, top-1 1/2. b: FAMILY_WORK gains 0.01 where HOME_HELP@0 gains 0.08: regret 0.07, top-1 0.
    expect(r.meanRegret).toBeCloseTo((0.025 + 0.07) / 2, 9);
    expect(r.meanRegretShare).toBeCloseTo((0.25 + 0.07 / 0.08) / 2, 9);
    expect(r.top1Agreement).toBeCloseTo(0.25, 12);
    expect(r.intervals.families).toBe(2);
    expect(r.coverage.note).toBe('no intervals in this bundle');
  });
});
