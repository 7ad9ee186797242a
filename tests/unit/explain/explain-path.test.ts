import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { explainPath } from '../../../src/explain/explain-path.js';
import { mineCohortPaths } from '../../../src/explain/cohort-paths.js';
import { insertionVariants } from '../../../src/explain/variants.js';
import { isServicepathError } from '../../../src/errors/index.js';
import { INTERVENTIONS_CAVEAT, InterventionsResultSchema, UNADJUSTED_CAVEAT } from '../../../src/schemas/interventions.js';
import { type Path, PathSchema, type PathScorer } from '../../../src/schemas/index.js';
import { additiveScorer, catalogue, samplePath, WEIGHTS } from './test-scorer.js';

describe('explainPath', () => {
  it('returns one trajectory step per event, matching the scorer, and a valid result with the caveat', async () => {
    const scorer = additiveScorer(WEIGHTS);
    const path = samplePath();
    const result = await explainPath(scorer, path, catalogue(), { adjustment: 'treatment' });
    expect(InterventionsResultSchema.parse(result)).toEqual(result);
    expect(result.trajectory).toHaveLength(path.events.length);
    const [direct] = await additiveScorer(WEIGHTS).scoreTrajectories([path]);
    expect(result.trajectory.map((s) => s.risk)).toEqual([...direct!]);
    expect(result.finalRisk).toBe(direct![direct!.length - 1]);
    expect(result.caveat).toBe(INTERVENTIONS_CAVEAT);
    expect(result.caveat).toMatch(/not proven causal/);
    expect(result.estimator).toEqual({ adjustment: 'treatment', adjusted: true, intervals: null, truthCheck: null });
    for (const c of result.candidates) {
      expect(c.riskDropInterval).toBeNull();
      expect(c.seldomGiven).toBeNull();
    }
  });

  it('labels the estimates of a bundle trained without adjustment (or of unknown training) as unadjusted', async () => {
    for (const adjustment of ['none', undefined]) {
      const result = await explainPath(additiveScorer(WEIGHTS), samplePath(), catalogue(), adjustment === undefined ? {} : { adjustment });
      expect(result.estimator).toEqual({ adjustment: adjustment ?? 'unknown', adjusted: false, intervals: null, truthCheck: null });
      expect(result.caveat).toBe(UNADJUSTED_CAVEAT);
      expect(result.caveat).toMatch(/^Unadjusted associations/);
    }
  });

  it("gives each returned candidate the percentile interval of its drop over the scorer's replicates", async () => {
    const plain = additiveScorer(WEIGHTS);
    // Replicate k's risk is the point risk times 1 + 0.1 (k - 2), k = 0..4: the drop scales the same way, so the
    // 50% interval (25th to 75th percentile: replicates 1 and 3) is 0.9 to 1.1 times the point drop.
    let replicateCalls = 0;
    const scorer: PathScorer = {
      ...plain,
      scoreTrajectories: (paths, opts) => plain.scoreTrajectories(paths, opts),
      intervalLevel: 0.5,
      seldomGiven: (service, ageDays) => service.code === 'HOME_HELP' || ageDays >= 364,
      async scoreFinalReplicates(paths) {
        replicateCalls++;
        const finals = await plain.scoreTrajectories(paths);
        return finals.map((t) => Float64Array.from({ length: 5 }, (_, k) => (t[t.length - 1] as number) * (1 + 0.1 * (k - 2))));
      },
    };
    const result = await explainPath(scorer, samplePath(), catalogue(), { adjustment: 'treatment', topK: 4 });
    expect(replicateCalls).toBe(1);
    expect(result.estimator.intervals).toEqual({ method: 'family-bootstrap', level: 0.5, replicates: 5 });
    expect(result.estimator.truthCheck).toBeNull();
    expect(result.candidates).toHaveLength(4);
    for (const c of result.candidates) {
      expect(c.riskDropInterval?.lower).toBeCloseTo(0.9 * c.riskDrop, 12);
      expect(c.riskDropInterval?.upper).toBeCloseTo(1.1 * c.riskDrop, 12);
      expect(c.seldomGiven).toBe(c.code === 'HOME_HELP' || c.ageDays >= 364);
    }
    expect(InterventionsResultSchema.parse(result)).toEqual(result);
  });

  it('scores the trajectory in one call, then the original, its occlusions and every insertion in one batched call', async () => {
    const scorer = additiveScorer(WEIGHTS);
    const path = samplePath();
    const result = await explainPath(scorer, path, catalogue(), { topK: 100 });
    // 7 grid ages (0, 182, ..., 1092); ECEC only from day 270: 7 + 7 + 5 = 19 insertions; 6 occlusions; 1 original.
    // The double has no scoreFinal, so the variants' final risks come from their trajectories.
    expect(scorer.calls).toBe(2);
    expect(result.candidatesScored).toBe(19);
    expect(scorer.pathsScored).toBe(1 + (1 + 6 + 19));
    expect(result.variantsScored).toBe(26);
  });

  it('lowers the final risk when a service the model learned as protective is inserted, and ranks by drop', async () => {
    const result = await explainPath(additiveScorer(WEIGHTS), samplePath(), catalogue(), { topK: 100 });
    for (const c of result.candidates) expect(c.finalRisk).toBeLessThan(result.finalRisk);
    const drops = result.candidates.map((c) => c.riskDrop);
    expect(drops).toEqual([...drops].sort((a, b) => b - a));
    expect(result.candidates[0]!.code).toBe('FAMILY_WORK');
    expect(result.candidates.map((c) => c.rank)).toEqual(result.candidates.map((_, i) => i + 1));
    // An additive model gives the same drop at every age: ties go to the earliest age.
    expect(result.candidates[0]!.ageDays).toBe(0);
  });

  it('finds a harmful inserted service raises the risk (negative drop) and ranks it last', async () => {
    const cat = catalogue({
      services: [
        { code: 'FAMILY_WORK', domain: 'social_work', label: 'Family work', labelFi: 'Perhetyö' },
        { code: 'BAD', domain: 'social_work', label: 'Harmful', labelFi: 'Haitallinen' },
      ],
    });
    const result = await explainPath(additiveScorer({ ...WEIGHTS, BAD: 0.7 }), samplePath(), cat, { topK: 100 });
    const last = result.candidates[result.candidates.length - 1]!;
    expect(last.code).toBe('BAD');
    expect(last.riskDrop).toBeLessThan(0);
  });

  it('respects the catalogue age range and the index age', async () => {
    const result = await explainPath(additiveScorer(WEIGHTS), samplePath(), catalogue(), { topK: 100 });
    const ecec = result.candidates.filter((c) => c.code === 'ECEC').map((c) => c.ageDays).sort((a, b) => a - b);
    expect(ecec).toEqual([364, 546, 728, 910, 1092]);
    expect(Math.max(...result.candidates.map((c) => c.ageDays))).toBeLessThanOrEqual(1096);
  });

  it('names turning points by occlusion: the events whose removal lowers the final risk most', async () => {
    const result = await explainPath(additiveScorer(WEIGHTS), samplePath(), catalogue(), { turningPoints: 2 });
    expect(result.turningPoints.map((t) => t.code)).toEqual(['MOTHER_DEPRESSION', 'CW_NOTICE']);
    for (const t of result.turningPoints) expect(t.occlusion).toBeGreaterThan(0);
    // By the risk step instead, the later notice counts more: it lands where the logistic curve is steeper
    // (sigmoid(0.5) - sigmoid(-0.4) = 0.221 against sigmoid(-0.85) - sigmoid(-2.05) = 0.185).
    const delta = await explainPath(additiveScorer(WEIGHTS), samplePath(), catalogue(), { turningPoints: 2, attribution: 'delta' });
    expect(delta.turningPoints.map((t) => t.code)).toEqual(['CW_NOTICE', 'MOTHER_DEPRESSION']);
    expect(delta.turningPoints[0]!.deltaRisk).toBeCloseTo(0.2209, 3);
    expect(delta.turningPoints[0]!.occlusion).toBeNull();
    expect(delta.variantsScored).toBe(1 + 19);
  });

  it('rejects a scorer that breaks its contract with a catalogued error', async () => {
    const broken: PathScorer = { modelKind: 'gru', scoreTrajectories: async (paths) => paths.map(() => new Float64Array(1)) };
    const err = await explainPath(broken, samplePath(), catalogue()).catch((e: unknown) => e);
    expect(isServicepathError(err) && err.code).toBe('EXPLAIN_SCORER_MISMATCH');
  });

  it('attaches cohort-path support to candidates when the prefix is published', async () => {
    const cat = catalogue();
    const examples = Array.from({ length: 40 }, (_, i) => {
      const path = samplePath();
      const events = [...path.events];
      if (i % 2 === 0) events.push({ code: 'FAMILY_WORK', domain: 'social_work', relation: 'self', ageDays: 900 });
      events.sort((a, b) => a.ageDays - b.ageDays);
      return { path: { ...path, events }, outcome: (i % 4 === 0 ? 1 : 0) as 0 | 1, predicted: 0.3 };
    });
    const cohortPaths = mineCohortPaths(examples, cat, { k: 10, roundTo: 5 });
    const result = await explainPath(additiveScorer(WEIGHTS), samplePath(), cat, { topK: 100, cohortPaths });
    const fw = result.candidates.find((c) => c.code === 'FAMILY_WORK' && c.ageDays === 910)!;
    expect(fw.support).not.toBeNull();
    expect(fw.support!.throughBand).toBe('1-2y');
    // None of the 20 who did not get it had the outcome: "0%" would say so, so that rate is hidden ("<5"), and the
    // other side's 10 of 20 is hidden too (secondary): with the cohort path's 10 of 40 it would give the 0 back.
    expect(fw.support!.received).toEqual({ persons: 20, outcomeRate: null, outcomeSuppressed: 'secondary' });
    expect(fw.support!.notReceived).toEqual({ persons: 20, outcomeRate: null, outcomeSuppressed: 'numerator' });
    expect(fw.support!.outcomeRate).toBe(0.25);
    // topK only shortens the list: the first candidates, with their support, are the same.
    const top3 = await explainPath(additiveScorer(WEIGHTS), samplePath(), cat, { topK: 3, cohortPaths });
    expect(top3.candidates).toEqual(result.candidates.slice(0, 3));
    expect(top3.candidatesScored).toBe(result.candidatesScored);
  });
});

