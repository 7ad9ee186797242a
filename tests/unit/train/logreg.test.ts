// Logistic regression and calibration fits against known answers.
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/util/random.js';
import { calibrate } from '../../../src/scoring/calibration.js';
import { fitPreprocessing } from '../../../src/features/index.js';
import type { Path } from '../../../src/schemas/path.js';
import { fitIsotonic, fitPlatt } from '../../../src/train/calibrate.js';
import { fitLogisticLbfgs, fitLogreg, type SparseMatrix } from '../../../src/train/logreg.js';

describe('fitLogisticLbfgs', () => {
  it('recovers the coefficients of a simulated logistic model', () => {
    const rng = createRng(3);
    const n = 4000;
    const rowStart = new Int32Array(n + 1);
    const indices: number[] = [];
    const values: number[] = [];
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x0 = rng.next() * 2 - 1;
      const x1 = rng.next() * 2 - 1;
      indices.push(0, 1);
      values.push(x0, x1);
      rowStart[i + 1] = indices.length;
      y[i] = rng.next() < 1 / (1 + Math.exp(-(0.5 + 2 * x0 - 1 * x1))) ? 1 : 0;
    }
    const x: SparseMatrix = { rowStart, indices: Int32Array.from(indices), values: Float64Array.from(values), rows: n, cols: 2 };
    const fit = fitLogisticLbfgs(x, y, new Float64Array(n).fill(1), { l2: 0, maxIterations: 200 });
    expect(fit.theta[0]).toBeCloseTo(2, 0);
    expect(fit.theta[1]).toBeCloseTo(-1, 0);
    expect(fit.theta[2]).toBeCloseTo(0.5, 0);
    const again = fitLogisticLbfgs(x, y, new Float64Array(n).fill(1), { l2: 0, maxIterations: 200 });
    expect(Array.from(again.theta)).toEqual(Array.from(fit.theta));
  });

  it('fitLogreg learns a signal token and picks a penalty on validation', () => {
    const mk = (signal: boolean): Path => ({ indexAgeDays: 500, events: [{ code: signal ? 'S' : 'N', domain: 'd', relation: 'self', ageDays: 400 }] });
    const paths = Array.from({ length: 60 }, (_, i) => mk(i % 3 === 0));
    const labels = Float64Array.from(paths, (p, i) => (p.events[0]!.code === 'S' ? (i % 9 === 0 ? 0 : 1) : i % 10 === 1 ? 1 : 0));
    const prep = fitPreprocessing(paths, { minPersonsPerCode: 2, maxLen: 4 });
    const fit = fitLogreg(prep, { paths, labels, weights: new Float64Array(60).fill(1) }, { paths, labels }, { l2Grid: [0.1, 0.001], maxIterations: 100 });
    expect(fit.grid.map((g) => g.l2)).toEqual([0.1, 0.001]);
    const wS = fit.model.weights[prep.vocab.indexOf('self|d|S') * 3]!;
    const wN = fit.model.weights[prep.vocab.indexOf('self|d|N') * 3]!;
    expect(wS).toBeGreaterThan(wN);
  });
});

describe('calibration', () => {
  it('Platt recovers a known slope and intercept', () => {
    const rng = createRng(9);
    const z = Array.from({ length: 5000 }, () => rng.next() * 8 - 4);
    const y = z.map((v) => (rng.next() < 1 / (1 + Math.exp(-(0.5 * v - 1))) ? 1 : 0));
    const cal = fitPlatt(z, y);
    if (cal.method !== 'platt') throw new Error('expected platt');
    expect(cal.slope).toBeCloseTo(0.5, 1);
    expect(cal.intercept).toBeCloseTo(-1, 1);
    expect(calibrate(cal, 2)).toBeCloseTo(1 / (1 + Math.exp(-(cal.slope * 2 + cal.intercept))), 12);
  });

  it('isotonic is monotone and pools violators', () => {
    const cal = fitIsotonic([1, 2, 3, 4], [0, 1, 0, 1]);
    expect(calibrate(cal, 0)).toBeCloseTo(1e-6);
    expect(calibrate(cal, 2.5)).toBeCloseTo(0.5);
    expect(calibrate(cal, 10)).toBeCloseTo(1 - 1e-6);
  });
});
