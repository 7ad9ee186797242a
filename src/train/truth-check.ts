// The intervention estimates of a freshly trained model checked against the generator's truth (train --truth):
// evaluate-interventions' figures on the first TRUTH_CHECK_CHILDREN test-split children of the truth file, written
// to metrics.json (/interventions) and so to the card and the page.
import { evaluateEffects } from '../evaluate/effects.js';
import type { Catalogue } from '../schemas/catalogue.js';
import type { InterventionsCheck } from '../schemas/metrics.js';
import type { PathScorer } from '../schemas/scoring.js';
import type { TruthChild } from '../schemas/truth.js';

/** Held-out children checked at train time: about a minute for a gru on two cores (docs/interventions.md). */
export const TRUTH_CHECK_CHILDREN = 500;

type Interval = { lower: number | null; upper: number | null };
const est = (estimate: number | null | undefined, i: Interval | undefined) => ({
  estimate: estimate === undefined || estimate === null || !Number.isFinite(estimate) ? null : estimate,
  lower: i?.lower ?? null,
  upper: i?.upper ?? null,
});

export async function checkAgainstTruth(
  scorer: PathScorer,
  children: readonly TruthChild[],
  catalogue: Catalogue,
  opts: { bootstrapSamples: number; seed: number },
): Promise<InterventionsCheck> {
  const r = await evaluateEffects(scorer, children, catalogue, { bootstrapSamples: opts.bootstrapSamples, seed: opts.seed });
  const at5 = r.policy.findIndex((p) => p.share === 0.05);
  return {
    source: 'generator-truth',
    split: 'test',
    children: r.children,
    // Every truth row, less those evaluateEffects left out (their service is not in the catalogue).
    pairs: children.reduce((n, c) => n + c.counterfactuals.length, 0) - r.skippedRows,
    top3HitRate: est(r.top3HitRate, r.intervals.top3HitRate),
    top1Agreement: est(r.top1Agreement, r.intervals.top1Agreement),
    meanSpearman: est(r.meanSpearman, r.intervals.meanSpearman),
    signErrorRate: est(r.signErrorRate, r.intervals.signErrorRate),
    meanRegretShare: est(r.meanRegretShare, r.intervals.meanRegretShare),
    policyRatioAt5: at5 < 0 ? est(null, undefined) : est(r.policy[at5]?.ratio ?? null, r.intervals.policyRatio[at5]),
    intervalCoverage: r.coverage.coverage,
    intervalLevel: r.coverage.coverage === null ? null : (scorer.intervalLevel ?? null),
  };
}
