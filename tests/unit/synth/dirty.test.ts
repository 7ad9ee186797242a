// --dirty-rate: the listed rows are exactly the rows an independent check finds defective, with the listed reason.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { QUARANTINE_REASONS } from '../../../src/ingest/sources.js';
import { DEFAULT_DOMAINS } from '../../../src/schemas/data-contract.js';
import { parseIsoDate } from '../../../src/schemas/dates.js';
import { generate, readCsv } from './helpers.js';

/** An independent, minimal version of the ingest's row checks for the kinds the generator plants. */
function defects(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const persons = readCsv(join(dir, 'persons.csv'));
  const birth = new Map<string, number>();
  const death = new Map<string, number>();
  persons.rows.forEach((r, i) => {
    const b = parseIsoDate(r[1]!);
    if (b === null) found.set(`persons.csv:${i + 2}`, 'ROW_DATE_INVALID');
    else birth.set(r[0]!, b);
    if (r[5] !== '') death.set(r[0]!, parseIsoDate(r[5]!)!);
  });
  readCsv(join(dir, 'events.csv')).rows.forEach((r, i) => {
    const key = `events.csv:${i + 2}`;
    const [id, time, domain, code] = r;
    const day = parseIsoDate(time!);
    if (day === null) found.set(key, 'ROW_DATE_INVALID');
    else if (code === '') found.set(key, 'ROW_EMPTY_CODE');
    else if (!(DEFAULT_DOMAINS as readonly string[]).includes(domain!)) found.set(key, 'ROW_UNKNOWN_DOMAIN');
    else if (!birth.has(id!)) found.set(key, 'ROW_UNKNOWN_PERSON');
    else if (day < birth.get(id!)!) found.set(key, 'ROW_BEFORE_BIRTH');
    else if (death.has(id!) && day > death.get(id!)!) found.set(key, 'ROW_AFTER_DEATH');
  });
  readCsv(join(dir, 'links.csv')).rows.forEach((r, i) => {
    if (r[0] === r[1]) found.set(`links.csv:${i + 2}`, 'ROW_SELF_LINK');
    else if (!birth.has(r[1]!)) found.set(`links.csv:${i + 2}`, 'ROW_LINK_UNKNOWN_PERSON');
  });
  readCsv(join(dir, 'observation_periods.csv')).rows.forEach((r, i) => {
    if (parseIsoDate(r[2]!)! < parseIsoDate(r[1]!)!) found.set(`observation_periods.csv:${i + 2}`, 'ROW_PERIOD_INVALID');
  });
  return found;
}

describe('dirty rows', () => {
  const g = generate(1500, 3, {}, 0.01);
  afterAll(() => g.cleanup());

  it('lists exactly the defective rows, each with its reason', () => {
    const listed = readCsv(join(g.dir, 'truth', 'dirty-rows.csv'));
    expect(listed.header).toEqual(['file', 'line', 'reason_code']);
    const expected = new Map(listed.rows.map(([file, line, reason]) => [`${file}:${line}`, reason!]));
    expect(expected.size).toBe(listed.rows.length);
    expect(expected.size).toBe(g.result.dirtyRows);
    expect(expected.size).toBeGreaterThan(500);
    expect(defects(g.dir)).toEqual(expected);
    for (const reason of expected.values()) expect(QUARANTINE_REASONS as readonly string[]).toContain(reason);
    expect(new Set(expected.values()).size).toBeGreaterThanOrEqual(8);
  });

  it('leaves the clean rows as they are without --dirty-rate', () => {
    const clean = generate(1500, 3);
    try {
      const dirtyLines = new Set(readCsv(join(g.dir, 'truth', 'dirty-rows.csv')).rows.filter((r) => r[0] === 'events.csv').map((r) => Number(r[1])));
      const kept = readFileSync(join(g.dir, 'events.csv'), 'utf8').split('\n').filter((_, i) => !dirtyLines.has(i + 1));
      expect(kept.join('\n')).toBe(readFileSync(join(clean.dir, 'events.csv'), 'utf8'));
    } finally {
      clean.cleanup();
    }
  });
});
