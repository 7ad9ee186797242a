// Rates, calibration, protective effects and observation rules of a generated population (tolerances: docs/synthetic-population.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogueSchema, insertionAges } from '../../../src/schemas/catalogue.js';
import { DEFAULT_DOMAINS } from '../../../src/schemas/data-contract.js';
import { parseIsoDate } from '../../../src/schemas/dates.js';
import { PathSchema } from '../../../src/schemas/path.js';
import { TaskSpecSchema } from '../../../src/schemas/task.js';
import { TruthChildSchema, TruthSummarySchema } from '../../../src/schemas/truth.js';
import { learnability } from '../../../src/synth/learnability.js';
import { PROTECTIVE } from '../../../src/synth/mechanism.js';
import { generate, readCsv, readTruth } from './helpers.js';

/** Events per person within [55, 85] and each domain's share of the events within its band. */
function expectDomainMix(events: { rows: string[][] }, persons: { rows: string[][] }, bands: Record<string, [number, number]>): void {
  const perPerson = events.rows.length / persons.rows.length;
  expect(perPerson).toBeGreaterThan(55);
  expect(perPerson).toBeLessThan(85);
  const share = new Map<string, number>();
  for (const r of events.rows) share.set(r[2]!, (share.get(r[2]!) ?? 0) + 1 / events.rows.length);
  expect([...share.keys()].every((d) => (DEFAULT_DOMAINS as readonly string[]).includes(d))).toBe(true);
  for (const [domain, [lo, hi]] of Object.entries(bands)) {
    expect(share.get(domain) ?? 0, domain).toBeGreaterThan(lo);
    expect(share.get(domain) ?? 0, domain).toBeLessThan(hi);
  }
}

