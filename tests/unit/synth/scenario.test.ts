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

  it('reports a missing file with FILE_NOT_FOUND', () => {
    expect(() => loadScenario(join(dir, 'nope.yaml'))).toThrow(/not found/);
  });
});
