// Disclosure control of cohort paths: a file with planted small numerators, an all-or-nothing cell and
// recoverable differences fails the audit; enforceCohortPaths fixes it and the audit then passes; the miner's
// own output is clean; bad rules are refused with the allowed range.
import { describe, expect, it } from 'vitest';
import { mineCohortPaths } from '../../../src/explain/cohort-paths.js';
import { auditCohortPaths, enforceCohortPaths } from '../../../src/privacy/cohort-paths.js';
import { cellProblems, outcomeCell } from '../../../src/privacy/rules.js';
import { CatalogueSchema } from '../../../src/schemas/catalogue.js';
import type { CohortPath, CohortPathsFile } from '../../../src/schemas/cohort-paths.js';
import { DisclosureRulesSchema } from '../../../src/schemas/disclosure.js';
import type { PathEvent } from '../../../src/schemas/path.js';
import { TrainConfigSchema } from '../../../src/schemas/train-config.js';

const RULES = { k: 10, minCount: 5, roundTo: 5 };
const representative = { indexAgeDays: 1096, events: [{ code: 'X', domain: 'health', relation: 'self' as const, ageDays: 10 }] };

function path(id: string, groups: string[][], persons: number, outcomeRate: number | null, followedBy: CohortPath['followedBy'] = []): CohortPath {
  return {
    id,
    throughBand: `b${groups.length}`,
    steps: groups.map((g, b) => ({ band: `b${b + 1}`, groups: g })),
    persons,
    outcomeRate,
    meanPredictedRisk: 0.1,
    followedBy,
    representative,
  };
}

function file(paths: CohortPath[], sourcePersons = 400): CohortPathsFile {
  return { formatVersion: 1, privacy: RULES, grouping: 'test', bands: [{ name: 'b1', fromAgeDays: null, toAgeDays: 183 }], sourcePersons, paths };
}

/** A raw file as a naive miner would publish it. */
function raw(): CohortPathsFile {
  return file([
    // Root cohort paths: 200 + 195 of 400 source persons (the rest, 5, is a group below k).
    path('a', [['self:health']], 200, 0.2, [
      // 60 + 120 of 200: the 20 who got it earlier are derivable; their outcomes (40 - 18 - 21 = 1) too.
      { code: 'HV', label: 'Home visits', received: { persons: 60, outcomeRate: 0.3 }, notReceived: { persons: 120, outcomeRate: 0.175 } },
    ]),
    path('b', [['self:social_work']], 195, 0.1),
    // A group of 20 with 10% (2 children with the outcome) and an all-or-nothing 0% group.
    path('a1', [['self:health'], ['parent:mental_health']], 20, 0.1),
    path('a2', [['self:health'], ['self:health']], 30, 0),
    path('a3', [['self:health'], ['self:benefits']], 140, 0.25),
  ]);
}

describe('disclosure rules', () => {
  it('hide an outcome count or complement below minCount, never showing 0', () => {
    expect(outcomeCell(40, 10, RULES)).toEqual({ outcomeRate: 0.25 });
    expect(outcomeCell(40, 0, RULES)).toEqual({ outcomeRate: null, outcomeSuppressed: 'numerator' });
    expect(outcomeCell(40, 4, RULES)).toEqual({ outcomeRate: null, outcomeSuppressed: 'numerator' });
    expect(outcomeCell(40, 37, RULES)).toEqual({ outcomeRate: null, outcomeSuppressed: 'complement' });
    // True count 5 of 12, but a reader sees 10 persons at 42%: 4.2 children, so it is hidden too.
    expect(outcomeCell(12, 5, RULES)).toEqual({ outcomeRate: null, outcomeSuppressed: 'numerator' });
    expect(cellProblems(20, 0.1, RULES)).toEqual(['rate 0.1 of 20 implies 2 with the outcome, below 5']);
    expect(cellProblems(3, null, RULES)).toEqual(['group of 3 is below k=10', 'count 3 is not a multiple of 5']);
  });

  it('refuse k below 5, a minimum count below 3 and a rounding base below 1, naming the allowed range', () => {
    for (const [key, value, message] of [
      ['k', 4, 'k must be at least 5'],
      ['minCount', 2, 'minCount must be at least 3'],
      ['roundTo', 0, 'roundTo must be at least 1'],
    ] as const) {
      const r = DisclosureRulesSchema.safeParse({ [key]: value });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toBe(message);
    }
    expect(TrainConfigSchema.safeParse({ evaluation: { minCount: 2 } }).success).toBe(false);
    expect(TrainConfigSchema.parse({}).evaluation).toMatchObject({ k: 10, minCount: 5, roundTo: 5 });
  });
});