describe('an additive population (4,000 persons)', () => {
  const g = generate(4000, 5, { mechanism: 'additive' });
  afterAll(() => g.cleanup());
  const persons = readCsv(join(g.dir, 'persons.csv'));
  const events = readCsv(join(g.dir, 'events.csv'));
  const periods = readCsv(join(g.dir, 'observation_periods.csv'));
  const links = readCsv(join(g.dir, 'links.csv'));
  const truth = readTruth(g.dir);

  it('writes the canonical headers', () => {
    expect(persons.header).toEqual(['person_id', 'birth_date', 'sex', 'area', 'language_group', 'death_date']);
    expect(events.header).toEqual(['person_id', 'time', 'domain', 'code']);
    expect(links.header).toEqual(['person_id', 'related_id', 'relation']);
    expect(periods.header).toEqual(['person_id', 'start_date', 'end_date']);
  });

  it('keeps the documented volume and domain mix (about 70 events per person)', () => {
    // Documented bands (docs/synthetic-population.md, "Volumes").
    expectDomainMix(events, persons, {
      health: [0.5, 0.65],
      income_support: [0.09, 0.18],
      mental_health: [0.07, 0.13],
      employment: [0.05, 0.11],
      social_work: [0.02, 0.055],
      substance_abuse: [0.015, 0.05],
      child_welfare: [0.008, 0.025],
      early_education: [0.007, 0.02],
      school: [0.008, 0.025],
    });
  });

  it('has families of one or two parents and one to four children, siblings linked both ways', () => {
    const parentsOf = new Map<string, Set<string>>();
    const siblingPairs = new Set<string>();
    for (const [child, related, relation] of links.rows) {
      if (relation === 'mother' || relation === 'father') parentsOf.set(child!, (parentsOf.get(child!) ?? new Set()).add(relation));
      if (relation === 'sibling') siblingPairs.add(`${child}>${related}`);
    }
    for (const pair of siblingPairs) {
      const [x, y] = pair.split('>');
      expect(siblingPairs.has(`${y}>${x}`)).toBe(true);
    }
    expect([...parentsOf.values()].every((s) => s.has('mother'))).toBe(true);
    const twoParent = [...parentsOf.values()].filter((s) => s.size === 2).length / parentsOf.size;
    expect(twoParent).toBeGreaterThan(0.7);
    expect(twoParent).toBeLessThan(0.9);
  });

  it('puts no event before birth, after death or outside the observation period', () => {
    const birth = new Map(persons.rows.map((r) => [r[0]!, parseIsoDate(r[1]!)!]));
    const death = new Map(persons.rows.filter((r) => r[5] !== '').map((r) => [r[0]!, parseIsoDate(r[5]!)!]));
    const period = new Map(periods.rows.map((r) => [r[0]!, [parseIsoDate(r[1]!)!, parseIsoDate(r[2]!)!] as const]));
    expect(death.size).toBeGreaterThan(0);
    let bad = 0;
    for (const [id, time] of events.rows) {
      const day = parseIsoDate(time!)!;
      const [from, to] = period.get(id!)!;
      if (day < birth.get(id!)! || day < from || day > to || (death.has(id!) && day > death.get(id!)!)) bad++;
    }
    expect(bad).toBe(0);
    for (const [id, [from, to]] of period) {
      expect(to).toBeGreaterThanOrEqual(from);
      if (death.has(id)) expect(to).toBe(death.get(id));
    }
  });

  it('writes truth, task and catalogue that validate with their schemas', () => {
    for (const c of truth) expect(TruthChildSchema.safeParse(c).success).toBe(true);
    for (const c of truth) expect(PathSchema.safeParse(c.path).success).toBe(true);
    const summary = TruthSummarySchema.parse(JSON.parse(readFileSync(join(g.dir, 'truth', 'effects.json'), 'utf8')));
    expect(summary.eligibleChildren).toBe(truth.length);
    expect(summary.persons).toBe(4000);
    expect(summary.oracleAuroc).toBeGreaterThan(0.7);
    expect(summary.effects.filter((e) => e.kind === 'protective')).toHaveLength(PROTECTIVE.length);
    const task = TaskSpecSchema.parse(JSON.parse(readFileSync(join(g.dir, 'task.json'), 'utf8')));
    expect(task.index).toEqual({ rule: 'age', ageDays: 1096 });
    expect(task.outcome.codes).toEqual(['CW_OPEN_CARE', 'CW_PLACEMENT']);
    const catalogue = CatalogueSchema.parse(JSON.parse(readFileSync(join(g.dir, 'catalogue.json'), 'utf8')));
    expect(catalogue.services.map((s) => s.code)).toEqual(PROTECTIVE.map((p) => p.code));
    for (const c of truth.slice(0, 50)) {
      const expected = catalogue.services.flatMap((s) =>
        insertionAges(catalogue, c.indexAgeDays)
          .filter((a) => a >= s.minAgeDays && a <= s.maxAgeDays)
          .map((a) => `${s.code}@${a}`),
      );
      expect(c.counterfactuals.map((cf) => `${cf.code}@${cf.ageDays}`)).toEqual(expected);
    }
  });

  it('matches the realised outcomes with the recorded outcome events and the task rules', () => {
    const outcomeDays = new Map<string, number[]>();
    for (const [id, time, , code] of events.rows) {
      if (code === 'CW_OPEN_CARE' || code === 'CW_PLACEMENT') outcomeDays.set(id!, [...(outcomeDays.get(id!) ?? []), parseIsoDate(time!)!]);
    }
    const period = new Map(periods.rows.map((r) => [r[0]!, parseIsoDate(r[2]!)!]));
    for (const c of truth) {
      const index = parseIsoDate(c.indexDate)!;
      const days = outcomeDays.get(c.personId) ?? [];
      expect(days.some((d) => d <= index)).toBe(false);
      const inHorizon = days.some((d) => d > index && d <= index + 1096);
      const expected = inHorizon ? 1 : period.get(c.personId)! >= index + 1096 ? 0 : null;
      expect(c.outcome).toBe(expected);
    }
  });

  it('plants protective effects with the documented sign and timing dependence', () => {
    const byService = new Map<string, Map<number, number[]>>();
    for (const c of truth) {
      for (const cf of c.counterfactuals) {
        expect(cf.trueProbability).toBeLessThanOrEqual(c.trueProbability);
        const ages = byService.get(cf.code) ?? new Map<number, number[]>();
        ages.set(cf.ageDays, [...(ages.get(cf.ageDays) ?? []), c.trueProbability - cf.trueProbability]);
        byService.set(cf.code, ages);
      }
    }
    for (const [code, ages] of byService) {
      const means = [...ages.entries()].sort((x, y) => x[0] - y[0]).map(([, v]) => v.reduce((a, b) => a + b, 0) / v.length);
      expect(means[0]!, code).toBeGreaterThan(0);
      for (let i = 1; i < means.length; i++) expect(means[i]!, `${code} at step ${i}`).toBeLessThan(means[i - 1]!);
    }
    // Who receives it matters: SUD_TREATMENT helps children of mothers with recorded substance-abuse care far more.
    const gain = (c: (typeof truth)[number]) => c.trueProbability - c.counterfactuals.find((cf) => cf.code === 'SUD_TREATMENT' && cf.ageDays === 0)!.trueProbability;
    const marked = truth.filter((c) => c.path.events.filter((e) => e.relation === 'mother' && e.code === 'SUD_VISIT').length >= 3);
    const unmarked = truth.filter((c) => !c.path.events.some((e) => e.relation === 'mother' && e.domain === 'substance_abuse'));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(marked.length).toBeGreaterThan(10);
    expect(mean(marked.map(gain))).toBeGreaterThan(5 * mean(unmarked.map(gain)));
  });
});

