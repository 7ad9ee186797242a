// Differential privacy of cohort-path counts (src/privacy/dp.ts, docs/differential-privacy.md): the two-sided
// geometric mechanism's distribution, determinism for a seed, the budget's accounting, consistency of the noisy
// file, the file without epsilon unchanged byte for byte, and the training config's privacy.epsilon.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isServicepathError } from '../../../src/errors/index.js';
import { mineCohortPaths } from '../../../src/explain/cohort-paths.js';
import { auditCohortPaths } from '../../../src/privacy/cohort-paths.js';
import { capToTotal, cohortPathsBudget, dpAccountingText, geometricNoise, rescaleToTotal } from '../../../src/privacy/dp.js';
import { type CohortPathsFile, CohortPathsFileSchema } from '../../../src/schemas/cohort-paths.js';
import { DisclosureRulesSchema } from '../../../src/schemas/disclosure.js';
import { CatalogueSchema, type Path, PathSchema } from '../../../src/schemas/index.js';
import { parseTrainConfig } from '../../../src/train/config.js';

/** A fixed, seeded population (its own generator, so that other tests' helpers cannot move the pinned bytes). */
function population(n: number, seed: number): { path: Path; outcome: 0 | 1; predicted: number }[] {
  let s = seed;
  const rand = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  return Array.from({ length: n }, () => {
    const events: Path['events'] = [{ code: 'BIRTH', domain: 'health', relation: 'self', ageDays: 0 }];
    if (rand() < 0.4) events.push({ code: 'DEPRESSION', domain: 'mental_health', relation: 'mother', ageDays: 100 });
    if (rand() < 0.3) events.push({ code: 'INCOME', domain: 'income_support', relation: 'father', ageDays: 250 });
    if (rand() < 0.25) events.push({ code: 'NOTICE', domain: 'child_welfare', relation: 'sibling', ageDays: 420 });
    events.push({ code: 'VISIT', domain: 'health', relation: 'self', ageDays: 500 });
    if (rand() < 0.35) events.push({ code: 'FAMILY_WORK', domain: 'social_work', relation: 'self', ageDays: 150 + Math.floor(rand() * 800) });
    if (rand() < 0.2) events.push({ code: 'ECEC', domain: 'early_education', relation: 'self', ageDays: 300 + Math.floor(rand() * 700) });
    events.sort((a, b) => a.ageDays - b.ageDays);
    const risky = events.some((e) => e.code === 'DEPRESSION');
    return { path: PathSchema.parse({ indexAgeDays: 1096, events }), outcome: (rand() < (risky ? 0.35 : 0.12) ? 1 : 0) as 0 | 1, predicted: risky ? 0.3 : 0.1 };
  });
}

const catalogue = CatalogueSchema.parse({
  services: [
    { code: 'FAMILY_WORK', domain: 'social_work', label: 'Family work', labelFi: 'Perhetyö' },
    { code: 'ECEC', domain: 'early_education', label: 'Early education', labelFi: 'Varhaiskasvatus', minAgeDays: 270 },
  ],
  insertion: { fromAgeDays: 0, stepDays: 182 },
});

const examples = population(1500, 11);
const sha = (file: CohortPathsFile) => createHash('sha256').update(JSON.stringify(file)).digest('hex');

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('two-sided geometric mechanism', () => {
  it('is deterministic for a seed and label, and differs between seeds and labels', () => {
    const q = { epsilon: 0.5, sensitivity: 1 };
    const draws = (seed: number) => Array.from({ length: 200 }, (_, i) => geometricNoise(seed, `cell ${i}`, q));
    expect(draws(7)).toEqual(draws(7));
    const other = draws(8);
    expect(other.filter((z, i) => z !== draws(7)[i]).length).toBeGreaterThan(100);
    expect(new Set(draws(7)).size).toBeGreaterThan(5); // not one value for every label
    for (const z of draws(7)) expect(Number.isInteger(z)).toBe(true);
  });

  // Over n draws the sample mean has standard error sd/sqrt(n) and the sample variance about
  // sqrt((mu4 - sd^4) / n), mu4 the fourth central moment (summed from the distribution below); 5 standard errors
  // leave a chance below 1e-6 of a false failure, while a scale off by 10% moves the variance by 21%, far outside.
  for (const [epsilon, sensitivity] of [
    [0.5, 1],
    [0.1, 1],
    [1, 8],
  ] as const) {
    it(`has mean 0 and variance 2a/(1-a)^2, a = exp(-epsilon/sensitivity) (epsilon ${epsilon}, sensitivity ${sensitivity})`, () => {
      const n = 100_000;
      const a = Math.exp(-epsilon / sensitivity);
      const variance = (2 * a) / (1 - a) ** 2;
      const p = (z: number) => ((1 - a) / (1 + a)) * a ** Math.abs(z);
      let mu4 = 0;
      for (let z = 1; p(z) > 1e-18; z++) mu4 += 2 * z ** 4 * p(z);
      const draws = Array.from({ length: n }, (_, i) => geometricNoise(20240501, `draw ${i}`, { epsilon, sensitivity }));
      const mean = draws.reduce((s, z) => s + z, 0) / n;
      const sampleVariance = draws.reduce((s, z) => s + (z - mean) ** 2, 0) / (n - 1);
      expect(Math.abs(mean)).toBeLessThan((5 * Math.sqrt(variance)) / Math.sqrt(n));
      expect(Math.abs(sampleVariance - variance)).toBeLessThan(5 * Math.sqrt((mu4 - variance ** 2) / n));
      // The mass at 0 is (1 - a) / (1 + a).
      const zeros = draws.filter((z) => z === 0).length / n;
      expect(Math.abs(zeros - p(0))).toBeLessThan(5 * Math.sqrt((p(0) * (1 - p(0))) / n));
    });
  }
});

