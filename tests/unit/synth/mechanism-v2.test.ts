// The v2 mechanism's planted effects have their documented signs: paths with the same counts and another order or
// timing get the documented true risks (docs/synthetic-population.md "Mechanism v2").
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDER_PAIRS, type FamilyEvents, strainAt, strainItems, v2Eta } from '../../../src/synth/mechanism-v2.js';
import { resolveProtective, riskSignalTable } from '../../../src/synth/mechanism.js';
import { resolveScenario, type V2Settings } from '../../../src/synth/scenario.js';
import { type Code, codeIndex, packEvent } from '../../../src/synth/services.js';

const scenario = resolveScenario({});
const v2 = scenario.v2 as V2Settings;
const protective = resolveProtective(scenario);
const BIRTH = 20_000;
const INDEX = BIRTH + 1096;
const noTraits = { motherMentalHealth: false, motherSubstanceAbuse: false, childDevelopment: false };

type Ev = [number, Code];
const pack = (events: Ev[]) => events.map(([day, code]) => packEvent(day, codeIndex(code))).sort((a, b) => a - b);

function family(child: Ev[], mother: Ev[] = [], sibling: Ev[] | null = null): FamilyEvents {
  const children = [{ events: pack([[BIRTH, 'BIRTH'], ...child]), birthDay: BIRTH, u: 0, traits: noTraits }];
  if (sibling !== null) children.push({ events: pack(sibling), birthDay: BIRTH - 900, u: 0, traits: noTraits });
  return { adversity: 0, mother: { events: pack(mother), traits: noTraits }, father: null, children };
}

function eta(fam: FamilyEvents, settings: V2Settings = v2) {
  return v2Eta({
    fam,
    child: 0,
    indexDay: INDEX,
    lookbackDays: 1826,
    adversityHazardCoef: 0.15,
    childHazardCoef: 0.05,
    riskWeightScale: 1,
    v2: settings,
    riskTable: riskSignalTable(),
    protective,
    pairs: DEFAULT_ORDER_PAIRS,
  });
}