describe('a v2 population (4,000 persons)', () => {
  const g = generate(4000, 5);
  afterAll(() => g.cleanup());
  const persons = readCsv(join(g.dir, 'persons.csv'));
  const events = readCsv(join(g.dir, 'events.csv'));
  const truth = readTruth(g.dir);

  it('keeps the documented volume and domain mix (about 72 events per person)', () => {
    expectDomainMix(events, persons, {
      health: [0.5, 0.62],
      income_support: [0.09, 0.18],
      mental_health: [0.08, 0.14],
      employment: [0.05, 0.11],
      social_work: [0.025, 0.06],
      substance_abuse: [0.02, 0.05],
      child_welfare: [0.015, 0.035],
      early_education: [0.007, 0.02],
      school: [0.008, 0.025],
    });
  });

  it('plants protective effects that help on average, more when they start early', () => {
    // Replays: an individual counterfactual can exceed the factual (a prevented notification also prevents the
    // family work it would have brought), so the signs hold on average, as documented.
    const byService = new Map<string, Map<number, number[]>>();
    for (const c of truth) {
      for (const cf of c.counterfactuals) {
        const ages = byService.get(cf.code) ?? new Map<number, number[]>();
        ages.set(cf.ageDays, [...(ages.get(cf.ageDays) ?? []), c.trueProbability - cf.trueProbability]);
        byService.set(cf.code, ages);
      }
    }
    expect(byService.size).toBe(PROTECTIVE.length);
    for (const [code, ages] of byService) {
      const means = [...ages.entries()].sort((x, y) => x[0] - y[0]).map(([, v]) => v.reduce((a, b) => a + b, 0) / v.length);
      for (const m of means) expect(m, code).toBeGreaterThan(0);
      expect(means[0]!, code).toBeGreaterThan(means[means.length - 1]!);
    }
  });

  it('writes truth that validates, with the v2 mechanism and its headroom in effects.json', () => {
    for (const c of truth.slice(0, 200)) expect(TruthChildSchema.safeParse(c).success).toBe(true);
    const summary = TruthSummarySchema.parse(JSON.parse(readFileSync(join(g.dir, 'truth', 'effects.json'), 'utf8')));
    expect(summary.mechanism).toBe('v2');
    expect(summary.eligibleChildren).toBe(truth.length);
    expect(summary.oracleAuroc).toBeGreaterThan(0.7);
  });
});

describe('the count-only yardstick on additive and v2 (8,000 persons each)', () => {
  const additive = generate(8000, 23, { mechanism: 'additive' });
  const v2 = generate(8000, 23);
  afterAll(() => {
    additive.cleanup();
    v2.cleanup();
  });

  it('fits a count-only model on both and leaves more room on v2', () => {
    const a = additive.result.headroom!;
    const b = v2.result.headroom!;
    expect(a.testChildren).toBeGreaterThan(1500);
    expect(b.testChildren).toBeGreaterThan(1500);
    for (const r of [a, b]) {
      expect(r.countModelAuroc).toBeGreaterThan(0.65);
      expect(r.headroom).toBeCloseTo(r.oracleAuroc - r.countModelAuroc, 12);
    }
    // At this size both count models are short of data (about 1,900 training children each), which dominates; the
    // v2 world still leaves more room. The figures at scale are the benchmark's (docs/synthetic-population.md).
    expect(b.headroom, `v2 ${b.headroom}, additive ${a.headroom}`).toBeGreaterThan(a.headroom);
  });

  it('keeps the additive learnability check: a quick logistic regression on code counts comes near the oracle', () => {
    const report = learnability(readTruth(additive.dir));
    expect(report.logregAuroc).toBeGreaterThan(0.7);
    expect(report.logregAuroc).toBeGreaterThan(report.oracleAuroc - 0.05);
    expect(report.logregAuroc).toBeLessThanOrEqual(report.oracleAuroc + 0.015);
  });
});

describe('calibration of the true probabilities (12,000 persons, v2, no moves)', () => {
  const g = generate(12000, 21, { moveRatePerYear: 0 });
  afterAll(() => g.cleanup());
  const truth = readTruth(g.dir).filter((c) => c.outcome !== null);

  it('has the configured base rate', () => {
    expect(g.result.meanTrueProbability).toBeCloseTo(0.08, 3);
    expect(Math.abs(g.result.outcomeRate - 0.08)).toBeLessThan(0.015);
  });

  it('agrees with the realised outcomes decile by decile', () => {
    const sorted = [...truth].sort((a, b) => a.trueProbability - b.trueProbability);
    for (let d = 0; d < 10; d++) {
      const slice = sorted.slice(Math.floor((d * sorted.length) / 10), Math.floor(((d + 1) * sorted.length) / 10));
      const expected = slice.reduce((s, c) => s + c.trueProbability, 0) / slice.length;
      const observed = slice.reduce((s, c) => s + (c.outcome as number), 0) / slice.length;
      const se = Math.sqrt((expected * (1 - expected)) / slice.length);
      expect(Math.abs(observed - expected), `decile ${d}: expected ${expected}, observed ${observed}`).toBeLessThan(4 * se + 0.005);
    }
  });
});
