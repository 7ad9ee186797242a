// The canonical data contract (docs/data-contract.md): persons, links, events, observation periods.
// Row schemas take the text of one CSV/NDJSON row (snake_case) and give typed, camelCase records.
import { z } from 'zod';
import { parseBirthDate, parseEventTime, parseIsoDate } from './dates.js';

export const SEXES = ['F', 'M', 'X', 'unknown'] as const;
export const SexSchema = z.enum(SEXES);
export type Sex = z.infer<typeof SexSchema>;

const RELATIONS = ['mother', 'father', 'guardian', 'sibling', 'partner'] as const;
export const RelationSchema = z.enum(RELATIONS);
export type Relation = z.infer<typeof RelationSchema>;

/** Default domains; a deployment may configure more (the list is open). */
export const DEFAULT_DOMAINS = [
  'health',
  'mental_health',
  'substance_abuse',
  'social_work',
  'income_support',
  'early_education',
  'school',
  'child_welfare',
  'employment',
] as const;

/** Opaque id as text: OMOP ids can exceed 2^53, so ids are never parsed as numbers. */
const RawIdSchema = z.string().min(1, 'empty id').max(256, 'id longer than 256 characters');
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v === '' ? undefined : v));

const isoDate = z.string().refine((v) => parseIsoDate(v) !== null, 'not a valid date (YYYY-MM-DD)');
const optionalIsoDate = optionalText.refine((v) => v === undefined || parseIsoDate(v) !== null, 'not a valid date (YYYY-MM-DD)');
const birthDate = z.string().refine((v) => parseBirthDate(v) !== null, 'not a valid date (YYYY-MM or YYYY-MM-DD)');
const eventTime = z.string().refine((v) => parseEventTime(v) !== null, 'not a valid date or date-time (ISO 8601)');

export const PersonRowSchema = z
  .object({
    person_id: RawIdSchema,
    birth_date: birthDate,
    sex: SexSchema,
    area: optionalText,
    language_group: optionalText,
    death_date: optionalIsoDate,
  })
  .strict();
export type PersonRow = z.infer<typeof PersonRowSchema>;

export const LinkRowSchema = z
  .object({
    person_id: RawIdSchema,
    related_id: RawIdSchema,
    relation: RelationSchema,
    start_date: optionalIsoDate,
    end_date: optionalIsoDate,
  })
  .strict();
export type LinkRow = z.infer<typeof LinkRowSchema>;

export const EventRowSchema = z
  .object({
    person_id: RawIdSchema,
    time: eventTime,
    domain: z.string().min(1, 'empty domain'),
    code: z.string().min(1, 'empty code').max(128, 'code longer than 128 characters'),
    value: optionalText,
    end_time: optionalText.refine((v) => v === undefined || parseEventTime(v) !== null, 'not a valid date or date-time'),
    source: optionalText,
  })
  .strict();
export type EventRow = z.infer<typeof EventRowSchema>;

export const ObservationPeriodRowSchema = z
  .object({
    person_id: RawIdSchema,
    start_date: isoDate,
    end_date: isoDate,
  })
  .strict();
export type ObservationPeriodRow = z.infer<typeof ObservationPeriodRowSchema>;

export const TABLES = ['persons', 'links', 'events', 'observation_periods'] as const;
export type TableName = (typeof TABLES)[number];

/** Required and optional columns per table: header checks use these. */
export const TABLE_COLUMNS: Record<TableName, { required: readonly string[]; optional: readonly string[] }> = {
  persons: { required: ['person_id', 'birth_date', 'sex'], optional: ['area', 'language_group', 'death_date'] },
  links: { required: ['person_id', 'related_id', 'relation'], optional: ['start_date', 'end_date'] },
  events: { required: ['person_id', 'time', 'domain', 'code'], optional: ['value', 'end_time', 'source'] },
  observation_periods: { required: ['person_id', 'start_date', 'end_date'], optional: [] },
};