describe('mechanism v2: same counts, other order or timing', () => {
  it('recency: a recent notification weighs more than the same notification two years earlier', () => {
    const recent = eta(family([[INDEX - 30, 'CW_NOTIFICATION']]));
    const old = eta(family([[INDEX - 730, 'CW_NOTIFICATION']]));
    expect(recent.signals).toBeGreaterThan(old.signals + 0.1);
    const off = { ...v2, recency: { ...v2.recency, enabled: false } };
    expect(eta(family([[INDEX - 30, 'CW_NOTIFICATION']]), off).signals).toBeCloseTo(eta(family([[INDEX - 730, 'CW_NOTIFICATION']]), off).signals, 12);
  });

  it('order: a notification followed within weeks by the mother\'s crisis adds risk; the reverse order does not', () => {
    const escalation = eta(family([[INDEX - 100, 'CW_NOTIFICATION']], [[INDEX - 80, 'MH_CRISIS']]));
    const reverse = eta(family([[INDEX - 80, 'CW_NOTIFICATION']], [[INDEX - 100, 'MH_CRISIS']]));
    const apart = eta(family([[INDEX - 400, 'CW_NOTIFICATION']], [[INDEX - 80, 'MH_CRISIS']]));
    expect(escalation.order).toBeCloseTo(DEFAULT_ORDER_PAIRS[0]!.weight, 12);
    expect(reverse.order).toBe(0);
    expect(apart.order).toBe(0);
    expect(escalation.etaRisk).toBeGreaterThan(reverse.etaRisk);
  });

  it('runs: three missed clinic visits in a row weigh more than three scattered ones', () => {
    const days = [30, 60, 120, 180, 270, 365, 540, 730, 1095].map((d) => BIRTH + d);
    const inRow = days.map((d, i): Ev => [d, i >= 5 && i <= 7 ? 'NEUVOLA_NO_SHOW' : 'NEUVOLA_VISIT']);
    const scattered = days.map((d, i): Ev => [d, i === 1 || i === 4 || i === 7 ? 'NEUVOLA_NO_SHOW' : 'NEUVOLA_VISIT']);
    const a = eta(family(inRow));
    const b = eta(family(scattered));
    expect(a.runs).toBeCloseTo(2 * v2.runs.noShowRunWeight, 12);
    expect(b.runs).toBe(0);
    expect(a.etaRisk).toBeGreaterThan(b.etaRisk);
  });

  it('gaps: a crisis without a visit within 30 days adds risk; with a visit it does not', () => {
    const missed = eta(family([], [[INDEX - 300, 'MH_CRISIS'], [INDEX - 200, 'MH_ADULT_VISIT']]));
    const followed = eta(family([], [[INDEX - 300, 'MH_CRISIS'], [INDEX - 290, 'MH_ADULT_VISIT']]));
    expect(missed.runs).toBeCloseTo(v2.runs.missedFollowUpWeight, 12);
    expect(followed.runs).toBe(0);
    expect(missed.strain).toBeGreaterThan(followed.strain);
  });

  it('escalation: the same contacts bunched in the last months weigh more than spread over the years', () => {
    const bunched = eta(family([[INDEX - 20, 'ER_VISIT'], [INDEX - 60, 'ER_VISIT'], [INDEX - 90, 'ER_VISIT']], [[INDEX - 1500, 'ADULT_SOCIAL_WORK']]));
    const spread = eta(family([[INDEX - 20, 'ER_VISIT'], [INDEX - 600, 'ER_VISIT'], [INDEX - 900, 'ER_VISIT']], [[INDEX - 1500, 'ADULT_SOCIAL_WORK']]));
    expect(bunched.escalation).toBeGreaterThan(spread.escalation);
    expect(spread.escalation).toBeGreaterThanOrEqual(0);
  });

  it("family timing: a sibling's care last year weighs more than four years ago", () => {
    const lastYear = eta(family([], [], [[INDEX - 200, 'CW_OPEN_CARE']]));
    const longAgo = eta(family([], [], [[INDEX - 1500, 'CW_OPEN_CARE']]));
    expect(lastYear.family).toBeGreaterThan(longAgo.family + 0.3);
    expect(longAgo.family).toBeGreaterThan(0);
  });

  it('strain: impulses decay with their age; a service started before damps the impulses that follow', () => {
    const recent = eta(family([], [[INDEX - 20, 'SUD_DETOX']]));
    const old = eta(family([], [[INDEX - 700, 'SUD_DETOX']]));
    expect(recent.strain).toBeGreaterThan(old.strain * 8);
    const helped = eta(family([], [[INDEX - 20, 'SUD_DETOX'], [INDEX - 100, 'FAMILY_WORK']]));
    expect(helped.strain).toBeCloseTo(recent.strain * (1 - v2.strain.relief), 12);
    const after = eta(family([], [[INDEX - 20, 'SUD_DETOX'], [INDEX - 10, 'FAMILY_WORK']]));
    expect(after.strain).toBeCloseTo(recent.strain, 12);
    const fam = family([], [[INDEX - 20, 'SUD_DETOX']]);
    // Exactly one impulse: 0.8 halving every 180 days.
    expect(strainAt(strainItems(fam, v2, protective), INDEX, v2.strain.halfLifeDays)).toBeCloseTo(0.8 * 2 ** (-20 / v2.strain.halfLifeDays), 12);
  });

  it('each switch turns its effect off', () => {
    const fam = family([[INDEX - 100, 'CW_NOTIFICATION']], [[INDEX - 80, 'MH_CRISIS']], [[INDEX - 200, 'CW_OPEN_CARE']]);
    const on = eta(fam);
    expect(on.order).toBeGreaterThan(0);
    expect(on.family).toBeGreaterThan(0);
    expect(on.strain).toBeGreaterThan(0);
    const off = eta(fam, {
      ...v2,
      order: { ...v2.order, enabled: false },
      family: { ...v2.family, enabled: false },
      strain: { ...v2.strain, enabled: false },
      runs: { ...v2.runs, enabled: false },
      escalation: { ...v2.escalation, enabled: false },
    });
    expect([off.order, off.family, off.strain, off.runs, off.escalation]).toEqual([0, 0, 0, 0, 0]);
  });
});
