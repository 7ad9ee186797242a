// Compares a model's estimated intervention effects with the generator's true counterfactual effects.
// Estimated effect = model final risk with the service inserted minus without; true effect likewise from truth.
import type { Catalogue } from '../schemas/catalogue.js';
import type { PathScorer } from '../schemas/scoring.js';
import type { TruthChild } from '../schemas/truth.js';
import { scoreChecked } from '../scoring/checked.js';
import { mean, signErrors, spearman, topKHit } from './stats.js';
import { insertEvent } from '../schemas/path.js';
import { differenceInterval } from '../util/quantile.js';
import { type ChildEffects, type PlannerSummary, summarisePlanner } from './planner-metrics.js';

interface EvaluateEffectsOptions {
  /** True effects with |effect| at or below this (probability) do not count for the sign error rate (default 0.005). */
  minEffect?: number;
  /** Children whose variants go to the scorer in one call (default 16). */
  childrenPerBatch?: number;
  /** Bootstrap replicates over families for the intervals (default 200; 0: no intervals). */
  bootstrapSamples?: number;
  /** Seed of the bootstrap (default 1). */
  seed?: number;
}

interface ServiceBias {
  code: string;
  pairs: number;
  meanEstimatedEffect: number;
  meanTrueEffect: number;
  bias: number;
  signErrorRate: number | null;
}

/** The earlier figures plus the planner's (regret, top-1, policy value, coverage, intervals; planner-metrics.ts). */
export interface EffectsEvaluation extends PlannerSummary {
  modelKind: string;
  children: number;
  /** Truth rows left out because their service is not in the catalogue. */
  skippedRows: number;
  top3HitRate: number;
  meanSpearman: number;
  /** Children with a defined Spearman (neither side constant). */
  spearmanChildren: number;
  signErrorRate: number;
  signPairs: number;
  meanEstimatedEffect: number;
  meanTrueEffect: number;
  /** Mean estimated minus mean true effect: positive means the model thinks services help less than they do. */
  bias: number;
  perService: ServiceBias[];
}

/** Effects are compared at 1e-9 precision, so that float noise (summation order) does not break true ties. */
const tidy = (x: number): number => Math.round(x * 1e9) / 1e9;

/** Scores each child's path and its truth variants (one call per batch of children) and pairs the effects. */
async function childEffects(
  scorer: PathScorer,
  children: readonly TruthChild[],
  catalogue: Catalogue,
  opts: EvaluateEffectsOptions = {},
): Promise<{ effects: ChildEffects[]; skippedRows: number }> {
  const byCode = new Map(catalogue.services.map((s) => [s.code, s]));
  const batch = opts.childrenPerBatch ?? 16;
  const effects: ChildEffects[] = [];
  let skippedRows = 0;
  for (let start = 0; start < children.length; start += batch) {
    const group = children.slice(start, start + batch);
    const paths = [];
    const plan: { base: number; rows: { at: number; key: string; truth: number }[] }[] = [];
    for (const child of group) {
      const base = paths.length;
      paths.push(child.path);
      const rows = [];
      // Earlier ages first, so that ties in the estimate go to the earlier age (as explainPath ranks them).
      const ordered = [...child.counterfactuals].sort((a, b) => a.ageDays - b.ageDays || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
      for (const cf of ordered) {
        const svc = byCode.get(cf.code);
        if (svc === undefined) {
          skippedRows++;
          continue;
        }
        const inserted = { code: svc.code, domain: svc.domain, relation: svc.relation, ageDays: cf.ageDays };
        rows.push({ at: paths.length, key: `${cf.code}@${cf.ageDays}`, truth: tidy(cf.trueProbability - child.trueProbability) });
        paths.push(insertEvent(child.path, inserted).path);
      }
      plan.push({ base, rows });
    }
    const scored = await scoreChecked(scorer, paths);
    const finals = scored.map((t) => t[t.length - 1]!);
    // With a bootstrap in the bundle: each pair's interval of the effect over the replicates (the scorer's level).
    const replicates = scorer.scoreFinalReplicates === undefined || scorer.intervalLevel === undefined ? null : await scorer.scoreFinalReplicates(paths);
    const level = scorer.intervalLevel ?? 0.9;
    for (const [c, { base, rows }] of plan.entries()) {
      const intervals =
        replicates === null
          ? null
          : rows.map((r) => differenceInterval(replicates[r.at]!, replicates[base]!, level));
      effects.push({
        familyId: group[c]!.familyId,
        estimated: rows.map((r) => tidy(finals[r.at]! - finals[base]!)),
        truth: rows.map((r) => r.truth),
        keys: rows.map((r) => r.key),
        ...(intervals === null ? {} : { lower: intervals.map((i) => tidy(i.lower)), upper: intervals.map((i) => tidy(i.upper)) }),
      });
    }
  }
  return { effects, skippedRows };
}

/** Top-3 hit rate, mean Spearman, sign error rate, bias and the planner's figures over children (pure). */
function summariseEffects(modelKind: string, effects: readonly ChildEffects[], skippedRows: number, opts: EvaluateEffectsOptions = {}): EffectsEvaluation {
  const minEffect = opts.minEffect ?? 0.005;
  const withPairs = effects.filter((e) => e.truth.length > 0);
  const hits = withPairs.map((e) => (topKHit(e.estimated, e.truth, 3) ? 1 : 0));
  const rhos = withPairs.map((e) => spearman(e.estimated, e.truth)).filter((r) => Number.isFinite(r));
  let pairs = 0;
  let errors = 0;
  for (const e of withPairs) {
    const s = signErrors(e.estimated, e.truth, minEffect);
    pairs += s.pairs;
    errors += s.errors;
  }
  const allEst = withPairs.flatMap((e) => e.estimated);
  const allTrue = withPairs.flatMap((e) => e.truth);
  const perCode = new Map<string, { est: number[]; tru: number[] }>();
  for (const e of withPairs) {
    e.keys.forEach((key, i) => {
      const code = key.slice(0, key.lastIndexOf('@'));
      const m = perCode.get(code) ?? { est: [], tru: [] };
      m.est.push(e.estimated[i]!);
      m.tru.push(e.truth[i]!);
      perCode.set(code, m);
    });
  }
  const perService = [...perCode.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([code, m]) => {
      const s = signErrors(m.est, m.tru, minEffect);
      return {
        code,
        pairs: m.est.length,
        meanEstimatedEffect: mean(m.est),
        meanTrueEffect: mean(m.tru),
        bias: mean(m.est) - mean(m.tru),
        signErrorRate: s.pairs === 0 ? null : s.errors / s.pairs,
      };
    });
  return {
    modelKind,
    children: withPairs.length,
    skippedRows,
    top3HitRate: mean(hits),
    meanSpearman: mean(rhos),
    spearmanChildren: rhos.length,
    signErrorRate: pairs === 0 ? Number.NaN : errors / pairs,
    signPairs: pairs,
    meanEstimatedEffect: mean(allEst),
    meanTrueEffect: mean(allTrue),
    bias: mean(allEst) - mean(allTrue),
    perService,
    ...summarisePlanner(withPairs, { samples: opts.bootstrapSamples ?? 200, seed: opts.seed ?? 1, minEffect }),
  };
}

export async function evaluateEffects(
  scorer: PathScorer,
  children: readonly TruthChild[],
  catalogue: Catalogue,
  opts: EvaluateEffectsOptions = {},
): Promise<EffectsEvaluation> {
  const { effects, skippedRows } = await childEffects(scorer, children, catalogue, opts);
  return summariseEffects(scorer.modelKind, effects, skippedRows, opts);
}
