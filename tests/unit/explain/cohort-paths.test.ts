import { describe, expect, it } from 'vitest';
import { coarsenPath } from '../../../src/features/coarsen.js';
import { cohortIndexOf, indexCohortPaths, mineCohortPaths, supportFor, supportMatcher } from '../../../src/explain/cohort-paths.js';
import { shownCount } from '../../../src/privacy/rules.js';
import { isServicepathError } from '../../../src/errors/index.js';
import { CohortPathsFileSchema } from '../../../src/schemas/cohort-paths.js';
import { type Path, PathSchema } from '../../../src/schemas/index.js';
import { catalogue } from './test-scorer.js';

/** A seeded population with a few common and many rare prefixes, so that both publication and suppression happen. */
function population(n: number, seed = 7): { path: Path; outcome: 0 | 1; predicted: number }[] {
  let s = seed;
  const rand = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  return Array.from({ length: n }, () => {
    const events: Path['events'] = [{ code: 'BIRTH', domain: 'health', relation: 'self', ageDays: 0 }];
    if (rand() < 0.4) events.push({ code: 'DEPRESSION', domain: 'mental_health', relation: 'mother', ageDays: 100 });
    if (rand() < 0.3) events.push({ code: 'INCOME', domain: 'income_support', relation: 'father', ageDays: 250 });
    if (rand() < 0.05) events.push({ code: `RARE${Math.floor(rand() * 50)}`, domain: 'substance_abuse', relation: 'mother', ageDays: 300 });
    events.push({ code: 'VISIT', domain: 'health', relation: 'self', ageDays: 500 });
    if (rand() < 0.35) events.push({ code: 'FAMILY_WORK', domain: 'social_work', relation: 'self', ageDays: 600 + Math.floor(rand() * 300) });
    if (rand() < 0.02) events.push({ code: 'HOME_HELP', domain: 'social_work', relation: 'self', ageDays: 1000 });
    const risky = events.some((e) => e.code === 'DEPRESSION');
    return { path: PathSchema.parse({ indexAgeDays: 1096, events }), outcome: (rand() < (risky ? 0.3 : 0.1) ? 1 : 0) as 0 | 1, predicted: risky ? 0.3 : 0.1 };
  });
}

/** Every count in the file, with its JSON path, and every rate's sibling count (scan of the serialised file). */
function scan(value: unknown, at: string, out: { counts: [string, number][]; ratesWithoutCount: string[] }) {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      scan(v, `${at}/${i}`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('outcomeRate' in obj && typeof obj['persons'] !== 'number') out.ratesWithoutCount.push(at);
    for (const [key, v] of Object.entries(obj)) {
      if (key === 'persons' || key === 'sourcePersons') out.counts.push([`${at}/${key}`, v as number]);
      if (key !== 'representative') scan(v, `${at}/${key}`, out);
    }
  }
}

