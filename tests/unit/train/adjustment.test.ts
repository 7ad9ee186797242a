import { describe, expect, it } from 'vitest';
import { computeAdjustmentWeights, fitLogistic } from '../../../src/train/adjustment.js';
import { type Path, PathSchema } from '../../../src/schemas/index.js';
import { catalogue } from '../explain/test-scorer.js';

/** Families with more risk signals get family work more often (confounding by indication), seeded. */
function confounded(n: number): { path: Path; label: 0 | 1; signals: number; treated: boolean }[] {
  let s = 11;
  const rand = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  return Array.from({ length: n }, () => {
    const signals = Math.floor(rand() * 4);
    const events: Path['events'] = [{ code: 'BIRTH', domain: 'health', relation: 'self', ageDays: 0 }];
    for (let i = 0; i < signals; i++) events.push({ code: 'RISK', domain: 'social_work', relation: 'mother', ageDays: 50 + i * 20 });
    const treated = rand() < 0.1 + 0.25 * signals;
    if (treated) events.push({ code: 'FAMILY_WORK', domain: 'social_work', relation: 'self', ageDays: 400 });
    return { path: PathSchema.parse({ indexAgeDays: 1096, events }), label: (rand() < 0.2 ? 1 : 0) as 0 | 1, signals, treated };
  });
}

const weightedMean = (xs: number[], ws: number[]) => xs.reduce((a, x, i) => a + x * ws[i]!, 0) / ws.reduce((a, b) => a + b, 0);

describe('computeAdjustmentWeights (stabilised inverse propensity)', () => {
  const data = confounded(2000);
  const weights = computeAdjustmentWeights(data, catalogue());

  it('returns one positive weight per example, normalised to mean 1, deterministic', () => {
    expect(weights).toHaveLength(data.length);
    const mean = weights.reduce((a, b) => a + b, 0) / weights.length;
    expect(mean).toBeCloseTo(1, 9);
    for (const w of weights) expect(w).toBeGreaterThan(0);
    expect(computeAdjustmentWeights(data, catalogue())).toEqual(weights);
  });

  it('balances the confounder between those who got the service and those who did not', () => {
    const t = data.map((d, i) => [d, weights[i]!] as const).filter(([d]) => d.treated);
    const u = data.map((d, i) => [d, weights[i]!] as const).filter(([d]) => !d.treated);
    const raw = Math.abs(weightedMean(t.map(([d]) => d.signals), t.map(() => 1)) - weightedMean(u.map(([d]) => d.signals), u.map(() => 1)));
    const adj = Math.abs(
      weightedMean(t.map(([d]) => d.signals), t.map(([, w]) => w)) - weightedMean(u.map(([d]) => d.signals), u.map(([, w]) => w)),
    );
    expect(raw).toBeGreaterThan(0.8);
    expect(adj).toBeLessThan(raw * 0.2);
  });

  it('leaves weights at 1 when no service varies', () => {
    const none = data.map((d) => ({ ...d, path: { ...d.path, events: d.path.events.filter((e) => e.code !== 'FAMILY_WORK') } }));
    expect([...computeAdjustmentWeights(none, catalogue())]).toEqual(none.map(() => 1));
  });

  it('counts a receipt as the treatment only for the catalogue receiver and from the first insertion age on', () => {
    // The catalogue's FAMILY_WORK goes to the child (relation self): the mother's receipt, or one before birth,
    // is history, not the treatment, so nobody is treated and the weights stay 1.
    const moved = data.map((d) => ({
      ...d,
      path: {
        ...d.path,
        events: d.path.events.map((e, i) => (e.code !== 'FAMILY_WORK' ? e : i % 2 === 0 ? { ...e, relation: 'mother' as const } : { ...e, ageDays: -30 })),
      },
    }));
    for (const m of moved) m.path.events.sort((a, b) => a.ageDays - b.ageDays);
    expect([...computeAdjustmentWeights(moved, catalogue())]).toEqual(moved.map(() => 1));
  });

  it('fits a logistic regression (Newton) to a known slope', () => {
    const xs: Float64Array[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 400; i++) {
      const x = (i % 20) / 5 - 2;
      const p = 1 / (1 + Math.exp(-(1.5 * x - 0.5)));
      // Deterministic fractional labels give the exact maximum-likelihood answer.
      xs.push(Float64Array.of(x, 1));
      ys.push(p);
    }
    const w = fitLogistic(xs, ys, 0, 12);
    expect(w[0]).toBeCloseTo(1.5, 4);
    expect(w[1]).toBeCloseTo(-0.5, 4);
  });
});
