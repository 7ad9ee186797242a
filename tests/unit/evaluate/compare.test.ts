// Paired comparison: differences against hand-computed metrics, verdict directions (Brier lower is better),
// the pairing's narrower interval, and bad input.
import { describe, expect, it } from 'vitest';
import { auroc, bootstrapCi, brier, comparePaired } from '../../../src/evaluate/index.js';
import { mulberry32 } from '../../../src/util/random.js';

/** n examples with a latent risk; `informative` sees it, the other sees mostly noise. */
function world(n: number, seed: number) {
  const rand = mulberry32(seed).next;
  const risk = Array.from({ length: n }, () => rand());
  const y = risk.map((r) => (rand() < r * 0.6 ? 1 : 0));
  const informative = risk.map((r) => Math.min(0.99, Math.max(0.01, r * 0.6)));
  const noisy = risk.map((r) => Math.min(0.99, Math.max(0.01, 0.3 * r * 0.6 + 0.7 * rand() * 0.6)));
  const clusters = risk.map((_, i) => `f${Math.floor(i / 2)}`);
  return { y, informative, noisy, clusters };
}

describe('comparePaired', () => {
  it('gives candidate - baseline of each metric, as computed by hand', () => {
    const y = [0, 0, 1, 1];
    const baseline = [0.1, 0.4, 0.35, 0.8]; // one discordant pair of four: AUROC 0.75
    const candidate = [0.1, 0.2, 0.3, 0.4]; // AUROC 1
    const c = comparePaired({ yTrue: y, baseline, candidate, samples: 50, seed: 3 });
    expect(c.baseline.auroc).toBe(0.75);
    expect(c.candidate.auroc).toBe(1);
    expect(c.difference.auroc.estimate).toBeCloseTo(0.25, 12);
    // Brier: baseline (0.01 + 0.16 + 0.4225 + 0.04) / 4, candidate (0.01 + 0.04 + 0.49 + 0.36) / 4.
    expect(c.difference.brier.estimate).toBeCloseTo((0.01 + 0.04 + 0.49 + 0.36) / 4 - (0.01 + 0.16 + 0.4225 + 0.04) / 4, 12);
    expect(c.n).toBe(4);
    expect(c.positives).toBe(2);
    // Two outcomes cannot carry a verdict (at least 100 outcomes and 100 without, docs/evaluation.md); the
    // differences and intervals are still computed.
    expect(c.evidence).toEqual({ minEvents: 100, sufficient: false });
    expect(c.verdict).toEqual({ auroc: 'insufficient evidence', auprc: 'insufficient evidence', brier: 'insufficient evidence' });
  });

  it('shows no difference between a model and itself, with a zero-width interval', () => {
    const w = world(400, 1);
    const c = comparePaired({ yTrue: w.y, baseline: w.informative, candidate: w.informative, clusters: w.clusters, samples: 100, seed: 1 });
    for (const m of ['auroc', 'auprc', 'brier'] as const) {
      expect(c.difference[m]).toMatchObject({ estimate: 0, lower: 0, upper: 0 });
      expect(c.verdict[m]).toBe('no difference shown');
    }
  });

  it('calls the informative model better in both directions of the comparison (lower Brier is better)', () => {
    const w = world(2000, 2);
    const better = comparePaired({ yTrue: w.y, baseline: w.noisy, candidate: w.informative, clusters: w.clusters, samples: 100, seed: 2 });
    expect(better.difference.auroc.lower).toBeGreaterThan(0);
    expect(better.verdict.auroc).toBe('candidate better');
    expect(better.difference.brier.upper).toBeLessThan(0);
    expect(better.verdict.brier).toBe('candidate better');
    const worse = comparePaired({ yTrue: w.y, baseline: w.informative, candidate: w.noisy, clusters: w.clusters, samples: 100, seed: 2 });
    expect(worse.verdict.auroc).toBe('candidate worse');
    expect(worse.verdict.brier).toBe('candidate worse');
    expect(worse.difference.auroc.estimate).toBeCloseTo(-(better.difference.auroc.estimate as number), 12);
    expect(better.evidence.sufficient).toBe(true);
    // The same clear difference, judged against a minimum the examples do not reach: no verdict.
    const strict = comparePaired({ yTrue: w.y, baseline: w.noisy, candidate: w.informative, clusters: w.clusters, samples: 100, seed: 2, minEvents: 5000 });
    expect(strict.verdict.auroc).toBe('insufficient evidence');
    expect(strict.difference.auroc).toEqual(better.difference.auroc);
  });

  it('pairs the replicates: a slightly perturbed model gets a far narrower difference interval than either model alone', () => {
    const w = world(1500, 4);
    const rand = mulberry32(9).next;
    const nudged = w.informative.map((p) => Math.min(0.99, Math.max(0.01, p + (rand() - 0.5) * 0.02)));
    const c = comparePaired({ yTrue: w.y, baseline: w.informative, candidate: nudged, clusters: w.clusters, samples: 200, seed: 5 });
    const alone = bootstrapCi(w.y, w.informative, auroc, { samples: 200, seed: 5, clusters: w.clusters });
    const pairedWidth = (c.difference.auroc.upper as number) - (c.difference.auroc.lower as number);
    const aloneWidth = (alone.upper as number) - (alone.lower as number);
    expect(pairedWidth).toBeGreaterThan(0);
    expect(pairedWidth).toBeLessThan(aloneWidth / 4);
    expect(c.difference.auroc.estimate).toBeCloseTo((auroc(w.y, nudged) as number) - (auroc(w.y, w.informative) as number), 12);
    expect(c.difference.brier.estimate).toBeCloseTo((brier(w.y, nudged) as number) - (brier(w.y, w.informative) as number), 12);
  });

  it('refuses inputs of different lengths and probabilities outside [0, 1]', () => {
    expect(() => comparePaired({ yTrue: [0, 1], baseline: [0.1, 0.2], candidate: [0.3], samples: 10, seed: 1 })).toThrow(/EVALUATE_INPUT_INVALID|length/);
    expect(() => comparePaired({ yTrue: [0, 1], baseline: [0.1, 1.2], candidate: [0.3, 0.4], samples: 10, seed: 1 })).toThrow();
  });
});
