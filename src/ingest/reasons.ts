// Readable text for each quarantine reason (docs/ingest.md has the same table). None mentions a row's values.
import type { QuarantineReason } from './sources.js';

export const REASON_TEXT: Record<QuarantineReason, string> = {
  ROW_FIELD_COUNT: 'wrong number of fields for the header',
  ROW_BROKEN_QUOTING: 'unterminated or stray quote (RFC 4180)',
  ROW_TOO_LONG: 'line longer than 1 MiB',
  ROW_INVALID_UTF8: 'bytes that are not valid UTF-8',
  ROW_INVALID_JSON: 'NDJSON line that is not a JSON object',
  ROW_MISSING_FIELD: 'a required field is empty or absent',
  ROW_EMPTY_CODE: 'event code is empty',
  ROW_INVALID_VALUE: 'a field fails its schema',
  ROW_DATE_INVALID: 'malformed or impossible date',
  ROW_FUTURE_EVENT: 'date after the extraction date',
  ROW_BEFORE_BIRTH: "event before the person's birth",
  ROW_AFTER_DEATH: "event after the person's death",
  ROW_UNKNOWN_PERSON: 'person_id is not an accepted person',
  ROW_UNKNOWN_DOMAIN: 'domain is not in the configured list',
  ROW_PERSON_CONFLICT: 'another, different row has the same person_id',
  ROW_LINK_UNKNOWN_PERSON: 'link to a person who is not an accepted person',
  ROW_SELF_LINK: 'person linked to themself',
  ROW_FAMILY_CYCLE: 'parent links form a cycle (a person their own ancestor)',
  ROW_PERIOD_INVALID: 'period ends before it starts',
  ROW_BLANK_LINE: 'empty line',
  ROW_PARENT_YOUNGER: 'mother, father or guardian born on or after the person',
  ROW_BIRTH_TOO_EARLY: 'birth date before 1850',
};