describe('mineCohortPaths', () => {
  const cat = catalogue();
  const examples = population(400);

  it('publishes no count or rate below k, and rounds every count to a multiple of roundTo', () => {
    for (const k of [5, 10, 20]) {
      const file = mineCohortPaths(examples, cat, { k, roundTo: 5 });
      const parsed = CohortPathsFileSchema.parse(JSON.parse(JSON.stringify(file)));
      expect(parsed.paths.length).toBeGreaterThan(2);
      const found = { counts: [] as [string, number][], ratesWithoutCount: [] as string[] };
      scan(parsed, '', found);
      expect(found.ratesWithoutCount).toEqual([]);
      expect(found.counts.length).toBeGreaterThan(parsed.paths.length);
      for (const [, n] of found.counts) {
        expect(n).toBeGreaterThanOrEqual(k);
        expect(n % 5).toBe(0);
      }
      for (const p of parsed.paths) {
        for (const f of p.followedBy) {
          if ('persons' in f.received && 'persons' in f.notReceived) {
            expect(f.received.persons + f.notReceived.persons).toBeLessThanOrEqual(p.persons + 5);
          }
        }
      }
      // The rare codes (each held by a handful of persons) never surface as a code anywhere.
      expect(JSON.stringify(parsed)).not.toMatch(/RARE\d/);
    }
  });

  it('with epsilon, applies the same rules to the noisy counts and records the accounting in privacy.dp', () => {
    const file = mineCohortPaths(examples, cat, { k: 10, roundTo: 5, epsilon: 1, seed: 42 });
    const parsed = CohortPathsFileSchema.parse(JSON.parse(JSON.stringify(file)));
    expect(parsed.privacy.dp?.epsilon).toBe(1);
    expect(parsed.privacy.dp?.perQuery.reduce((s, q) => s + q.epsilon, 0)).toBeCloseTo(1, 12);
    expect(parsed.paths.length).toBeGreaterThan(0);
    const found = { counts: [] as [string, number][], ratesWithoutCount: [] as string[] };
    scan(parsed, '', found);
    expect(found.ratesWithoutCount).toEqual([]);
    for (const [, n] of found.counts) {
      expect(n).toBeGreaterThanOrEqual(10);
      expect(n % 5).toBe(0);
    }
    expect(JSON.stringify(parsed)).not.toMatch(/RARE\d/);
    // Planners' paths still match the noisy file's prefixes.
    expect(supportFor(indexCohortPaths(file), examples[0]!.path, { code: 'FAMILY_WORK' }, 100)?.cohort.throughBand).toBe('before birth');
  });

  it('suppresses both sides of a service split when either side is below k (HOME_HELP is rare)', () => {
    const file = mineCohortPaths(examples, cat, { k: 10, roundTo: 5 });
    const root = file.paths.find((p) => p.throughBand === 'before birth')!;
    expect(root.persons).toBe(400);
    const hh = root.followedBy.find((f) => f.code === 'HOME_HELP')!;
    expect(hh.received).toEqual({ suppressed: true, reason: 'group' });
    expect(hh.notReceived).toEqual({ suppressed: true, reason: 'group' });
    const fw = root.followedBy.find((f) => f.code === 'FAMILY_WORK')!;
    expect('persons' in fw.received && 'persons' in fw.notReceived).toBe(true);
  });

  it('computes exact prefix sizes and outcome rates before rounding', () => {
    const file = mineCohortPaths(examples, cat, { k: 10, roundTo: 5 });
    const withDep = examples.filter((e) => e.path.events.some((ev) => ev.code === 'DEPRESSION'));
    const onlyDep = withDep.filter((e) => !e.path.events.some((ev) => ev.ageDays > 0 && ev.ageDays < 183 && ev.code !== 'DEPRESSION'));
    const cohort = file.paths.find((p) => p.throughBand === '0-6m' && p.steps[1]!.groups.join() === 'parent:mental_health,self:health')!;
    expect(cohort.persons).toBe(shownCount(onlyDep.length, { k: 10, roundTo: 5 }));
    const rate = onlyDep.filter((e) => e.outcome === 1).length / onlyDep.length;
    expect(cohort.outcomeRate).toBeCloseTo(rate, 2);
    expect(cohort.meanPredictedRisk).toBeCloseTo(0.3, 3);
  });

  it('gives each cohort path a valid representative path at band midpoints', () => {
    const file = mineCohortPaths(examples, cat, { k: 10, roundTo: 5 });
    for (const p of file.paths) {
      expect(PathSchema.safeParse(p.representative).success).toBe(true);
      const steps = coarsenPath(p.representative, p.steps.length - 1);
      expect(steps).toEqual(p.steps.map((s) => s.groups));
    }
  });

  it('refuses k below 5, in the miner and in the file schema', () => {
    const err = (() => {
      try {
        mineCohortPaths(examples, cat, { k: 4, roundTo: 5 });
      } catch (e) {
        return e;
      }
    })();
    expect(isServicepathError(err) && err.code).toBe('EXPLAIN_PRIVACY_THRESHOLD');
    const file = mineCohortPaths(examples, cat, { k: 5, roundTo: 5 });
    const bad = { ...file, privacy: { k: 3, roundTo: 5 } };
    const res = CohortPathsFileSchema.safeParse(bad);
    expect(res.success).toBe(false);
    expect(res.error!.issues.map((i) => i.path.join('/'))).toContain('privacy/k');
  });

  it('rounds counts to the nearest multiple, never below k', () => {
    expect(shownCount(10, { k: 10, roundTo: 5 })).toBe(10);
    expect(shownCount(12, { k: 10, roundTo: 5 })).toBe(10);
    expect(shownCount(13, { k: 10, roundTo: 5 })).toBe(15);
    expect(shownCount(7, { k: 7, roundTo: 5 })).toBe(10);
    expect(shownCount(402, { k: 10, roundTo: 5 })).toBe(400);
  });

  it('matches a planner path to the most specific published prefix before the insertion band', () => {
    const file = mineCohortPaths(examples, cat, { k: 10, roundTo: 5 });
    const index = indexCohortPaths(file);
    const path = PathSchema.parse({
      indexAgeDays: 1096,
      events: [
        { code: 'BIRTH', domain: 'health', ageDays: 0 },
        { code: 'DEPRESSION', domain: 'mental_health', relation: 'mother', ageDays: 90 },
        { code: 'VISIT', domain: 'health', ageDays: 400 },
      ],
    });
    const found = supportFor(index, path, { code: 'FAMILY_WORK' }, 800)!;
    expect(found.cohort.throughBand).toBe('1-2y');
    expect(found.followed.code).toBe('FAMILY_WORK');
    expect(supportFor(index, path, { code: 'FAMILY_WORK' }, 100)!.cohort.throughBand).toBe('before birth');
  });

  it('matches many (service, age) pairs of one path as supportFor does, one by one', () => {
    const file = mineCohortPaths(examples, cat, { k: 10, roundTo: 5 });
    const index = cohortIndexOf(file);
    expect(cohortIndexOf(file)).toBe(index); // built once per file
    expect([...index.keys()]).toEqual([...indexCohortPaths(file).keys()]);
    let matched = 0;
    for (const { path } of population(60, 11)) {
      const support = supportMatcher(index, path);
      for (const service of [...cat.services, { code: 'NOT_IN_CATALOGUE' }]) {
        for (const age of [-30, 0, 100, 183, 364, 365, 800, 1096, 1097, 3000, 7000]) {
          const expected = supportFor(index, path, service, age);
          expect(support(service, age)).toEqual(expected);
          expect(support(service, age)).toEqual(expected); // memoised answer
          if (expected !== null) matched++;
        }
      }
    }
    expect(matched).toBeGreaterThan(100);
  });
});
