import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generate } from './helpers.js';

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)).map((f) => join(e.name, f)) : [e.name])).sort();
}

describe('synth determinism', () => {
  const a = generate(600, 11, {}, 0.01);
  const b = generate(600, 11, {}, 0.01);
  const c = generate(600, 12, {}, 0.01);
  afterAll(() => {
    for (const g of [a, b, c]) g.cleanup();
  });

  it('writes byte-identical files for the same seed', () => {
    const names = files(a.dir);
    expect(names).toEqual(files(b.dir));
    expect(names).toContain(join('truth', 'dirty-rows.csv'));
    for (const name of names) expect(readFileSync(join(b.dir, name)).equals(readFileSync(join(a.dir, name))), name).toBe(true);
  });

  it('writes a different population for another seed', () => {
    expect(readFileSync(join(c.dir, 'events.csv')).equals(readFileSync(join(a.dir, 'events.csv')))).toBe(false);
    expect(c.result.persons).toBe(600);
  });

  it('writes exactly --persons persons', () => {
    const ids = readFileSync(join(a.dir, 'persons.csv'), 'utf8').trim().split('\n').slice(1).filter((l) => l.startsWith('p'));
    expect(ids).toHaveLength(600);
    expect(a.result.persons).toBe(600);
  });
});
