// The outcome mechanism: planted risk signals, protective services with timing-dependent effects, and the
// closed-form probability of the outcome within the horizon. Pure functions; docs/synthetic-population.md.
import { resolveScenario, type Scenario } from './scenario.js';
import { type Code, codeIndex, SERVICE_CODES } from './services.js';

/** Whose event, seen from the child (the path relations the task uses). */
export type FamilyRelation = 'self' | 'mother' | 'father' | 'sibling';
export const FAMILY_RELATIONS: readonly FamilyRelation[] = ['self', 'mother', 'father', 'sibling'];

export interface RiskSignal {
  code: Code;
  relation: FamilyRelation;
  /** Log-hazard added per event in the lookback window... */
  weight: number;
  /** ...counting at most this many events. */
  cap: number;
}

/**
 * The planted risk signals of a scenario (`generator.riskSignals`), in the scenario's order (self, mother, father,
 * sibling): many weak ones, none decisive. The log hazard adds weight * min(count, cap) for each, counting the TRUE
 * events (before recording noise) of the child and relatives in [index - lookback, index].
 */
export function riskSignalsOf(scenario: Scenario): RiskSignal[] {
  const out: RiskSignal[] = [];
  for (const relation of FAMILY_RELATIONS) {
    for (const [code, s] of Object.entries(scenario.generator.riskSignals[relation])) out.push({ code: code as Code, relation, weight: s.weight, cap: s.cap });
  }
  return out;
}

/** The default planted risk signals (the defaults of `generator.riskSignals` in scenario.ts). */
const RISK_SIGNALS: readonly RiskSignal[] = riskSignalsOf(resolveScenario({}));

/** What a protective service's effect depends on besides timing (the latent trait behind recorded markers). */
type EffectModifier = 'none' | 'mother_mental_health' | 'mother_substance_abuse' | 'child_development';

export interface ProtectiveService {
  code: Code;
  /** Who receives it; the same code given to anyone else has no effect on the child. */
  relation: 'self' | 'mother';
  /** Log-hazard reduction for a start at child age 0. */
  effect: number;
  /** exp(-ageDays / tauDays): a start at an older age helps less. */
  tauDays: number;
  minAgeDays: number;
  maxAgeDays: number;
  modifier: EffectModifier;
  /** Share of the effect kept when the modifier's trait is absent. */
  offTraitFactor: number;
}

/** The actionable protective services (the catalogue), with their default true effects. */
export const PROTECTIVE: readonly ProtectiveService[] = [
  { code: 'NEUVOLA_HOME_VISIT', relation: 'self', effect: 0.25, tauDays: 300, minAgeDays: 0, maxAgeDays: 1096, modifier: 'none', offTraitFactor: 1 },
  { code: 'EE_ENROL', relation: 'self', effect: 0.3, tauDays: 900, minAgeDays: 240, maxAgeDays: 1096, modifier: 'none', offTraitFactor: 1 },
  { code: 'EE_SUPPORT', relation: 'self', effect: 0.5, tauDays: 600, minAgeDays: 365, maxAgeDays: 1096, modifier: 'child_development', offTraitFactor: 0.2 },
  { code: 'FAMILY_WORK', relation: 'mother', effect: 0.45, tauDays: 700, minAgeDays: 0, maxAgeDays: 1096, modifier: 'none', offTraitFactor: 1 },
  { code: 'HOME_HELP', relation: 'mother', effect: 0.3, tauDays: 450, minAgeDays: 0, maxAgeDays: 1096, modifier: 'none', offTraitFactor: 1 },
  { code: 'PARENTING_GROUP', relation: 'mother', effect: 0.2, tauDays: 1500, minAgeDays: 0, maxAgeDays: 730, modifier: 'none', offTraitFactor: 1 },
  { code: 'MH_ADULT_THERAPY', relation: 'mother', effect: 0.6, tauDays: 1000, minAgeDays: 0, maxAgeDays: 1096, modifier: 'mother_mental_health', offTraitFactor: 0.1 },
  { code: 'SUD_TREATMENT', relation: 'mother', effect: 0.8, tauDays: 1000, minAgeDays: 0, maxAgeDays: 1096, modifier: 'mother_substance_abuse', offTraitFactor: 0.05 },
];

/** The protective services with the scenario's overrides applied. */
export function resolveProtective(scenario: Scenario): ProtectiveService[] {
  return PROTECTIVE.map((p) => {
    const o = scenario.protective[p.code];
    return { ...p, effect: o?.effect ?? p.effect, tauDays: o?.tauDays ?? p.tauDays, offTraitFactor: o?.offTraitFactor ?? p.offTraitFactor };
  });
}

/** The latent traits that modify effects (each has recorded markers in the path: see docs). */
export interface ChildTraits {
  motherMentalHealth: boolean;
  motherSubstanceAbuse: boolean;
  childDevelopment: boolean;
}

export function modifierFactor(service: ProtectiveService, traits: ChildTraits): number {
  switch (service.modifier) {
    case 'none':
      return 1;
    case 'mother_mental_health':
      return traits.motherMentalHealth ? 1 : service.offTraitFactor;
    case 'mother_substance_abuse':
      return traits.motherSubstanceAbuse ? 1 : service.offTraitFactor;
    case 'child_development':
      return traits.childDevelopment ? 1 : service.offTraitFactor;
  }
}

/** Log-hazard change (<= 0) of one start of the service at the child's age `ageDays`. */
export function protectiveLogHazard(service: ProtectiveService, ageDays: number, traits: ChildTraits): number {
  return -service.effect * Math.exp(-Math.max(0, ageDays) / service.tauDays) * modifierFactor(service, traits);
}

/** Probability of the outcome within the horizon for a constant daily hazard exp(logBaseHazard + eta). */
export function outcomeProbability(logBaseHazardPerDay: number, eta: number, horizonDays: number): number {
  return 1 - Math.exp(-Math.exp(logBaseHazardPerDay + eta) * horizonDays);
}

/** Lookup tables from (relation, code index) to the signal, for fast counting (in the signals' order). */
export function riskSignalTable(signals: readonly RiskSignal[] = RISK_SIGNALS): Map<number, RiskSignal> {
  const table = new Map<number, RiskSignal>();
  for (const s of signals) table.set(FAMILY_RELATIONS.indexOf(s.relation) * 64 + codeIndex(s.code), s);
  return table;
}

export function domainOf(code: Code): string {
  return SERVICE_CODES[codeIndex(code)]!.domain;
}
