import { describe, expect, it } from 'vitest';
import { auprc, auroc, brier, calibrationCurve, calibrationSlopeIntercept, ece, prCurve, rocCurve, thresholdTable } from '../../../src/evaluate/index.js';

const repeat = (value: number, times: number) => new Array<number>(times).fill(value);

describe('discrimination', () => {
  it('AUROC counts tied pairs as one half (hand count: 6 of 9 pairs)', () => {
    const y = [1, 0, 1, 0, 1, 0];
    const p = [0.9, 0.9, 0.7, 0.3, 0.3, 0.1];
    expect(auroc(y, p)).toBeCloseTo(6 / 9, 12);
  });

  it('AUROC is 1 for a perfect ranking, 0 for a reversed one, 0.5 for all ties, null for one class', () => {
    expect(auroc([1, 1, 0], [0.9, 0.8, 0.1])).toBe(1);
    expect(auroc([0, 0, 1], [0.9, 0.8, 0.1])).toBe(0);
    expect(auroc([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(auroc([1, 1], [0.2, 0.3])).toBeNull();
  });

  it('average precision on a known ranking is (1/2)*1 + (1/2)*(2/3)', () => {
    expect(auprc([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.6, 0.5])).toBeCloseTo(1 / 2 + 1 / 3, 12);
    expect(auprc([0, 0], [0.3, 0.4])).toBeNull();
  });

  it('average precision treats tied scores as one threshold', () => {
    // Both at 0.9 enter together: precision 1/2 at recall 1.
    expect(auprc([1, 0], [0.9, 0.9])).toBeCloseTo(0.5, 12);
  });

  it('ROC runs from (0,0) to (1,1); PR ends at recall 1; both keep at most 200 points', () => {
    const n = 1000;
    const p = Array.from({ length: n }, (_, i) => i / n);
    const y = p.map((_, i) => (i % 3 === 0 ? 1 : 0));
    const roc = rocCurve(y, p);
    const pr = prCurve(y, p);
    expect(roc.length).toBe(200);
    expect(pr.length).toBe(200);
    expect(roc[0]).toMatchObject({ x: 0, y: 0 });
    expect(roc.at(-1)).toMatchObject({ x: 1, y: 1 });
    expect(pr.at(-1)!.x).toBe(1);
    expect(pr.at(-1)!.y).toBeCloseTo(334 / 1000, 12);
  });
});

describe('calibration', () => {
  it('Brier is the mean squared error', () => {
    expect(brier([1, 0], [0.8, 0.4])).toBeCloseTo((0.04 + 0.16) / 2, 12);
  });

  it('a perfectly calibrated set gives slope 1 and intercept 0', () => {
    const p = [...repeat(0.2, 5), ...repeat(0.8, 5)];
    const y = [1, 0, 0, 0, 0, 1, 1, 1, 1, 0];
    const fit = calibrationSlopeIntercept(y, p);
    expect(fit.slope).toBeCloseTo(1, 6);
    expect(fit.intercept).toBeCloseTo(0, 6);
  });

  it('over-confident risks give slope logit(0.8)/logit(0.9) < 1', () => {
    const p = [...repeat(0.1, 10), ...repeat(0.9, 10)];
    const y = [1, 1, ...repeat(0, 8), 0, 0, ...repeat(1, 8)];
    const fit = calibrationSlopeIntercept(y, p);
    expect(fit.slope).toBeCloseTo(Math.log(4) / Math.log(9), 6);
    expect(fit.intercept).toBeCloseTo(0, 6);
  });

  it('risks that are too low give a positive calibration-in-the-large; one distinct risk gives no slope', () => {
    const fit = calibrationSlopeIntercept([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], repeat(0.2, 10));
    expect(fit.intercept).toBeCloseTo(Math.log(4), 6);
    expect(fit.slope).toBeNull();
  });

  it('complete separation gives no slope rather than a huge number', () => {
    expect(calibrationSlopeIntercept([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]).slope).toBeNull();
  });

  it('ECE with equal-width bins matches a hand computation', () => {
    // bin 1: mean p 0.125, rate 0.5 (n 2); bin 8: 0.85 vs 1; bin 9: 0.9 vs 0.
    expect(ece([0, 1, 1, 0], [0.1, 0.15, 0.85, 0.9])).toBeCloseTo((2 * 0.375 + 0.15 + 0.9) / 4, 12);
  });

  it('quantile calibration bins hold equal counts', () => {
    const p = Array.from({ length: 100 }, (_, i) => i / 100);
    const y = p.map((v) => (v > 0.5 ? 1 : 0));
    const bins = calibrationCurve(y, p, 4, 'quantile');
    expect(bins.map((b) => b.n)).toEqual([25, 25, 25, 25]);
    expect(bins[0]!.observedRate).toBe(0);
    expect(bins[3]!.observedRate).toBe(1);
  });
});

describe('threshold table', () => {
  it('flags the top share and reports sensitivity, PPV, specificity and NPV', () => {
    const p = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05];
    const y = [1, 0, 1, 0, 0, 0, 1, 0, 0, 0];
    const [top10, top20, top50] = thresholdTable(y, p, [0.1, 0.2, 0.5]);
    expect(top10).toMatchObject({ threshold: 0.95, alerts: 1, sensitivity: 1 / 3, ppv: 1, specificity: 1, npv: 7 / 9 });
    expect(top20).toMatchObject({ threshold: 0.85, alerts: 2, sensitivity: 1 / 3, ppv: 0.5 });
    expect(top50).toMatchObject({ threshold: 0.55, alerts: 5, sensitivity: 2 / 3, ppv: 2 / 5, specificity: 4 / 7, npv: 4 / 5 });
  });

  it('flags every tie at the threshold', () => {
    const [row] = thresholdTable([1, 0, 0, 0], [0.5, 0.5, 0.5, 0.1], [0.25]);
    expect(row!.alerts).toBe(3);
  });
});
