// The generator's ground truth (truth/ beside a generated population; docs/synthetic-population.md).
import { z } from 'zod';
import { PathSchema } from './path.js';

/** truth/children.ndjson: one line per eligible child of the scenario's task. */
export const TruthChildSchema = z
  .object({
    /** The raw id the generator wrote (fake person); ingest's pseudonym can be recomputed from it. */
    personId: z.string(),
    familyId: z.string(),
    indexDate: z.string(),
    indexAgeDays: z.number().int(),
    /** True probability of the outcome within the horizon, from the mechanism, given the path up to index. */
    trueProbability: z.number().min(0).max(1),
    /** Realised outcome (null when censored under the task's rule). */
    outcome: z.union([z.literal(0), z.literal(1), z.null()]),
    /** The child's recorded path at the index date, as a planner would see it (ages relative to birth). */
    path: PathSchema,
    /** True risk if the service were inserted at the insertion age: one row per (service, ageDays). */
    counterfactuals: z.array(
      z.object({ code: z.string(), ageDays: z.number().int(), trueProbability: z.number().min(0).max(1) }).strict(),
    ),
  })
  .strict();
export type TruthChild = z.infer<typeof TruthChildSchema>;

export const PlantedEffectSchema = z
  .object({
    code: z.string(),
    domain: z.string(),
    relation: z.string(),
    kind: z.enum(['risk_signal', 'protective']),
    /** Log-hazard effect (negative lowers risk); for protective services, at insertion age 0. */
    logHazardEffect: z.number(),
    /** How the effect fades with the age at which the service starts (protective only). */
    timing: z.string().optional(),
  })
  .strict();

/** truth/effects.json */
export const TruthSummarySchema = z
  .object({
    seed: z.number().int(),
    persons: z.number().int(),
    eligibleChildren: z.number().int(),
    outcomeRate: z.number(),
    oracleAuroc: z.number(),
    effects: z.array(PlantedEffectSchema),
  })
  .passthrough();
export type TruthSummary = z.infer<typeof TruthSummarySchema>;

/** truth/dirty-rows.csv columns: file,line,reason_code (line numbers 1-based, header is line 1). */
export const DIRTY_ROWS_COLUMNS = ['file', 'line', 'reason_code'] as const;