describe('budget and accounting', () => {
  it('spends exactly epsilon: a quarter each on path counts (root and depths), path outcomes, service splits and their outcomes', () => {
    const b = cohortPathsBudget(1, ['before birth', '0-6m', '6-12m'], 8);
    const a = b.accounting;
    expect(a.mechanism).toBe('two-sided geometric');
    expect(a.composition).toBe('sequential over depths, parallel within a depth');
    expect(a.perQuery).toHaveLength(1 + 4 * 3);
    expect(a.perQuery.reduce((s, q) => s + q.epsilon, 0)).toBeCloseTo(1, 12);
    expect(b.source).toEqual({ epsilon: 1 / 16, sensitivity: 1 });
    expect(b.persons).toEqual({ epsilon: 1 / 16, sensitivity: 1 });
    expect(b.outcomes).toEqual({ epsilon: 1 / 12, sensitivity: 1 });
    expect(b.split).toEqual({ epsilon: 1 / 12, sensitivity: 8 });
    expect(b.splitOutcomes).toEqual({ epsilon: 1 / 12, sensitivity: 8 });
    for (const q of a.perQuery) expect(q.scale).toBeCloseTo(q.sensitivity / q.epsilon, 12);
    expect(DisclosureRulesSchema.parse({ k: 10, dp: a }).dp).toEqual(a);
    const overspent = { ...a, perQuery: [...a.perQuery, { quantity: 'more', epsilon: 0.5, sensitivity: 1, scale: 2 }] };
    expect(DisclosureRulesSchema.safeParse({ k: 10, dp: overspent }).success).toBe(false);
    expect(DisclosureRulesSchema.safeParse({ k: 10, dp: { ...a, extra: 1 } }).success).toBe(false);
  });

  it('writes a paragraph for the card naming the mechanism, epsilon, each release and what is not covered', () => {
    const text = dpAccountingText(cohortPathsBudget(0.5, ['before birth', '0-6m'], 2).accounting);
    expect(text).toContain('two-sided geometric');
    expect(text).toContain('Ghosh, Roughgarden & Sundararajan 2009');
    expect(text).toContain('ε = 0.5 ');
    expect(text).toContain('sequential over depths, parallel within a depth');
    expect(text).toContain('persons per cohort path: ε = 0.0417 at each of 2 depths (sensitivity 1, noise scale 24');
    expect(text).toContain('(2 services): ε = 0.0625 at each of 2 depths (sensitivity 2, noise scale 32');
    expect(text).toContain('Not covered by ε');
  });
});

