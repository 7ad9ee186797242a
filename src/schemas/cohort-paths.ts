// cohort-paths.json: anonymised, coarsened path prefixes shared by at least k persons (docs/interventions.md).
// Every count is rounded; every count or rate comes with its own group of at least k persons, or is suppressed.
import { z } from 'zod';
import { DisclosureRulesSchema, MIN_K, OUTCOME_SUPPRESSIONS } from './disclosure.js';
import { PathSchema } from './path.js';

/** Privacy floor: no deployment may publish groups smaller than this (DESIGN.md, cohort paths and privacy). */
export const MIN_COHORT_K = MIN_K;

/**
 * The rules the file was made under (src/privacy): k, minCount, roundTo. Files written before minCount was
 * recorded read as minCount 5 (the default), and the privacy check holds them to it.
 */
export const CohortPrivacySchema = DisclosureRulesSchema;

/** A published outcome rate, or null with the reason it is hidden ("<minCount" with or without the outcome). */
const outcomeFields = {
  /** Observed outcome rate, rounded to 0.01; null when hidden. */
  outcomeRate: z.number().min(0).max(1).nullable(),
  outcomeSuppressed: z.enum(OUTCOME_SUPPRESSIONS).optional(),
};

/** A group of persons with its rounded size and outcome rate, or a marker that it is too small to show. */
export const GroupStatSchema = z.union([
  z
    .object({
      /** Rounded to `roundTo`, at least k. */
      persons: z.number().int().min(0),
      ...outcomeFields,
    })
    .strict(),
  z.object({ suppressed: z.literal(true), reason: z.enum(['group', 'secondary']).optional() }).strict(),
]);
export type GroupStat = z.infer<typeof GroupStatSchema>;

/** One coarsened age band of a prefix: the event groups (relation group : domain) seen in it, sorted. */
const CohortStepSchema = z
  .object({
    band: z.string(),
    groups: z.array(z.string()),
  })
  .strict();

const FollowedBySchema = z
  .object({
    code: z.string(),
    label: z.string(),
    /** Those of the cohort path who got the service after the prefix (before the index date). */
    received: GroupStatSchema,
    /**
     * Those who did not get it by their index date (those who got it before the prefix ended are on neither side).
     * Both sides are suppressed when either is below k, or when the rest of the cohort path (those who got it
     * earlier) would be a group below k (secondary suppression).
     */
    notReceived: GroupStatSchema,
  })
  .strict();
export type FollowedBy = z.infer<typeof FollowedBySchema>;

export const CohortPathSchema = z
  .object({
    /** Stable id derived from the coarsened prefix (never from persons). */
    id: z.string(),
    /** The last age band the prefix covers; the prefix holds every band from the first up to this one. */
    throughBand: z.string(),
    steps: z.array(CohortStepSchema).min(1),
    /** Rounded to `roundTo`, at least k. */
    persons: z.number().int().min(0),
    ...outcomeFields,
    /** Mean predicted risk (the model's, at the index date) of the persons sharing the prefix; rounded to 0.001. */
    meanPredictedRisk: z.number().min(0).max(1),
    followedBy: z.array(FollowedBySchema),
    /** A path planners can open and score: one event per group at the band's midpoint. */
    representative: PathSchema,
  })
  .strict();
export type CohortPath = z.infer<typeof CohortPathSchema>;

const AgeBandSchema = z
  .object({
    name: z.string(),
    /** Inclusive lower bound (days); null for the open first band (before birth). */
    fromAgeDays: z.number().int().nullable(),
    /** Exclusive upper bound (days); null for the open last band. */
    toAgeDays: z.number().int().nullable(),
  })
  .strict();
export type AgeBand = z.infer<typeof AgeBandSchema>;

export const CohortPathsFileSchema = z
  .object({
    formatVersion: z.literal(1),
    privacy: CohortPrivacySchema,
    /** How codes were generalised, in words (docs/interventions.md). */
    grouping: z.string(),
    bands: z.array(AgeBandSchema).min(1),
    /** Rounded number of training persons the paths were mined from (at least k). */
    sourcePersons: z.number().int().min(0),
    paths: z.array(CohortPathSchema),
  })
  .strict()
  .superRefine((file, ctx) => {
    const { k, roundTo } = file.privacy;
    const checkCount = (n: number, path: (string | number)[]) => {
      if (n < k || n % roundTo !== 0) {
        ctx.addIssue({ code: 'custom', path, message: `count must be a multiple of ${roundTo} and at least k=${k}` });
      }
    };
    file.paths.forEach((p, i) => {
      checkCount(p.persons, ['paths', i, 'persons']);
      p.followedBy.forEach((f, j) => {
        if ('persons' in f.received) checkCount(f.received.persons, ['paths', i, 'followedBy', j, 'received', 'persons']);
        if ('persons' in f.notReceived) checkCount(f.notReceived.persons, ['paths', i, 'followedBy', j, 'notReceived', 'persons']);
      });
    });
  });
export type CohortPathsFile = z.infer<typeof CohortPathsFileSchema>;
