import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isServicepathError } from '../../../src/errors/index.js';
import { resolveProtective } from '../../../src/synth/mechanism.js';
import { loadScenario, resolveScenario } from '../../../src/synth/scenario.js';
import { generate } from './helpers.js';

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
      [{ v2: { strain: { impulses: { MH_CRISIS: 9 } } } }, 'v2/strain/impulses/MH_CRISIS', /<=\s*5/],
      [{ v2: { runs: { followUpMinDays: 40 } } }, 'v2/runs/followUpMinDays', /at most followUpDays \(30\)/],
      [{ v2: { escalation: { smoothing: 0 } } }, 'v2/escalation/smoothing', />\s*0/],
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

  it('refuses bad generator coefficients with CONFIG_INVALID naming the key path', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ generator: { child: { CW_NOTIFICATION: { perYear: -1 } } } }, 'generator/child/CW_NOTIFICATION/perYear', />=\s*0/],
      [{ generator: { adult: { MH_CRISIS: { traitMultiplier: 1000 } } } }, 'generator/adult/MH_CRISIS/traitMultiplier', /<=\s*100/],
      [{ generator: { outcome: { placementShare: 1.2 } } }, 'generator/outcome/placementShare', /<=\s*1/],
      [{ generator: { family: { motherAge: { minYears: 45 } } } }, 'generator/family/motherAge/maxYears', /at least minYears/],
      [{ generator: { services: { FAMILY_WORK: { afterNotification: { minDays: 50, maxDays: 10 } } } } }, 'generator/services/FAMILY_WORK/afterNotification/maxDays', /at least minDays/],
      [{ generator: { child: { DEV_CONCERN: { fromAgeDays: 3000 } } } }, 'generator/child/DEV_CONCERN/toAgeDays', /at least fromAgeDays/],
      [{ generator: { riskSignals: { self: { CW_NOTIFICATION: { cap: 0 } } } } }, 'generator/riskSignals/self/CW_NOTIFICATION/cap', />=\s*1/],
      [{ generator: { riskSignals: { self: { BIRTH: { weight: 1 } } } } }, 'generator/riskSignals/self', /BIRTH/],
      [{ generator: { child: { CW_NOTIFICATON: { perYear: 0.1 } } } }, 'generator/child', /CW_NOTIFICATON/],
      [{ generator: { historyDays: 1.5 } }, 'generator/historyDays', /int/],
      [{ protective: { NOPE: { effect: 0.1 } } }, 'protective/NOPE', /not a catalogue service/],
      [{ protective: { EE_SUPPORT: { offTraitFactor: 2 } } }, 'protective/EE_SUPPORT/offTraitFactor', /<=\s*1/],
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

describe('generator coefficients in a scenario file', () => {
  const count = (dir: string, code: string) => readFileSync(join(dir, 'events.csv'), 'utf8').split('\n').filter((l) => l.endsWith(`,${code}`)).length;
  const effects = (dir: string) => JSON.parse(readFileSync(join(dir, 'truth', 'effects.json'), 'utf8')) as { scenario: Record<string, unknown>; effects: { code: string; relation: string; kind: string; logHazardEffect: number }[] };
  const base = generate(600, 5, { mechanism: 'additive' });
  const v2Base = generate(600, 5, {});
  afterAll(() => {
    base.cleanup();
    v2Base.cleanup();
  });

  it('a file overriding an event rate changes the events, and effects.json records only the changed coefficient', () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-scenario-'));
    const file = join(dir, 's.yaml');
    writeFileSync(file, 'mechanism: additive\ngenerator:\n  child:\n    CW_NOTIFICATION:\n      perYear: 0.25\n');
    const more = generate(600, 5, loadScenario(file) as never);
    try {
      expect(count(more.dir, 'CW_NOTIFICATION')).toBeGreaterThan(2 * count(base.dir, 'CW_NOTIFICATION'));
      expect(effects(more.dir).scenario.generator).toEqual({ child: { CW_NOTIFICATION: { perYear: 0.25 } } });
      expect(effects(base.dir).scenario).not.toHaveProperty('generator');
    } finally {
      more.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a risk-signal weight changes the planted effect and the true risks', () => {
    const heavier = generate(600, 5, { mechanism: 'additive', generator: { riskSignals: { mother: { MH_CRISIS: { weight: 0.9 } } } } });
    try {
      const crisis = (dir: string) => effects(dir).effects.find((e) => e.kind === 'risk_signal' && e.code === 'MH_CRISIS' && e.relation === 'mother')!.logHazardEffect;
      expect(crisis(base.dir)).toBe(0.25);
      expect(crisis(heavier.dir)).toBe(0.9);
      // Same service events (the weights do not draw), other true probabilities (and so other outcomes).
      const services = (dir: string) => readFileSync(join(dir, 'events.csv'), 'utf8').split('\n').filter((l) => !/,CW_(OPEN_CARE|PLACEMENT)$/.test(l));
      expect(services(heavier.dir)).toEqual(services(base.dir));
      expect(readFileSync(join(heavier.dir, 'truth', 'children.ndjson'), 'utf8')).not.toBe(readFileSync(join(base.dir, 'truth', 'children.ndjson'), 'utf8'));
    } finally {
      heavier.cleanup();
    }
  });

  it('a v2 strain impulse changes the v2 world; effects.json records it under v2 only when changed', () => {
    const stronger = generate(600, 5, { v2: { strain: { impulses: { CW_NOTIFICATION: 2 } } } });
    try {
      expect(count(stronger.dir, 'CW_NOTIFICATION')).toBeGreaterThan(count(v2Base.dir, 'CW_NOTIFICATION'));
      const strain = (dir: string) => ((effects(dir).scenario.v2 as Record<string, unknown>).strain as Record<string, unknown>).impulses;
      expect(strain(stronger.dir)).toEqual({ CW_NOTIFICATION: 2 });
      expect(strain(v2Base.dir)).toBeUndefined();
    } finally {
      stronger.cleanup();
    }
  });
});
