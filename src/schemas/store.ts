// What the event store gives back for one person (docs/store-format.md). Ids here are pseudonyms.
import { z } from 'zod';
import { RelationSchema, SexSchema } from './data-contract.js';

/** Store-side relation: as in the links table, plus `child`, the inverse of mother/father/guardian. */
const StoreRelationSchema = z.union([RelationSchema, z.literal('child')]);
export type StoreRelation = z.infer<typeof StoreRelationSchema>;

const StoredEventSchema = z
  .object({
    /** UTC day number of the event's date (days since 1970-01-01). */
    day: z.number().int(),
    /** The time as given (ISO date or date-time), kept for audit and sub-day order. */
    time: z.string(),
    domain: z.string(),
    code: z.string(),
    value: z.string().optional(),
    endTime: z.string().optional(),
    source: z.string().optional(),
  })
  .strict();
export type StoredEvent = z.infer<typeof StoredEventSchema>;

const RelativeRefSchema = z
  .object({
    /** The relative's pseudonym. */
    relatedId: z.string(),
    /** What the relative is to this person: `mother` means relatedId is this person's mother. */
    relation: StoreRelationSchema,
    startDay: z.number().int().optional(),
    endDay: z.number().int().optional(),
  })
  .strict();
export type RelativeRef = z.infer<typeof RelativeRefSchema>;

export const PersonHistorySchema = z
  .object({
    /** Keyed pseudonym (hex HMAC-SHA256); never the raw id. */
    personId: z.string(),
    birthDate: z.string(),
    birthDay: z.number().int(),
    sex: SexSchema,
    area: z.string().optional(),
    languageGroup: z.string().optional(),
    deathDay: z.number().int().optional(),
    observationPeriods: z.array(z.object({ startDay: z.number().int(), endDay: z.number().int() }).strict()),
    relatives: z.array(RelativeRefSchema),
    /** Own events ordered by (day, time, domain, code). */
    events: z.array(StoredEventSchema),
  })
  .strict();
export type PersonHistory = z.infer<typeof PersonHistorySchema>;
