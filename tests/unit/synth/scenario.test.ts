import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isServicepathError } from '../../../src/errors/index.js';
import { resolveProtective } from '../../../src/synth/mechanism.js';
import { loadScenario, resolveScenario } from '../../../src/synth/scenario.js';

describe('scenario files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synth-scenario-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads YAML overrides and keeps the defaults elsewhere', () => {
    const file = join(dir, 's.yaml');
    writeFileSync(file, 'baseRate: 0.12\nprotective:\n  FAMILY_WORK:\n    effect: 0.9\n');
    const s = loadScenario(file);
    expect(s.baseRate).toBe(0.12);
    expect(s.horizonDays).toBe(1096);
    expect(resolveProtective(s).find((p) => p.code === 'FAMILY_WORK')!.effect).toBe(0.9);
  });

  it('fails on unknown keys and out-of-range values with CONFIG_INVALID naming the field', () => {
    for (const [input, field] of [
      [{ baseRat: 0.1 }, '(root)'],
      [{ baseRate: 0.9 }, 'baseRate'],
      [{ noise: { missingRate: 0.1, extra: 1 } }, 'noise'],
    ] as const) {
      try {
        resolveScenario(input as never, 'x.yaml');
        expect.unreachable();
      } catch (err) {
        expect(isServicepathError(err) && err.code).toBe('CONFIG_INVALID');
        expect((err as Error).message).toContain(field);
      }
    }
  });

  it('refuses bad v2 settings with the key path and the allowed range', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ v2: { recency: { halfLifeDays: { crisis: -5 } } } }, 'v2/recency/halfLifeDays/crisis', />=\s*1/],
      [{ v2: { confounding: { gamma: -0.1 } } }, 'v2/confounding/gamma', />=\s*0/],
      [{ v2: { recency: { share: 1.5 } } }, 'v2/recency/share', /<=\s*1/],
      [{ v2: { strain: { relief: 2 } } }, 'v2/strain/relief', /<=\s*1/],
      [{ v2: { strain: { speed: 1 } } }, 'v2/strain', /speed/],
      [{ mechanism: 'additive', v2: { strain: { enabled: false } } }, 'v2', /contradict mechanism: additive/],
      [{ v2: { escalation: { recentDays: 900 } }, lookbackDays: 800 }, 'v2/escalation/recentDays', /below lookbackDays \(800\)/],
      [{ v2: { order: { pairs: [{ first: { relation: 'self', code: 'NOPE' }, second: { relation: 'mother', code: 'MH_CRISIS' }, withinDays: 30, weight: 0.5 }] } } }, 'v2/order/pairs/0/first/code', /unknown code "NOPE"/],
      [{ mechanism: 'v3' }, 'mechanism', /additive|v2/],
    ];
    for (const [input, path, range] of cases) {
      try {
        resolveScenario(input as never, 'x.yaml');
        expect.unreachable(JSON.stringify(input));
      } catch (err) {
        expect(isServicepathError(err) && err.code, JSON.stringify(input)).toBe('CONFIG_INVALID');
        expect((err as Error).message, JSON.stringify(input)).toContain(path);
        expect((err as Error).message, JSON.stringify(input)).toMatch(range);
      }
    }
  });

  it('names the built-in scenarios and fills the v2 defaults', () => {
    expect(loadScenario('additive').mechanism).toBe('additive');
    expect(loadScenario('additive').v2).toBeUndefined();
    const v2 = loadScenario('v2');
    expect(v2.mechanism).toBe('v2');
    expect(v2.v2?.strain.halfLifeDays).toBe(120);
    expect(resolveScenario({}).mechanism).toBe('v2');
  });

  it('reports a missing file with FILE_NOT_FOUND', () => {
    expect(() => loadScenario(join(dir, 'nope.yaml'))).toThrow(/not found/);
  });
});
