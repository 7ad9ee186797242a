// Row-level validation. The zod row schemas of the data contract decide; the fast checks here give the same
// verdict without building a zod result per row (tests/unit/ingest/validate.test.ts holds them to it), and zod
// explains every rejected row. Readers only pass fields named by the table's columns.
import type { z } from 'zod';
import {
  EventRowSchema,
  LinkRowSchema,
  ObservationPeriodRowSchema,
  PersonRowSchema,
  type Relation,
  type Sex,
  TABLE_COLUMNS,
  type TableName,
} from '../schemas/data-contract.js';
import { MAX_YEAR, MIN_YEAR, parseBirthDate, parseEventTime } from '../schemas/dates.js';
import type { QuarantineReason } from './sources.js';

export type Fields = Record<string, string | undefined>;

export interface PersonValue {
  personId: string;
  birthDate: string;
  birthDay: number;
  /** YYYY-MM birth dates stand for the 15th; events from the 1st of that month are not "before birth". */
  birthMonthOnly: boolean;
  sex: Sex;
  area: string | undefined;
  languageGroup: string | undefined;
  deathDay: number | undefined;
}

interface LinkValue {
  personId: string;
  relatedId: string;
  relation: Relation;
  startDay: number | undefined;
  endDay: number | undefined;
}

interface PeriodValue {
  personId: string;
  startDay: number;
  endDay: number;
}

interface EventValue {
  personId: string;
  day: number;
  time: string;
  domain: string;
  code: string;
  value: string | undefined;
  endTime: string | undefined;
  endDay: number | undefined;
  source: string | undefined;
}

interface RowProblem {
  field: string;
  reason: QuarantineReason;
  detail: string;
}

const MAX_ID = 256;
const MAX_CODE = 128;
const SEX_SET: ReadonlySet<string> = new Set(['F', 'M', 'X', 'unknown']);
const RELATION_SET: ReadonlySet<string> = new Set(['mother', 'father', 'guardian', 'sibling', 'partner']);

function okId(v: string | undefined): v is string {
  return v !== undefined && v.length > 0 && v.length <= MAX_ID;
}

