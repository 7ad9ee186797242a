// One NDJSON line to a row's text fields. Ids must be strings or safe integers: a JSON number beyond 2^53 has
// already lost digits when parsed, so it is refused rather than silently merged with another person.
import { TABLE_COLUMNS, type TableName } from '../schemas/data-contract.js';
import type { QuarantineReason } from './sources.js';

const ID_FIELDS: ReadonlySet<string> = new Set(['person_id', 'related_id']);

const known = (t: TableName): ReadonlySet<string> => new Set([...TABLE_COLUMNS[t].required, ...TABLE_COLUMNS[t].optional]);
const KNOWN: Record<TableName, ReadonlySet<string>> = {
  persons: known('persons'),
  links: known('links'),
  events: known('events'),
  observation_periods: known('observation_periods'),
};

type NdjsonResult =
  | { fields: Record<string, string> }
  | { reason: QuarantineReason; field?: string; detail?: string };

/** JSON null (or an absent key) means an empty field; numbers become their JSON text; other types are refused. */
export function ndjsonFields(text: string, table: TableName): NdjsonResult {
  if (text.trim() === '') return { reason: 'ROW_BLANK_LINE' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { reason: 'ROW_INVALID_JSON', detail: 'not valid JSON' };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { reason: 'ROW_INVALID_JSON', detail: 'not a JSON object' };
  }
  const columns = KNOWN[table];
  const fields: Record<string, string> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!columns.has(key)) return { reason: 'ROW_INVALID_VALUE', field: key.slice(0, 64), detail: `unknown field for ${table}` };
    if (v === null) continue;
    if (typeof v === 'string') {
      fields[key] = v;
    } else if (typeof v === 'number' && Number.isFinite(v)) {
      if (ID_FIELDS.has(key) && !Number.isSafeInteger(v)) {
        return { reason: 'ROW_INVALID_VALUE', field: key, detail: `${key} is a JSON number beyond 2^53; write ids as strings` };
      }
      fields[key] = String(v);
    } else {
      return { reason: 'ROW_INVALID_VALUE', field: key, detail: `${key} must be a string, a number or null` };
    }
  }
  return { fields };
}
