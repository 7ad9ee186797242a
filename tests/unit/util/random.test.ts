// The seeded streams are pinned: the sample data and test figures depend on them, so these values (taken from the
// generators before they were merged into one module) must never change.
import { describe, expect, it } from 'vitest';
import { createRng as bootstrapRng } from '../../../src/evaluate/index.js';
import { createRng, mix32, mulberry32, Rng, shuffled } from '../../../src/util/random.js';

describe('seeded streams', () => {
  it('sfc32 (the population generator) and its splitmix32 seeding', () => {
    const r = new Rng(42, 1, 3);
    expect([r.nextU32(), r.nextU32(), r.nextU32()]).toEqual([840848607, 2011118498, 279644208]);
    expect([mix32(0), mix32(12345)]).toEqual([2462723854, 1200724404]);
  });

  it('mulberry32 from a scrambled seed, continued exactly from a saved state', () => {
    const r = createRng(7);
    expect([r.next(), r.next(), r.next()]).toEqual([0.08034278824925423, 0.40368119510822, 0.8389868126250803]);
    expect(r.state()).toBe(2787916873);
    expect(createRng(0, r.state()).next()).toBe(r.next());
    expect(shuffled([1, 2, 3, 4, 5, 6], createRng(1))).toEqual([3, 4, 5, 6, 2, 1]);
  });

  it('mulberry32 from the raw seed (the bootstrap)', () => {
    const r = bootstrapRng(7);
    expect([r(), r(), r()]).toEqual([0.011704753153026104, 0.06195825757458806, 0.97690763277933]);
    const m = mulberry32(7);
    expect(m.next()).toBe(0.011704753153026104);
  });
});