const eventArb = fc.record({
  code: fc.constantFrom('A', 'B', 'C', 'FAMILY_WORK'),
  domain: fc.constantFrom('health', 'social_work', 'school'),
  relation: fc.constantFrom('self', 'mother', 'sibling'),
  ageDays: fc.integer({ min: -100, max: 1096 }),
  immutable: fc.boolean(),
});

describe('insertion never moves or edits existing events', () => {
  it('holds for random paths: removing the inserted event gives back the original events, in order', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 30 }), (raw) => {
        const events = [...raw].sort((a, b) => a.ageDays - b.ageDays);
        const path: Path = PathSchema.parse({ indexAgeDays: 1096, events });
        for (const v of insertionVariants(path, catalogue())) {
          expect(v.path.events).toHaveLength(path.events.length + 1);
          const inserted = v.path.events[v.position]!;
          expect(inserted).toEqual({ code: v.service.code, domain: v.service.domain, relation: v.service.relation, ageDays: v.ageDays });
          expect(v.path.events.filter((_, i) => i !== v.position)).toEqual(path.events);
          // Time order is kept: the inserted event sits after every earlier event and before every later one.
          expect(v.path.events.slice(0, v.position).every((e) => e.ageDays <= v.ageDays)).toBe(true);
          expect(v.path.events.slice(v.position + 1).every((e) => e.ageDays >= v.ageDays)).toBe(true);
          expect(PathSchema.safeParse(v.path).success).toBe(true);
        }
        expect(path.events.filter((e) => e.immutable)).toEqual(events.filter((e) => e.immutable).map((e) => ({ ...e })));
      }),
      { numRuns: 60 },
    );
  });
});
