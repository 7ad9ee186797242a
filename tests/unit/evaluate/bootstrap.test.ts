import { describe, expect, it } from 'vitest';
import { auroc, bootstrapCi, brier, createRng, resampleIndices } from '../../../src/evaluate/index.js';

function sample(n: number, seed: number) {
  const rng = createRng(seed);
  const p = Array.from({ length: n }, () => rng());
  const y = p.map((v) => (rng() < v ? 1 : 0));
  return { y, p };
}

describe('bootstrapCi', () => {
  const { y, p } = sample(400, 7);

  it('is deterministic for a seed and changes with the seed', () => {
    const a = bootstrapCi(y, p, auroc, { seed: 1 });
    const b = bootstrapCi(y, p, auroc, { seed: 1 });
    const c = bootstrapCi(y, p, auroc, { seed: 2 });
    expect(a).toEqual(b);
    expect(c.lower).not.toBe(a.lower);
  });

  it('gives an interval that contains the point estimate', () => {
    for (const metric of [auroc, brier]) {
      const ci = bootstrapCi(y, p, metric, { seed: 3, samples: 200 });
      expect(ci.replicates).toBe(200);
      expect(ci.lower!).toBeLessThan(ci.estimate!);
      expect(ci.upper!).toBeGreaterThan(ci.estimate!);
    }
  });

  it('narrows as alpha grows', () => {
    const wide = bootstrapCi(y, p, auroc, { seed: 4, alpha: 0.01 });
    const narrow = bootstrapCi(y, p, auroc, { seed: 4, alpha: 0.5 });
    expect(wide.upper! - wide.lower!).toBeGreaterThan(narrow.upper! - narrow.lower!);
  });

  it('widens when resampling clusters of identical members instead of persons', () => {
    // Every family holds 4 copies of one person: the cluster bootstrap sees 100 units, the person one 400.
    const base = sample(100, 9);
    const yy = base.y.flatMap((v) => [v, v, v, v]);
    const pp = base.p.flatMap((v) => [v, v, v, v]);
    const clusters = base.y.flatMap((_, f) => [`f${f}`, `f${f}`, `f${f}`, `f${f}`]);
    const persons = bootstrapCi(yy, pp, auroc, { seed: 5 });
    const families = bootstrapCi(yy, pp, auroc, { seed: 5, clusters });
    expect(families.upper! - families.lower!).toBeGreaterThan(1.5 * (persons.upper! - persons.lower!));
  });

  it('rejects mismatched lengths with a catalogued error naming the field', () => {
    expect(() => bootstrapCi([1, 0], [0.5], auroc, { seed: 1 })).toThrow(expect.objectContaining({ code: 'EVALUATE_INPUT_INVALID' }));
    expect(() => bootstrapCi([1, 0], [0.5, 0.2], auroc, { seed: 1, clusters: ['a'] })).toThrow(/clusters/);
  });
});

describe('resampleIndices', () => {
  it('keeps the members of a cluster together', () => {
    const clusters = ['a', 'a', 'b', 'c', 'c', 'c'];
    for (const idx of resampleIndices(6, { samples: 20, seed: 11, clusters })) {
      const count = (i: number) => idx.filter((v) => v === i).length;
      expect(count(0)).toBe(count(1));
      expect(count(3)).toBe(count(4));
      expect(count(4)).toBe(count(5));
    }
  });

  it('draws as many units as there are', () => {
    for (const idx of resampleIndices(50, { samples: 5, seed: 12 })) expect(idx.length).toBe(50);
  });
});
