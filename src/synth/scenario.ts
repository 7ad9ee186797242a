// The scenario: every tunable rate of the mechanism, with its default and why, in one commented place.
// A scenario file (JSON or YAML) overrides any subset; unknown keys fail (.strict()). docs/synthetic-population.md.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { formatZodIssues, ServicepathError } from '../errors/index.js';

const rate = z.number().min(0).max(1);

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
  .strict();
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;

export function resolveScenario(input: ScenarioInput = {}, file = 'scenario'): Scenario {
  const parsed = ScenarioSchema.safeParse(input);
  if (!parsed.success) throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) });
  return parsed.data;
}

/** Reads a JSON or YAML scenario file and validates it. */
export function loadScenario(file: string): Scenario {
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
