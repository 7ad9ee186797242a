// Calendar helpers on UTC day numbers (days since 1970-01-01). Every date in the project passes through here.

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;
const ISO_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Years a date may have: any four-digit ISO year from 1 (plausibility is the ingest's, with its own reasons). */
export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;

function validYmd(y: number, m: number, d: number): number | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < MIN_YEAR || y > MAX_YEAR) return null;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0-99 as 1900-1999.
  const back = new Date(0);
  back.setUTCFullYear(y, m - 1, d);
  const ms = back.getTime();
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return null;
  return Math.floor(ms / DAY_MS);
}

/** YYYY-MM-DD to a day number, or null if malformed or impossible (2019-02-30). */
export function parseIsoDate(text: string): number | null {
  const m = ISO_DATE.exec(text);
  if (m === null) return null;
  return validYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** YYYY-MM (taken as the 15th, mid-month) or YYYY-MM-DD to a day number, or null. */
export function parseBirthDate(text: string): number | null {
  const month = ISO_MONTH.exec(text);
  if (month !== null) return validYmd(Number(month[1]), Number(month[2]), 15);
  return parseIsoDate(text);
}

/** ISO date or date-time to the day number of its calendar date (the local date as written), or null. */
export function parseEventTime(text: string): number | null {
  if (text.length === 10) return parseIsoDate(text);
  const m = ISO_DATETIME.exec(text);
  if (m === null) return null;
  const h = Number(m[4]);
  const min = Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (h > 23 || min > 59 || s > 60) return null;
  return validYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function dayToIso(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function isoToDay(text: string): number {
  const day = parseIsoDate(text);
  if (day === null) throw new RangeError(`not a valid ISO date: ${text}`);
  return day;
}

export const DAYS_PER_YEAR = 365.25;