describe('consistency post-processing', () => {
  it('caps children at their parent and rescales a partition to its total', () => {
    expect(capToTotal([5, 3, 2], 20)).toEqual([5, 3, 2]);
    expect(capToTotal([30, 10, 0], 20)).toEqual([15, 5, 0]);
    expect(capToTotal([7, 7, 7], 10).reduce((s, x) => s + x, 0)).toBeLessThanOrEqual(10);
    expect(rescaleToTotal([2, 1, 1], 8)).toEqual([4, 2, 2]);
    expect(rescaleToTotal([1, 1, 1], 10)).toEqual([4, 3, 3]);
    expect(rescaleToTotal([0, 0, 0], 10)).toEqual([0, 0, 0]);
    expect(rescaleToTotal([9, 0, 3], 0)).toEqual([0, 0, 0]);
  });

  it('publishes a noisy file whose children fit under their parents and whose splits fit in their cohort path (epsilon 0.5)', () => {
    // roundTo 1 and k 5: every shown count is the noisy count itself, so the relations are checked exactly.
    const opts = { k: 5, minCount: 3, roundTo: 1 };
    const file = mineCohortPaths(examples, catalogue, { ...opts, epsilon: 0.5, seed: 3 });
    const exact = mineCohortPaths(examples, catalogue, opts);
    expect(CohortPathsFileSchema.safeParse(JSON.parse(JSON.stringify(file))).success).toBe(true);
    expect(auditCohortPaths(file)).toEqual([]);
    expect(file.privacy.dp?.epsilon).toBe(0.5);
    expect(sha(file)).not.toBe(sha(exact));
    const exactPersons = new Map(exact.paths.map((p) => [p.id, p.persons]));
    expect(file.paths.filter((p) => exactPersons.has(p.id) && exactPersons.get(p.id) !== p.persons).length).toBeGreaterThan(file.paths.length / 2);
    const byKey = new Map(file.paths.map((p) => [p.steps.map((s) => s.groups.join(',')).join('|'), p]));
    const childSums = new Map<string, number>();
    for (const p of file.paths) {
      const parent = p.steps.length === 1 ? '(root)' : p.steps.slice(0, -1).map((s) => s.groups.join(',')).join('|');
      childSums.set(parent, (childSums.get(parent) ?? 0) + p.persons);
    }
    let related = 0;
    for (const [parent, sum] of childSums) {
      const total = parent === '(root)' ? file.sourcePersons : byKey.get(parent)?.persons;
      if (total === undefined) continue;
      expect(sum).toBeLessThanOrEqual(total);
      related++;
    }
    expect(related).toBeGreaterThan(3);
    let splits = 0;
    for (const p of file.paths) {
      for (const f of p.followedBy) {
        if (!('persons' in f.received) || !('persons' in f.notReceived)) continue;
        expect(f.received.persons + f.notReceived.persons).toBeLessThanOrEqual(p.persons);
        for (const side of [f.received, f.notReceived]) {
          if (side.outcomeRate !== null) expect(side.outcomeRate).toBeGreaterThanOrEqual(0);
          if (side.outcomeRate !== null) expect(side.outcomeRate).toBeLessThanOrEqual(1);
        }
        splits++;
      }
    }
    expect(splits).toBeGreaterThan(3);
  });

  it('mines the same noisy file for the same seed and another for another seed', () => {
    const opts = { k: 10, roundTo: 5, epsilon: 0.5 };
    const a = mineCohortPaths(examples, catalogue, { ...opts, seed: 1 });
    expect(sha(mineCohortPaths(examples, catalogue, { ...opts, seed: 1 }))).toBe(sha(a));
    expect(sha(mineCohortPaths(examples, catalogue, { ...opts, seed: 2 }))).not.toBe(sha(a));
  });
});

describe('without epsilon', () => {
  // The SHA-256 of the file mineCohortPaths wrote for these examples before differential privacy was added.
  const BEFORE_DP = '6e309658b126c835aa90c36d83712450bd15af67c38a835058e7cad70ca4746a';

  it('mines the same file, byte for byte, as before differential privacy (epsilon undefined or null)', () => {
    const opts = { k: 10, minCount: 5, roundTo: 5 };
    const plain = mineCohortPaths(examples, catalogue, opts);
    expect(sha(plain)).toBe(BEFORE_DP);
    expect(sha(mineCohortPaths(examples, catalogue, { ...opts, epsilon: null, seed: 5 }))).toBe(BEFORE_DP);
    expect(sha(mineCohortPaths(examples, catalogue, { ...opts, epsilon: undefined }))).toBe(BEFORE_DP);
    expect('dp' in plain.privacy).toBe(false);
  });
});

describe('privacy.epsilon', () => {
  it('defaults to null (off) in the training config and takes a positive number', () => {
    expect(parseTrainConfig({}, 'config.json').privacy).toEqual({ epsilon: null });
    expect(parseTrainConfig({ privacy: { epsilon: 0.5 } }, 'config.json').privacy.epsilon).toBe(0.5);
    expect(parseTrainConfig({ privacy: { epsilon: null } }, 'config.json').privacy.epsilon).toBeNull();
  });

  it('refuses epsilon <= 0 with CONFIG_INVALID naming privacy.epsilon and the allowed range, and unknown keys', () => {
    for (const epsilon of [0, -1]) {
      const err = thrown(() => parseTrainConfig({ privacy: { epsilon } }, 'config.json'));
      expect(isServicepathError(err) && err.code).toBe('CONFIG_INVALID');
      expect((err as Error).message).toContain('privacy/epsilon: privacy.epsilon must be greater than 0 (allowed: a number > 0, or null for no noise)');
    }
    const extra = thrown(() => parseTrainConfig({ privacy: { epsilon: 1, delta: 1e-6 } }, 'config.json'));
    expect(isServicepathError(extra) && extra.code).toBe('CONFIG_INVALID');
    const mined = thrown(() => mineCohortPaths(examples, catalogue, { k: 10, roundTo: 5, epsilon: 0 }));
    expect(isServicepathError(mined) && mined.code).toBe('CONFIG_INVALID');
    expect((mined as Error).message).toContain('privacy.epsilon');
  });
});
