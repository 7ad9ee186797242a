import { describe, expect, it } from 'vitest';
import { evaluateEffects } from '../../../src/evaluate/effects.js';
import { type TruthChild, TruthChildSchema } from '../../../src/schemas/truth.js';
import { additiveScorer, catalogue } from '../explain/test-scorer.js';

const child = (id: string, trueProbability: number, cfs: [string, number, number][]): TruthChild =>
  TruthChildSchema.parse({
    personId: id,
    familyId: `f${id}`,
    indexDate: '2020-01-01',
    indexAgeDays: 1096,
    trueProbability,
    outcome: 0,
    path: { indexAgeDays: 1096, events: [{ code: 'RISK', domain: 'health', ageDays: 10 }] },
    counterfactuals: cfs.map(([code, ageDays, p]) => ({ code, ageDays, trueProbability: p })),
  });

/** Two children, hand-worked in the comments: the model gets child A right and child B partly wrong. */
const TRUTH: TruthChild[] = [
  child('a', 0.2, [
    ['FAMILY_WORK', 0, 0.1],
    ['FAMILY_WORK', 182, 0.15],
    ['HOME_HELP', 0, 0.19],
    ['HOME_HELP', 182, 0.2],
    ['NOT_IN_CATALOGUE', 0, 0.05],
  ]),
  child('b', 0.3, [
    ['FAMILY_WORK', 0, 0.29],
    ['FAMILY_WORK', 182, 0.29],
    ['HOME_HELP', 0, 0.32],
    ['ECEC', 364, 0.22],
  ]),
];
// The model: FAMILY_WORK -0.8 < HOME_HELP -0.3 < ECEC -0.1 on the logit, the same at every age.
const WEIGHTS = { RISK: 1, FAMILY_WORK: -0.8, HOME_HELP: -0.3, ECEC: -0.1 };
const sig = (z: number) => 1 / (1 + Math.exp(-z));
const est = (w: number) => sig(-1 + w) - sig(-1);

describe('evaluateEffects on a fixed truth fixture', () => {
  it('pins top-3 hit rate, Spearman, sign errors and bias to hand-computed values', async () => {
    const scorer = additiveScorer(WEIGHTS, -2);
    const r = await evaluateEffects(scorer, TRUTH, catalogue(), { childrenPerBatch: 16 });
    expect(scorer.calls).toBe(1);
    expect(r.children).toBe(2);
    expect(r.skippedRows).toBe(1);
    // A: best FW@0 is among the 3 lowest estimates (FW, FW, HH); B: best ECEC@364 has the highest estimate: miss.
    expect(r.top3HitRate).toBeCloseTo(0.5, 12);
    // A: est ranks [1.5,1.5,3.5,3.5] vs true [1,2,3,4] -> 4/sqrt(20) = 0.894427;
    // B: est ranks [1.5,1.5,3,4] vs true [2.5,2.5,4,1] -> -1.5/4.5 = -0.333333. Mean 0.280547.
    expect(r.meanSpearman).toBeCloseTo((4 / Math.sqrt(20) - 1 / 3) / 2, 9);
    expect(r.spearmanChildren).toBe(2);
    // Clearly nonzero true effects: A 3 (HH@182 is 0), B 4; wrong sign: B's HOME_HELP (+0.02 true, negative estimate).
    expect(r.signPairs).toBe(7);
    expect(r.signErrorRate).toBeCloseTo(1 / 7, 12);
    const estimates = [est(-0.8), est(-0.8), est(-0.3), est(-0.3), est(-0.8), est(-0.8), est(-0.3), est(-0.1)];
    const truths = [-0.1, -0.05, -0.01, 0, -0.01, -0.01, 0.02, -0.08];
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(r.meanEstimatedEffect).toBeCloseTo(mean(estimates), 8);
    expect(r.meanTrueEffect).toBeCloseTo(mean(truths), 12);
    expect(r.bias).toBeCloseTo(mean(estimates) - mean(truths), 8);
    const hh = r.perService.find((s) => s.code === 'HOME_HELP')!;
    expect(hh.pairs).toBe(3);
    expect(hh.signErrorRate).toBeCloseTo(1 / 2, 12);
  });

  it("checks the scorer's replicate intervals against the truth: coverage over the pairs", async () => {
    // Replicate k scales the model's service weights by 0.2 + 0.4 k (k = 0..4); at level 0.5 each pair's interval
    // runs from its effect at scale 1.4 to its effect at scale 0.6 (the 25th and 75th percentiles of five).
    const scaled = (f: number) => Object.fromEntries(Object.entries(WEIGHTS).map(([k, w]) => [k, k === 'RISK' ? w : w * f]));
    const point = additiveScorer(WEIGHTS, -2);
    const scorer = {
      ...point,
      scoreTrajectories: point.scoreTrajectories.bind(point),
      intervalLevel: 0.5,
      async scoreFinalReplicates(paths: readonly Parameters<typeof point.scoreTrajectories>[0][number][]) {
        const per = await Promise.all([0, 1, 2, 3, 4].map((k) => additiveScorer(scaled(0.2 + 0.4 * k), -2).scoreTrajectories(paths)));
        return paths.map((_, i) => Float64Array.from(per, (t) => (t[i] as Float64Array)[(t[i] as Float64Array).length - 1] as number));
      },
    };
    const r = await evaluateEffects(scorer, TRUTH, catalogue());
    // Expected by hand: the estimated effect of weight w at scale f is sig(-1 + f w) - sig(-1); the pairs in order.
    const pairs: [number, number][] = [
      [-0.8, -0.1], [-0.8, -0.05], [-0.3, -0.01], [-0.3, 0],
      [-0.8, -0.01], [-0.8, -0.01], [-0.3, 0.02], [-0.1, -0.08],
    ];
    const effect = (w: number, f: number) => sig(-1 + f * w) - sig(-1);
    const inside = pairs.filter(([w, t]) => t >= effect(w, 1.4) && t <= effect(w, 0.6)).length;
    expect(r.coverage).toEqual({ coverage: inside / pairs.length, pairs: pairs.length });
    expect(inside).toBeGreaterThan(0);
    expect(inside).toBeLessThan(pairs.length);
  });

  it('gives the same figures whatever the batch size, one scorer call per batch', async () => {
    const scorer = additiveScorer(WEIGHTS, -2);
    const one = await evaluateEffects(scorer, TRUTH, catalogue(), { childrenPerBatch: 1 });
    expect(scorer.calls).toBe(2);
    const all = await evaluateEffects(additiveScorer(WEIGHTS, -2), TRUTH, catalogue());
    expect(one).toEqual(all);
  });
});
