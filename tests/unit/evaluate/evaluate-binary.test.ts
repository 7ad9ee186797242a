import { describe, expect, it } from 'vitest';
import { createRng, evaluateBinary } from '../../../src/evaluate/index.js';
import { EvaluationReportSchema, MetricsFileSchema } from '../../../src/schemas/metrics.js';

function population(n: number, seed: number) {
  const rng = createRng(seed);
  const truth = Array.from({ length: n }, () => rng() * 0.6);
  const yTrue = truth.map((v) => (rng() < v ? 1 : 0));
  // The model sees the truth with noise, clipped into [0, 1].
  const yProb = truth.map((v) => Math.min(1, Math.max(0, v + (rng() - 0.5) * 0.2)));
  const clusters = truth.map((_, i) => `family-${Math.floor(i / 2)}`);
  return { truth, yTrue, yProb, clusters };
}

describe('evaluateBinary', () => {
  const pop = population(1200, 21);
  const sex = pop.yTrue.map((_, i) => (i % 2 === 0 ? 'F' : 'M'));
  // 'rare' has 8 people: under k = 10, so it must be suppressed.
  const area = pop.yTrue.map((_, i) => (i < 8 ? 'rare' : i % 3 === 0 ? 'north' : 'south'));
  const report = evaluateBinary({
    ...pop,
    subgroups: { sex, area },
    bootstrapSamples: 50,
    seed: 42,
    oracleProb: pop.truth,
  });

  it('validates against EvaluationReportSchema and fits in a metrics file', () => {
    expect(EvaluationReportSchema.parse(report)).toEqual(report);
    const file = {
      schemaVersion: 1,
      splits: { train: { persons: 10, positives: 2 }, validation: { persons: 5, positives: 1 }, test: { persons: 5, positives: 1 } },
      test: report,
      calibration: { method: 'platt', a: 1, b: 0 },
    };
    expect(MetricsFileSchema.safeParse(file).success).toBe(true);
  });

  it('reports each overall metric with an interval around it and rounds counts to 5', () => {
    for (const m of Object.values(report.overall)) {
      expect(m.estimate).not.toBeNull();
      expect(m.lower!).toBeLessThanOrEqual(m.estimate!);
      expect(m.upper!).toBeGreaterThanOrEqual(m.estimate!);
    }
    expect(report.n).toBe(1200);
    expect(report.positives % 5).toBe(0);
    expect(report.bootstrap.unit).toBe('cluster');
    expect(report.thresholds.map((t) => t.alertRate)).toEqual([0.05, 0.1, 0.2]);
  });

  it('suppresses small slices with no counts or metrics, and shows the others', () => {
    const rare = report.subgroups['area']!.find((s) => s.label === 'rare')!;
    expect(rare).toEqual({ label: 'rare', suppressed: true });
    const north = report.subgroups['area']!.find((s) => s.label === 'north')!;
    expect(north.suppressed).toBe(false);
    expect(report.subgroups['sex']!.map((s) => s.label)).toEqual(['F', 'M']);
    for (const s of report.subgroups['sex']!) if (!s.suppressed) expect(s.n).toBe(600);
  });

  it('suppresses a slice with enough people but fewer than k positives', () => {
    const y = [...new Array(30).fill(0), 1, 1, 1, ...new Array(30).fill(0), ...new Array(20).fill(1)];
    const p = y.map((v, i) => (v === 1 ? 0.6 : 0.3) + (i % 7) / 100);
    const group = y.map((_, i) => (i < 33 ? 'few-positives' : 'ok'));
    const r = evaluateBinary({ yTrue: y, yProb: p, subgroups: { group }, bootstrapSamples: 10, seed: 1 });
    expect(r.subgroups['group']).toEqual([
      { label: 'few-positives', suppressed: true },
      expect.objectContaining({ label: 'ok', suppressed: false, n: 50, positives: 20 }),
    ]);
  });

  it('gives the oracle AUROC and a gap of exactly 0 when the model is the oracle', () => {
    expect(report.oracle!.auroc.estimate!).toBeGreaterThan(report.overall.auroc.estimate!);
    expect(report.oracle!.gap.estimate!).toBeCloseTo(report.overall.auroc.estimate! - report.oracle!.auroc.estimate!, 12);
    const self = evaluateBinary({ yTrue: pop.yTrue, yProb: pop.truth, oracleProb: pop.truth, bootstrapSamples: 20, seed: 1 });
    expect(self.oracle!.gap).toMatchObject({ estimate: 0, lower: 0, upper: 0 });
  });

  it('is deterministic for a seed', () => {
    const again = evaluateBinary({ ...pop, subgroups: { sex, area }, bootstrapSamples: 50, seed: 42, oracleProb: pop.truth });
    expect(again).toEqual(report);
  });

  it('keeps calibration-curve bins and risk-histogram cells under k out of view', () => {
    const y = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0];
    const p = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.55, 0.45, 0.5, 0.5];
    const r = evaluateBinary({ yTrue: y, yProb: p, bootstrapSamples: 0, seed: 1, calibrationBins: 2 });
    expect(r.calibrationCurve.points).toEqual([{ suppressed: true }, { suppressed: true }]);
    expect(r.riskDistribution.positive.every((v) => v === null || v === 0)).toBe(true);
    expect(r.overall.auroc.lower).toBeNull();
  });

  it('rejects k below 5 and non-binary labels with catalogued errors', () => {
    expect(() => evaluateBinary({ yTrue: [1, 0], yProb: [0.5, 0.5], k: 3, seed: 1 })).toThrow(/k: must be an integer >= 5/);
    expect(() => evaluateBinary({ yTrue: [2, 0], yProb: [0.5, 0.5], seed: 1 })).toThrow(
      expect.objectContaining({ code: 'EVALUATE_INPUT_INVALID', message: expect.stringContaining('yTrue/0') }),
    );
    expect(() => evaluateBinary({ yTrue: [1, 0], yProb: [0.5, 1.5], seed: 1 })).toThrow(/yProb\/1/);
  });
});