describe('auditCohortPaths and enforceCohortPaths', () => {
  it('find small numerators, all-or-nothing cells and recoverable differences in a raw file', () => {
    const findings = auditCohortPaths(raw());
    const at = (pointer: string) => findings.filter((f) => f.pointer === pointer).map((f) => f.message);
    expect(at('/paths/2')).toEqual(['rate 0.1 of 20 implies 2 with the outcome, below 5']);
    expect(at('/paths/3')).toEqual(['rate 0 of 30 implies 0 with the outcome, below 5']);
    expect(at('/paths/0/followedBy/0').join()).toMatch(/got it earlier.*20 persons of whom 1 with the outcome/);
    expect(at('/sourcePersons').join()).toMatch(/5 persons, below k=10/);
  });

  it('fixes the file: the audit passes on the result and fails on the raw', () => {
    const fixed = enforceCohortPaths(raw());
    expect(auditCohortPaths(fixed)).toEqual([]);
    expect(auditCohortPaths(raw()).length).toBeGreaterThan(0);
    // The small cells are gone or hidden; nothing shown was invented.
    const byId = new Map(fixed.paths.map((p) => [p.id, p]));
    expect(byId.get('a2')?.outcomeRate ?? null).toBeNull();
    expect(byId.get('a1')?.outcomeRate ?? null).toBeNull();
    const hv = byId.get('a')!.followedBy[0]!;
    expect('persons' in hv.received && hv.received.outcomeRate).toBeFalsy();
    for (const p of fixed.paths) {
      const before = raw().paths.find((r) => r.id === p.id)!;
      expect(p.persons).toBe(before.persons);
      if (p.outcomeRate !== null) expect(p.outcomeRate).toBe(before.outcomeRate);
    }
  });

  it('leaves a clean file as it is', () => {
    const clean = enforceCohortPaths(raw());
    expect(enforceCohortPaths(clean)).toEqual(clean);
  });

  it('the miner publishes nothing the audit finds, with a zero cell and small groups in its data', () => {
    const catalogue = CatalogueSchema.parse({ services: [{ code: 'FAMILY_WORK', domain: 'social_work', label: 'Family work', labelFi: 'Perhetyö' }] });
    const examples = Array.from({ length: 300 }, (_, i) => {
      const events: PathEvent[] = [{ code: 'NEUVOLA', domain: 'health', relation: 'self', ageDays: 30 }];
      if (i % 3 === 0) events.push({ code: 'DEPRESSION', domain: 'mental_health', relation: 'mother', ageDays: 60 });
      if (i % 7 === 0) events.push({ code: 'CW_NOTICE', domain: 'child_welfare', relation: 'self', ageDays: 90 });
      if (i % 2 === 0) events.push({ code: 'FAMILY_WORK', domain: 'social_work', relation: 'self', ageDays: 400 });
      // Nobody whose path has a notice is without the outcome; few with depression only have it.
      const outcome = (i % 7 === 0 ? 1 : i % 3 === 0 && i % 40 === 0 ? 1 : 0) as 0 | 1;
      return { path: { indexAgeDays: 1096, events }, outcome, predicted: 0.1 };
    });
    const mined = mineCohortPaths(examples, catalogue, { k: 10, roundTo: 5 });
    expect(mined.paths.length).toBeGreaterThan(0);
    expect(mined.privacy).toEqual(RULES);
    expect(auditCohortPaths(mined)).toEqual([]);
    expect(mined.paths.some((p) => p.outcomeRate === null)).toBe(true);
  });
});
