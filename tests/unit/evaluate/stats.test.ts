import { describe, expect, it } from 'vitest';
import { averageRanks, signErrors, spearman, topKHit } from '../../../src/evaluate/stats.js';

describe('rank statistics', () => {
  it('averages tied ranks', () => {
    expect(averageRanks([10, 20, 20, 5])).toEqual([2, 3.5, 3.5, 1]);
  });

  it('computes Spearman as hand-computed', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks x = 1..5, y = [2,1,4,3,5]: d^2 = 1+1+1+1+0 = 4; rho = 1 - 6*4/(5*24) = 0.8
    expect(spearman([1, 2, 3, 4, 5], [0.2, 0.1, 0.4, 0.3, 0.5])).toBeCloseTo(0.8, 12);
    // with ties: x ranks [1.5,1.5,3], y ranks [1,2,3]; Pearson of ranks = 0.8660254
    expect(spearman([7, 7, 9], [1, 2, 3])).toBeCloseTo(Math.sqrt(3) / 2, 9);
    expect(Number.isNaN(spearman([1, 1, 1], [1, 2, 3]))).toBe(true);
  });

  it('counts a top-3 hit when the truly best item is among the 3 lowest estimates', () => {
    const truth = [-0.01, -0.05, -0.02, 0, -0.03];
    expect(topKHit([-0.2, -0.1, -0.3, 0.1, 0], truth, 3)).toBe(true); // best (index 1) is 3rd lowest estimate
    expect(topKHit([-0.2, 0.05, -0.3, 0.1, -0.1], truth, 3)).toBe(false);
    expect(topKHit([0, -1], [-0.1, -0.1], 1)).toBe(true); // tied best
    // Ties in the estimate count against the hit: a constant estimate carries no information.
    expect(topKHit([0, 0, 0, 0, 0], truth, 3)).toBe(false);
    expect(topKHit([-0.2, -0.2, -0.2, 0, 0], [-0.3, 0, 0, 0, 0], 3)).toBe(true); // tied with two others: still 3rd
    expect(topKHit([-0.2, -0.2, -0.2, -0.2, 0], [-0.3, 0, 0, 0, 0], 3)).toBe(false); // tied with three others
  });

  it('counts sign errors among clearly nonzero true effects only', () => {
    expect(signErrors([-0.1, 0.2, 0.01, -0.3, 0], [-0.05, -0.05, 0.001, 0.02, -0.1], 0.005)).toEqual({ pairs: 4, errors: 3 });
  });
});
