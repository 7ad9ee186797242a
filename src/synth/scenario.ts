// The scenario: every tunable rate of the mechanism, with its default and why, in one commented place.
// A scenario file (JSON or YAML) overrides any subset; unknown keys fail (.strict()). docs/synthetic-population.md.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodIssues, ServicepathError } from '../errors/index.js';
import { SERVICE_CODES } from './services.js';

const KNOWN_CODES = new Set<string>(SERVICE_CODES.map((c) => c.code));

const rate = z.number().min(0).max(1);
const halfLife = z.number().min(1).max(36_525);
const logEffect = z.number().min(0).max(5);

/** The mechanisms: `additive` is the first mechanism, bit for bit; `v2` adds order and timing (docs/synthetic-population.md). */
export const MECHANISMS = ['additive', 'v2'] as const;
export type Mechanism = (typeof MECHANISMS)[number];
/** Version of the v2 mechanism's rules: bumped whenever a rule changes, so a card can say which world made its data. */
export const MECHANISM_V2_VERSION = 1;

const OrderPairSchema = z
  .object({
    first: z.object({ relation: z.enum(['self', 'mother', 'father', 'sibling']), code: z.string().min(1) }).strict(),
    second: z.object({ relation: z.enum(['self', 'mother', 'father', 'sibling']), code: z.string().min(1) }).strict(),
    /** The pair counts when `second` follows `first` within this many days (0 < gap <= withinDays). */
    withinDays: z.number().int().min(1).max(3650),
    /** Log-hazard added per such pair (at most `cap` pairs). */
    weight: logEffect,
    cap: z.number().int().min(1).max(10).default(2),
  })
  .strict();

/** v2: order and timing effects, each with its magnitude and an on/off switch (`enabled`). */
export const V2Schema = z
  .object({
    /** Multiplies the planted risk-signal weights (with recency, an old event weighs less than in `additive`). */
    signalScale: z.number().min(0).max(5).default(1),
    /** A risk signal's event weighs (1 - share) + share * 2^(-age / halfLife) at the index: recent events weigh more. */
    recency: z
      .object({
        enabled: z.boolean().default(true),
        share: rate.default(0.7),
        halfLifeDays: z
          .object({ child_welfare: halfLife.default(90), crisis: halfLife.default(60), health: halfLife.default(180), benefits: halfLife.default(365) })
          .strict()
          .default({ child_welfare: 90, crisis: 60, health: 180, benefits: 365 }),
      })
      .strict()
      .default({ enabled: true, share: 0.7, halfLifeDays: { child_welfare: 90, crisis: 60, health: 180, benefits: 365 } }),
    /** Ordered pairs: A then B within N days adds risk; B then A, or the pair far apart, adds nothing. */
    order: z
      .object({ enabled: z.boolean().default(true), pairs: z.array(OrderPairSchema).max(32).optional() })
      .strict()
      .default({ enabled: true }),
    /** Escalation: weight * ln((recent + 0.5) / (expected + 0.5)), above 0 only, where expected scales the earlier rate. */
    escalation: z
      .object({ enabled: z.boolean().default(true), weight: logEffect.default(0.8), recentDays: z.number().int().min(30).max(1000).default(180), cap: logEffect.default(2) })
      .strict()
      .default({ enabled: true, weight: 0.8, recentDays: 180, cap: 2 }),
    /** Runs and gaps: consecutive missed scheduled clinic visits; a mental-health crisis of the mother without a visit within 30 days. */
    runs: z
      .object({ enabled: z.boolean().default(true), noShowRunWeight: logEffect.default(0.8), missedFollowUpWeight: logEffect.default(0.6), followUpDays: z.number().int().min(1).max(365).default(30) })
      .strict()
      .default({ enabled: true, noShowRunWeight: 0.8, missedFollowUpWeight: 0.6, followUpDays: 30 }),
    /** Family timing: a sibling's child-welfare care weighs weight * 2^(-age / halfLifeDays). */
    family: z
      .object({ enabled: z.boolean().default(true), siblingCareWeight: logEffect.default(0.9), halfLifeDays: halfLife.default(365) })
      .strict()
      .default({ enabled: true, siblingCareWeight: 0.9, halfLifeDays: 365 }),
    /**
     * The latent, unrecorded family strain: impulses from crises, detoxes, emergency visits, notifications and missed
     * follow-ups, halving every halfLifeDays; it raises the rates of those events (rateCoef) and the outcome hazard (hazardCoef).
     */
    strain: z
      .object({
        enabled: z.boolean().default(true),
        halfLifeDays: halfLife.default(120),
        rateCoef: z.number().min(0).max(3).default(0.5),
        /** The strain raises event rates by at most this much (log scale): self-excitation stays bounded. */
        maxRateLog: z.number().min(0).max(5).default(1),
        hazardCoef: z.number().min(0).max(3).default(2),
        /** Share of each later impulse a protective service's start damps for mediation.days (times its trait modifier). */
        relief: rate.default(0.3),
      })
      .strict()
      .default({ enabled: true, halfLifeDays: 120, rateCoef: 0.5, maxRateLog: 1, hazardCoef: 2, relief: 0.3 }),
    /** Time-varying confounding: services respond to recent notifications and strain with strength gamma (0 = none). */
    confounding: z.object({ gamma: z.number().min(0).max(5).default(1) }).strict().default({ gamma: 1 }),
    /** Mediation: a protective service's start lowers the rates of later risk events for `days` (log-rate reduction). */
    mediation: z
      .object({ enabled: z.boolean().default(true), logRateReduction: logEffect.default(0.4), days: z.number().int().min(1).max(3650).default(365) })
      .strict()
      .default({ enabled: true, logRateReduction: 0.4, days: 365 }),
  })
  .strict();
