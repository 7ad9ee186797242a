// The scenario's key tables in docs/synthetic-population.md are the reference for every generator coefficient: each
// documented key exists with the documented default, and every key of the scenario (src/synth/scenario.ts) is
// documented. Also the risk-signal, protective-service and order-pair tables against their defaults.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDER_PAIRS } from '../../../src/synth/mechanism-v2.js';
import { PROTECTIVE, riskSignalsOf } from '../../../src/synth/mechanism.js';
import { PROTECTIVE_CODES, resolveScenario } from '../../../src/synth/scenario.js';

const DOC = join(import.meta.dirname, '..', '..', '..', 'docs', 'synthetic-population.md');

/** Keys without a default in the resolved scenario (documented with `-`). */
const OPTIONAL_KEYS = new Set(['v2.order.pairs']);

/** The markdown tables of a document: header cells and body rows (cells trimmed). */
function markdownTables(text: string): { header: string[]; rows: string[][] }[] {
  const tables: { header: string[]; rows: string[][] }[] = [];
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\|/, '')
      .replace(/\|$/, '')
      .split('|')
      .map((c) => c.trim());
  let block: string[] = [];
  const flush = () => {
    if (block.length >= 2) tables.push({ header: cells(block[0]!), rows: block.slice(2).map(cells) });
    block = [];
  };
  for (const line of text.split('\n')) {
    if (line.trimStart().startsWith('|')) block.push(line);
    else flush();
  }
  flush();
  return tables;
}

/** A documented default: `-` (none), a backticked string, true/false, a number, a JSON array or object. */
function parseDefault(cell: string): unknown {
  if (cell === '-') return undefined;
  if (/^`[^`]*`$/.test(cell)) return cell.slice(1, -1);
  if (cell === 'true' || cell === 'false') return cell === 'true';
  if (/^-?\d+(\.\d+)?(e-?\d+)?$/.test(cell)) return Number(cell);
  if (cell.startsWith('[') || cell.startsWith('{')) return JSON.parse(cell);
  throw new Error(`cannot read the default "${cell}"`);
}

/** Every leaf of a resolved scenario by dotted path (arrays and empty objects are leaves). */
function leaves(value: unknown, path: string[] = [], out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, [...path, k], out);
  } else {
    out.set(path.join('.'), value);
  }
  return out;
}

/** The documented keys: every table headed `key` or `key under \`prefix\``, then `default`. */
function documentedKeys(text: string): { key: string; value: unknown }[] {
  const out: { key: string; value: unknown }[] = [];
  for (const t of markdownTables(text)) {
    const m = /^key(?: under `([^`]+)`)?$/.exec(t.header[0]!);
    if (m === null || t.header[1] !== 'default') continue;
    for (const row of t.rows) {
      const key = row[0]!.replace(/^`|`$/g, '');
      out.push({ key: m[1] === undefined ? key : `${m[1]}.${key}`, value: parseDefault(row[1]!) });
    }
  }
  return out;
}

const text = readFileSync(DOC, 'utf8');
const defaults = resolveScenario({});
const tables = markdownTables(text);

describe('docs/synthetic-population.md against the scenario defaults', () => {
  const documented = documentedKeys(text);
  const all = leaves(defaults);
  const scenarioKeys = [...all.keys()].filter((k) => !k.startsWith('generator.riskSignals.'));

  it('documents each key once, with the default the scenario resolves to', () => {
    expect(documented.length).toBeGreaterThan(150);
    const seen = new Set<string>();
    for (const { key, value } of documented) {
      expect(seen.has(key), `${key} documented twice`).toBe(false);
      seen.add(key);
      if (value === undefined) {
        expect(OPTIONAL_KEYS.has(key), `${key} is documented without a default`).toBe(true);
        continue;
      }
      expect(all.has(key), `${key} is documented but not a scenario key`).toBe(true);
      expect(all.get(key), key).toEqual(value);
    }
  });

  it('documents every key of the scenario', () => {
    const seen = new Set(documented.map((d) => d.key));
    const missing = scenarioKeys.filter((k) => !seen.has(k));
    expect(missing).toEqual([]);
    for (const k of OPTIONAL_KEYS) expect(seen.has(k), k).toBe(true);
  });

  it('lists the planted risk signals (generator.riskSignals) in order with their weights and caps', () => {
    const t = tables.find((x) => x.header[0] === 'relation' && x.header[1] === 'code' && x.header[2]!.startsWith('weight'));
    expect(t).toBeDefined();
    const rows = t!.rows.map(([relation, code, weight, cap]) => ({ relation, code, weight: Number(weight), cap: Number(cap) }));
    expect(rows).toEqual(riskSignalsOf(defaults).map((s) => ({ relation: s.relation, code: s.code, weight: s.weight, cap: s.cap })));
  });

  it('lists the protective services with their effects, ages and modifiers (mechanism.ts PROTECTIVE)', () => {
    const t = tables.find((x) => x.header[0]!.startsWith('service'));
    expect(t).toBeDefined();
    const rows = t!.rows.map(([code, relation, effect, tau, ages, modifier]) => {
      const off = /^x([\d.]+) without/.exec(modifier!);
      return { code, relation, effect: Number(effect), tauDays: Number(tau), ages, offTraitFactor: modifier === 'none' ? 1 : Number(off?.[1]) };
    });
    expect(rows).toEqual(PROTECTIVE.map((p) => ({ code: p.code, relation: p.relation, effect: p.effect, tauDays: p.tauDays, ages: `${p.minAgeDays}-${p.maxAgeDays}`, offTraitFactor: p.offTraitFactor })));
    expect([...PROTECTIVE_CODES]).toEqual(PROTECTIVE.map((p) => p.code));
  });

  it('lists the default v2 order pairs', () => {
    const t = tables.find((x) => x.header[0] === 'first' && x.header[1] === 'second');
    expect(t).toBeDefined();
    const side = (cell: string) => {
      const [relation, code] = cell.split(' ');
      return { relation, code };
    };
    const rows = t!.rows.map(([first, second, within, weight, cap]) => ({ first: side(first!), second: side(second!), withinDays: Number(within), weight: Number(weight), cap: Number(cap) }));
    expect(rows).toEqual(DEFAULT_ORDER_PAIRS);
  });
});

describe('the docs check itself', () => {
  it('reads defaults of every kind and fails on a wrong or a missing row', () => {
    expect(parseDefault('`v2`')).toBe('v2');
    expect(parseDefault('-2.2')).toBe(-2.2);
    expect(parseDefault('[14, 30]')).toEqual([14, 30]);
    expect(parseDefault('{}')).toEqual({});
    expect(parseDefault('true')).toBe(true);
    expect(() => parseDefault('0.3/year')).toThrow();
    // A doc whose row says 0.06 where the scenario says 0.05, and which lacks a row, is caught.
    const doc = '| key under `generator.child` | default | unit | what |\n| --- | --- | --- | --- |\n| `CW_NOTIFICATION.perYear` | 0.06 | /year | x |\n';
    const rows = documentedKeys(doc);
    expect(rows).toEqual([{ key: 'generator.child.CW_NOTIFICATION.perYear', value: 0.06 }]);
    expect(leaves(defaults).get(rows[0]!.key)).not.toEqual(rows[0]!.value);
    expect(leaves(defaults).has('generator.child.CW_NOTIFICATION.adversity')).toBe(true);
  });
});
