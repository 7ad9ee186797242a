// One AUROC for the generator and the evaluation: ties count one half; the generator's form says NaN, not null.
import { describe, expect, it } from 'vitest';
import { auroc as synthAuroc } from '../../../src/synth/metrics.js';
import { auroc, tieGroups } from '../../../src/util/rank.js';

describe('rank', () => {
  it('groups tied scores from high to low', () => {
    expect(tieGroups([1, 0, 1, 0], [0.2, 0.9, 0.2, 0.1])).toEqual([
      { score: 0.9, positives: 0, negatives: 1 },
      { score: 0.2, positives: 2, negatives: 0 },
      { score: 0.1, positives: 0, negatives: 1 },
    ]);
  });

  it('counts ties one half; null (or NaN in the generator) without both classes', () => {
    // Pairs (positive, negative): (0.8, 0.8) ties, (0.8, 0.1) wins, (0.3, 0.8) loses, (0.3, 0.1) wins: 2.5 / 4.
    expect(auroc([1, 1, 0, 0], [0.8, 0.3, 0.8, 0.1])).toBe(0.625);
    expect(synthAuroc([0.8, 0.3, 0.8, 0.1], [1, 1, 0, 0])).toBe(0.625);
    expect(auroc([1, 1], [0.2, 0.4])).toBeNull();
    expect(synthAuroc([0.2, 0.4], [1, 1])).toBeNaN();
    expect(synthAuroc([], [])).toBeNaN();
  });
});