export type V2Settings = z.infer<typeof V2Schema>;

const ProtectiveOverrideSchema = z
  .object({
    /** Log-hazard reduction when the service starts at child age 0 (positive number: a reduction). */
    effect: z.number().min(0).max(3).optional(),
    /** The effect fades as exp(-ageDays / tauDays) with the child's age at the start. */
    tauDays: z.number().min(30).max(100_000).optional(),
  })
  .strict();

export const ScenarioSchema = z
  .object({
    /** Which outcome mechanism: `v2` (default: order and timing matter) or `additive` (capped counts only, the first world). */
    mechanism: z.enum(MECHANISMS).default('v2'),
    /** The v2 mechanism's effects; refused with `mechanism: additive` (it would be ignored). */
    v2: V2Schema.optional(),
    /** Mean true probability of the outcome among eligible children (calibrated on the population itself). ~8% as in the brief. */
    baseRate: z.number().gt(0).lt(0.5).default(0.08),
    /** Share of children with an open-care measure or placement before the index age (they are excluded). */
    preIndexOutcomeRate: rate.default(0.02),
    /** Task: index at the third birthday, 5 years of lookback (3 of life + 2 of the parents' history), 3-year horizon. */
    indexAgeDays: z.number().int().min(365).max(6000).default(1096),
    lookbackDays: z.number().int().min(365).max(10_000).default(1826),
    horizonDays: z.number().int().min(30).max(6000).default(1096),
    /** Days of follow-up after the last birth date (--end): index age + horizon + a week, so nobody is cut by the extraction date. */
    followUpDays: z.number().int().min(0).max(10_000).default(2200),
    /** Share of families with two parents (Finland: ~80% of families with children). */
    twoParentShare: rate.default(0.8),
    /** Weights of 1, 2, 3, 4 children per family (mean ~2.1). */
    childrenWeights: z.array(z.number().min(0)).length(4).default([0.3, 0.4, 0.2, 0.1]),
    /** Direct log-hazard coefficients of the latent family adversity A ~ N(0,1) and the child's own factor u ~ N(0,1). */
    adversityHazardCoef: z.number().min(0).max(3).default(0.15),
    childHazardCoef: z.number().min(0).max(3).default(0.05),
    /** Multiplies every weight of the planted risk signals (0 = the path carries no direct risk). */
    riskWeightScale: z.number().min(0).max(5).default(1),
    /** Multiplies every unscheduled event rate (volume knob: ~70 events per person at 1). */
    eventRateScale: z.number().gt(0).max(10).default(1),
    /** Strength of confounding by indication: multiplies the adversity loading of protective-service propensities. */
    confoundingScale: z.number().min(0).max(5).default(1),
    /** Family moves away (censoring) per year after the last birth (~3%/year net out-migration of families). */
    moveRatePerYear: rate.default(0.03),
    /** Recording noise on non-outcome events: dropped, written twice (exact duplicate), written late. */
    noise: z
      .object({
        missingRate: rate.default(0.02),
        duplicateRate: rate.default(0.01),
        lateRate: rate.default(0.02),
        lateMaxDays: z.number().int().min(1).max(365).default(120),
      })
      .strict()
      .default({ missingRate: 0.02, duplicateRate: 0.01, lateRate: 0.02, lateMaxDays: 120 }),
    /** Overrides of the protective effects (code -> effect, tauDays); defaults in mechanism.ts PROTECTIVE. */
    protective: z.record(z.string(), ProtectiveOverrideSchema).default({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.mechanism === 'additive' && s.v2 !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['v2'], message: 'v2 settings contradict mechanism: additive (remove them or set mechanism: v2)' });
    }
    const v2 = s.v2;
    if (v2 === undefined) return;
    if (v2.escalation.recentDays >= s.lookbackDays) {
      ctx.addIssue({ code: 'custom', path: ['v2', 'escalation', 'recentDays'], message: `must be below lookbackDays (${s.lookbackDays}): the earlier rate needs a period` });
    }
    (v2.order.pairs ?? []).forEach((p, i) => {
      for (const side of ['first', 'second'] as const) {
        if (!KNOWN_CODES.has(p[side].code)) ctx.addIssue({ code: 'custom', path: ['v2', 'order', 'pairs', i, side, 'code'], message: `unknown code "${p[side].code}"` });
      }
      if (p.withinDays > s.lookbackDays) ctx.addIssue({ code: 'custom', path: ['v2', 'order', 'pairs', i, 'withinDays'], message: `must be at most lookbackDays (${s.lookbackDays})` });
    });
  })
  .transform((s) => (s.mechanism === 'v2' ? { ...s, v2: s.v2 ?? V2Schema.parse({}) } : s));
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

export function resolveScenario(input: ScenarioInput = {}, file = 'scenario'): Scenario {
  const parsed = ScenarioSchema.safeParse(input);
  if (!parsed.success) throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) });
  return parsed.data;
}

/** Built-in scenarios a `--scenario` may name instead of a file. */
export const NAMED_SCENARIOS: Record<string, ScenarioInput> = { v2: { mechanism: 'v2' }, additive: { mechanism: 'additive' } };

/** Reads a JSON or YAML scenario file (or a built-in name: `v2`, `additive`) and validates it. */
export function loadScenario(file: string): Scenario {
  const named = NAMED_SCENARIOS[file];
  if (named !== undefined) return resolveScenario(named, file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: `not valid JSON or YAML: ${(err as Error).message}` }, { cause: err });
  }
  return resolveScenario((data ?? {}) as ScenarioInput, file);
}