/** '' and absent are the same for optional fields (the schemas' optionalText). */
function opt(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** The first day an event may fall on: the 1st of the birth month for YYYY-MM birth dates (stored as the 15th). */
export function earliestBirthDay(birthDay: number, monthOnly: boolean): number {
  return monthOnly ? birthDay - 14 : birthDay;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * YYYY-MM-DD to a day number by arithmetic on the character codes: the same answer as parseIsoDate (years
 * 1..9999, real calendar dates), without a regex or a Date per row. The tests hold the two to agreement.
 */
export function fastIsoDay(t: string): number | null {
  return t.length === 10 ? isoDayAt(t, 0) : null;
}

/** As fastIsoDay, for the 10 characters of `t` from `at` (the caller checks they exist). */
export function isoDayAt(t: string, at: number): number | null {
  if (t.charCodeAt(at + 4) !== 45 || t.charCodeAt(at + 7) !== 45) return null;
  let y = 0;
  for (let i = at; i < at + 4; i++) {
    const c = t.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    y = y * 10 + c;
  }
  const m1 = t.charCodeAt(at + 5) - 48;
  const m2 = t.charCodeAt(at + 6) - 48;
  const d1 = t.charCodeAt(at + 8) - 48;
  const d2 = t.charCodeAt(at + 9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return null;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return null;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (d > (m === 2 && leap ? 29 : DAYS_IN_MONTH[m]!)) return null;
  // Days from civil (H. Hinnant), for years >= 1 so every quotient is non-negative.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}



function eventDay(text: string): number | null {
  return text.length === 10 ? fastIsoDay(text) : parseEventTime(text);
}

export function checkPersonFields(f: Fields): PersonValue | null {
  const personId = f['person_id'];
  const birthDate = f['birth_date'];
  const sex = f['sex'];
  if (!okId(personId) || birthDate === undefined || sex === undefined || !SEX_SET.has(sex)) return null;
  const birthDay = birthDate.length === 10 ? fastIsoDay(birthDate) : parseBirthDate(birthDate);
  if (birthDay === null) return null;
  const death = opt(f['death_date']);
  let deathDay: number | undefined;
  if (death !== undefined) {
    const d = fastIsoDay(death);
    if (d === null) return null;
    deathDay = d;
  }
  return {
    personId,
    birthDate,
    birthDay,
    birthMonthOnly: birthDate.length === 7,
    sex: sex as Sex,
    area: opt(f['area']),
    languageGroup: opt(f['language_group']),
    deathDay,
  };
}

export function checkLinkFields(f: Fields): LinkValue | null {
  const personId = f['person_id'];
  const relatedId = f['related_id'];
  const relation = f['relation'];
  if (!okId(personId) || !okId(relatedId) || relation === undefined || !RELATION_SET.has(relation)) return null;
  const start = opt(f['start_date']);
  const end = opt(f['end_date']);
  const startDay = start === undefined ? undefined : fastIsoDay(start);
  const endDay = end === undefined ? undefined : fastIsoDay(end);
  if (startDay === null || endDay === null) return null;
  return { personId, relatedId, relation: relation as Relation, startDay, endDay };
}

export function checkPeriodFields(f: Fields): PeriodValue | null {
  const personId = f['person_id'];
  const start = f['start_date'];
  const end = f['end_date'];
  if (!okId(personId) || start === undefined || end === undefined) return null;
  const startDay = fastIsoDay(start);
  const endDay = fastIsoDay(end);
  if (startDay === null || endDay === null) return null;
  return { personId, startDay, endDay };
}

export function checkEventFields(f: Fields): EventValue | null {
  const personId = f['person_id'];
  const time = f['time'];
  const domain = f['domain'];
  const code = f['code'];
  if (!okId(personId) || time === undefined || domain === undefined || domain === '') return null;
  if (code === undefined || code === '' || code.length > MAX_CODE) return null;
  const day = eventDay(time);
  if (day === null) return null;
  const endTime = opt(f['end_time']);
  let endDay: number | undefined;
  if (endTime !== undefined) {
    const d = eventDay(endTime);
    if (d === null) return null;
    endDay = d;
  }
  return { personId, day, time, domain, code, value: opt(f['value']), endTime, endDay, source: opt(f['source']) };
}

const SCHEMAS: Record<TableName, z.ZodType> = {
  persons: PersonRowSchema,
  links: LinkRowSchema,
  events: EventRowSchema,
  observation_periods: ObservationPeriodRowSchema,
};

const DATE_FIELDS: ReadonlySet<string> = new Set(['birth_date', 'death_date', 'start_date', 'end_date', 'time', 'end_time']);

/** Why a row fails its table's schema: the first problem in column order, or null when the schema accepts it. */
export function explainRow(table: TableName, f: Fields): RowProblem | null {
  for (const column of TABLE_COLUMNS[table].required) {
    const v = f[column];
    if (v === undefined || v === '') {
      return column === 'code'
        ? { field: column, reason: 'ROW_EMPTY_CODE', detail: 'code is empty' }
        : { field: column, reason: 'ROW_MISSING_FIELD', detail: `${column} is empty or absent` };
    }
  }
  const result = SCHEMAS[table].safeParse(f);
  if (result.success) return null;
  const issue = result.error.issues[0]!;
  const keys = (issue as { keys?: string[] }).keys;
  const field = issue.path.length > 0 ? String(issue.path[0]) : (keys?.[0] ?? '');
  const reason: QuarantineReason = DATE_FIELDS.has(field) ? 'ROW_DATE_INVALID' : 'ROW_INVALID_VALUE';
  return { field, reason, detail: `${field}: ${issue.message}` };
}

/** explainRow for a row the fast check rejected; should zod accept it after all, a generic problem. */
export function rowProblem(table: TableName, f: Fields): RowProblem {
  return explainRow(table, f) ?? { field: '', reason: 'ROW_INVALID_VALUE', detail: 'row failed validation' };
}
