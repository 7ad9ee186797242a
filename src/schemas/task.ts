// Prediction task spec (JSON or YAML): who, when (index), what came before (lookback), what is predicted.
import { z } from 'zod';
import { parseIsoDate } from './dates.js';

const isoDate = z.string().refine((v) => parseIsoDate(v) !== null, 'not a valid date (YYYY-MM-DD)');

const IndexRuleSchema = z.discriminatedUnion('rule', [
  /** Index at a given age, e.g. the third birthday (ageDays 1096). */
  z.object({ rule: z.literal('age'), ageDays: z.number().int().min(0).max(36_500) }).strict(),
  /** Index on a calendar date, the same for everyone. */
  z.object({ rule: z.literal('date'), date: isoDate }).strict(),
  /** Index at the person's first event with one of these codes. */
  z
    .object({
      rule: z.literal('first_event'),
      codes: z.array(z.string().min(1)).min(1),
      domain: z.string().min(1).optional(),
    })
    .strict(),
]);

export const TaskSpecSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lowercase letters, digits, _ and -'),
    description: z.string().max(2000).default(''),
    eligibility: z
      .object({
        /** Born on or after / before these dates (inclusive), when given. */
        bornFrom: isoDate.optional(),
        bornTo: isoDate.optional(),
        /** Minimum days of observation before the index date. */
        minObservationDays: z.number().int().min(0).default(0),
        /** Alive and inside an observation period on the index date. */
        requireObservedAtIndex: z.boolean().default(true),
        minAgeDays: z.number().int().min(0).optional(),
        maxAgeDays: z.number().int().min(0).optional(),
      })
      .strict()
      .default({ minObservationDays: 0, requireObservedAtIndex: true }),
    index: IndexRuleSchema,
    /** Events with index - lookbackDays <= day <= index are used (own and relatives'). */
    lookbackDays: z.number().int().min(1).max(36_500),
    outcome: z
      .object({
        codes: z.array(z.string().min(1)).min(1),
        domains: z.array(z.string().min(1)).optional(),
      })
      .strict(),
    /** The outcome counts when it falls in (index, index + horizonDays]. */
    horizonDays: z.number().int().min(1).max(36_500),
    /** Drop people whose outcome happened on or before the index date. */
    excludePriorOutcome: z.boolean().default(true),
    /**
     * `exclude`: people observed for less than the horizon after index without the outcome are excluded (and counted).
     * `negative`: they count as negatives (biased; for comparison only).
     */
    censoring: z.enum(['exclude', 'negative']).default('exclude'),
    family: z
      .object({
        /** Whose events join the person's path. */
        relations: z.array(z.enum(['mother', 'father', 'guardian', 'sibling', 'partner'])).default(['mother', 'father', 'sibling']),
      })
      .strict()
      .default({ relations: ['mother', 'father', 'sibling'] }),
    /** Codes seen in fewer than this many persons fold into a per-domain <rare> token. */
    minPersonsPerCode: z.number().int().min(1).default(10),
  })
  .strict()
  .superRefine((task, ctx) => {
    const { bornFrom, bornTo, minAgeDays, maxAgeDays } = task.eligibility;
    if (bornFrom !== undefined && bornTo !== undefined && bornFrom > bornTo) {
      ctx.addIssue({ code: 'custom', path: ['eligibility', 'bornTo'], message: 'bornTo is before bornFrom' });
    }
    if (minAgeDays !== undefined && maxAgeDays !== undefined && minAgeDays > maxAgeDays) {
      ctx.addIssue({ code: 'custom', path: ['eligibility', 'maxAgeDays'], message: 'maxAgeDays is below minAgeDays' });
    }
    if (task.eligibility.minObservationDays > task.lookbackDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['eligibility', 'minObservationDays'],
        message: 'minObservationDays exceeds lookbackDays',
      });
    }
  });
export type TaskSpec = z.infer<typeof TaskSpecSchema>;
