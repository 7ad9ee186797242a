// The shared preprocessing: vocabulary with rare folding, truncation to the most recent events, trajectory
// windows, logreg prefix counts, and parity between training-time and scoring-time encoding after save/load.
import { describe, expect, it } from 'vitest';
import { encodeEvents, encodePaths, featureDim, fitPreprocessing, sparseFeatures, tokenId, trajectoryWindows } from '../../../src/features/index.js';
import { logregTrajectoryLogits } from '../../../src/scoring/logreg.js';
import { PreprocessingSchema, UNK_ID } from '../../../src/schemas/fitted-models.js';
import type { Path } from '../../../src/schemas/path.js';

const path = (codes: string[], relation: 'self' | 'mother' = 'self'): Path => ({
  indexAgeDays: 1000,
  events: codes.map((code, i) => ({ code, domain: 'health', relation, ageDays: i * 100 })),
});

const training = [path(['A', 'B', 'C']), path(['A', 'B']), path(['A', 'RARE1']), path(['A'], 'mother')];
const prep = fitPreprocessing(training, { minPersonsPerCode: 2, maxLen: 3 });

describe('fitPreprocessing', () => {
  it('keeps codes seen in enough persons and folds the rest into relation|domain|<rare>', () => {
    expect(prep.vocab.slice(0, 2)).toEqual(['<pad>', '<unk>']);
    expect(prep.vocab).toContain('self|health|A');
    expect(prep.vocab).toContain('self|health|B');
    expect(prep.vocab).not.toContain('self|health|C');
    expect(prep.vocab).not.toContain('mother|health|A'); // one person only
    const rare = prep.vocab.indexOf('self|health|<rare>');
    expect(tokenId(prep, { code: 'C', domain: 'health', relation: 'self' })).toBe(rare);
    expect(tokenId(prep, { code: 'NEVER_SEEN', domain: 'health', relation: 'self' })).toBe(rare);
    expect(tokenId(prep, { code: 'A', domain: 'school', relation: 'self' })).toBe(UNK_ID);
  });
});

describe('encoding', () => {
  it('keeps the most recent maxLen events, right-padded', () => {
    const long = path(['A', 'B', 'C', 'A', 'B']);
    const short = path(['B']);
    const batch = encodePaths(prep, [long, short]);
    expect(batch.seqLen).toBe(3);
    expect(Array.from(batch.lengths)).toEqual([3, 1]);
    const all = encodeEvents(prep, long);
    expect(Array.from(batch.tokens.subarray(0, 3))).toEqual(Array.from(all.tokens.subarray(2)));
    expect(Array.from(batch.tokens.subarray(3))).toEqual([tokenId(prep, short.events[0]!), 0, 0]);
    // step features: age (years/5), years before index / 5, log gap / log(366)
    const f = prep.stepFeatures.length;
    expect(batch.feats[0]).toBeCloseTo(200 / prep.scales.ageDays);
    expect(batch.feats[1]).toBeCloseTo(800 / prep.scales.beforeIndexDays);
    expect(batch.feats[2]).toBeCloseTo(Math.log1p(100) / prep.scales.logGap);
    expect(batch.feats.length).toBe(2 * 3 * f);
  });

  it('gives the same encoding at scoring time after preprocessing.json is saved and loaded', () => {
    const reloaded = PreprocessingSchema.parse(JSON.parse(JSON.stringify(prep)));
    const paths = [path(['A', 'B', 'C', 'A']), path(['RARE1', 'X'], 'mother'), training[0]!];
    expect(encodePaths(reloaded, paths)).toEqual(encodePaths(prep, paths));
    for (const p of paths) expect(sparseFeatures(reloaded, p)).toEqual(sparseFeatures(prep, p));
  });

  it('plans windows so every step of a long path gets a risk, the last window being the training input', () => {
    expect(trajectoryWindows(2, 3)).toEqual([{ start: 0, end: 2, readFrom: 0 }]);
    expect(trajectoryWindows(5, 3)).toEqual([
      { start: 0, end: 3, readFrom: 0 },
      { start: 1, end: 4, readFrom: 2 },
      { start: 2, end: 5, readFrom: 2 },
    ]);
  });
});

describe('logreg features', () => {
  it('the prefix trajectory ends at the full-path logit', () => {
    const weights = Array.from({ length: featureDim(prep) }, (_, j) => ((j * 37) % 11) / 10 - 0.5);
    const model = { formatVersion: 1 as const, weights, bias: -1, l2: 0 };
    const p = path(['A', 'B', 'A', 'C', 'A']);
    const traj = logregTrajectoryLogits(prep, model, p);
    const { indices, values } = sparseFeatures(prep, p);
    let z = model.bias;
    indices.forEach((j, k) => {
      z += weights[j]! * values[k]!;
    });
    expect(traj.length).toBe(5);
    expect(traj[4]).toBeCloseTo(z, 12);
  });
});
