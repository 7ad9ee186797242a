// Explains one path with a PathScorer: risk trajectory, turning points and ranked counterfactual candidates,
// the variants' final risks scored in batched, chunked calls. The answer always carries the association-not-causation
// caveat. explanationCost prices an explanation before it runs (the service's --max-request-cost).
import { scoreChecked } from '../scoring/checked.js';
import type { Catalogue } from '../schemas/catalogue.js';
import type { CohortPathsFile } from '../schemas/cohort-paths.js';
import {
  type AttributionMethod,
  type Candidate,
  type Estimator,
  INTERVENTIONS_CAVEAT,
  UNADJUSTED_CAVEAT,
  type InterventionsResult,
  type TrajectoryStep,
  type TurningPoint,
} from '../schemas/interventions.js';
import type { InterventionsCheck } from '../schemas/metrics.js';
import type { Path } from '../schemas/path.js';
import type { PathScorer } from '../schemas/scoring.js';
import { type CohortIndex, cohortIndexOf, type SupportMatch, supportMatcher } from './cohort-paths.js';
import { indexAgeOf } from '../schemas/path.js';
import { type InsertionPoint, insertionCount, insertionPath, insertionPoints, occlusionVariant } from './variants.js';
import { ServicepathError } from '../errors/index.js';
import { differenceInterval } from '../util/quantile.js';

export interface ExplainOptions {
  /** How many ranked candidates to return (default 10; all are scored). */
  topK?: number;
  /** How many turning points to return (default 3). */
  turningPoints?: number;
  /** `occlusion` (default): final risk minus final risk without the event; `delta`: the risk step at the event. */
  attribution?: AttributionMethod;
  /** The bundle's cohort paths (or an index of them) for empirical support of each candidate. */
  cohortPaths?: CohortPathsFile | CohortIndex;
  /** Ends the scoring early (a request's deadline): the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** The bundle's training adjustment (its manifest's config); without it the answer says 'unknown', unadjusted. */
  adjustment?: string;
  /** The bundle's truth check (metrics.json /interventions), passed on in the answer's estimator. */
  truthCheck?: InterventionsCheck;
}

/** The estimator an answer reports: the bundle's adjustment and the scorer's intervals. */
function estimatorOf(scorer: PathScorer, opts: ExplainOptions, replicates: number | null): Estimator {
  const a = opts.adjustment ?? 'unknown';
  return {
    adjustment: a,
    adjusted: a !== 'none' && a !== 'unknown',
    intervals: replicates === null || scorer.intervalLevel === undefined ? null : { method: 'family-bootstrap', level: scorer.intervalLevel, replicates },
    truthCheck: opts.truthCheck ?? null,
  };
}

/**
 * Each returned candidate's interval: the path and the candidates' variants under every bootstrap replicate of
 * the effect model (one call), the drop per replicate, and its central percentile interval.
 */
async function candidateIntervals(
  scorer: PathScorer,
  path: Path,
  candidates: readonly InsertionPoint[],
  signal: AbortSignal | undefined,
): Promise<{ intervals: { lower: number; upper: number }[]; replicates: number } | null> {
  if (scorer.scoreFinalReplicates === undefined || scorer.intervalLevel === undefined) return null;
  const level = scorer.intervalLevel;
  const risks = await scorer.scoreFinalReplicates([path, ...candidates.map((c) => insertionPath(path, c))], signal === undefined ? {} : { signal });
  if (risks.length !== candidates.length + 1) throw new ServicepathError('EXPLAIN_SCORER_MISMATCH', { got: risks.length, expected: candidates.length + 1 });
  const original = risks[0] as Float64Array;
  const intervals = candidates.map((_, i) => differenceInterval(original, risks[i + 1] as Float64Array, level));
  return { intervals, replicates: original.length };
}

/** Scores paths in one call and checks the scorer kept its contract (one risk per event of every path). */

const finalOf = (t: Float64Array): number => t[t.length - 1]!;

function trajectorySteps(path: Path, risks: Float64Array): TrajectoryStep[] {
  return path.events.map((e, i) => ({
    step: i,
    ageDays: e.ageDays,
    code: e.code,
    domain: e.domain,
    relation: e.relation,
    risk: risks[i]!,
    deltaRisk: i === 0 ? 0 : risks[i]! - risks[i - 1]!,
  }));
}

/** Steps that raise the risk most (positive attribution only), highest first; ties by earlier step. */
function rankTurningPoints(
  steps: readonly TrajectoryStep[],
  occlusion: readonly (number | null)[],
  method: AttributionMethod,
  count: number,
): TurningPoint[] {
  const scores = steps.map((s, i) => (method === 'occlusion' ? (occlusion[i] ?? s.deltaRisk) : s.deltaRisk));
  return steps
    .map((_, i) => i)
    .filter((i) => scores[i]! > 0)
    .sort((a, b) => scores[b]! - scores[a]! || steps[a]!.step - steps[b]!.step)
    .slice(0, count)
    .map((i) => {
      const s = steps[i]!;
      return {
        step: s.step,
        ageDays: s.ageDays,
        code: s.code,
        domain: s.domain,
        relation: s.relation,
        deltaRisk: s.deltaRisk,
        occlusion: occlusion[i] ?? null,
        score: scores[i]!,
      };
    });
}

/** Candidates ranked by the drop in final risk (largest first); ties by earlier age, then code. */
function rankCandidates(
  path: Path,
  variants: readonly InsertionPoint[],
  finals: ArrayLike<number>,
  baseFinal: number,
  index: CohortIndex | null,
  /** Only the first `limit` candidates (after ranking) get their cohort-path support looked up; the rest carry null. */
  limit = Number.POSITIVE_INFINITY,
): (Candidate & { insertion: InsertionPoint })[] {
  const order = variants.map((_, i) => i);
  const drops = Float64Array.from(variants, (_, i) => baseFinal - finals[i]!);
  order.sort((a, b) => {
    const va = variants[a]!;
    const vb = variants[b]!;
    return drops[b]! - drops[a]! || va.ageDays - vb.ageDays || (va.service.code < vb.service.code ? -1 : va.service.code > vb.service.code ? 1 : 0);
  });
  const support = index === null ? null : supportMatcher(index, path);
  return order.map((vi, i) => {
    const v = variants[vi]!;
    const found = support === null || i >= limit ? null : support(v.service, v.ageDays);
    return {
      rank: i + 1,
      code: v.service.code,
      domain: v.service.domain,
      relation: v.service.relation,
      label: v.service.label,
      labelFi: v.service.labelFi,
      ageDays: v.ageDays,
      position: v.position,
      finalRisk: finals[vi]!,
      riskDrop: drops[vi]!,
      riskDropInterval: null,
      seldomGiven: null,
      support: supportOf(found),
      insertion: v,
    };
  });
}

function supportOf(found: SupportMatch): Candidate['support'] {
  return found === null
    ? null
    : {
        cohortPathId: found.cohort.id,
        throughBand: found.cohort.throughBand,
        persons: found.cohort.persons,
        outcomeRate: found.cohort.outcomeRate,
        ...(found.cohort.outcomeSuppressed === undefined ? {} : { outcomeSuppressed: found.cohort.outcomeSuppressed }),
        received: found.followed.received,
        notReceived: found.followed.notReceived,
      };
}

/**
 * The scorer's cost units of explaining this path (PathScorer.costOf): the path's trajectory and the final risk
 * of each variant (n occlusions of n - 1 events, one insertion of n + 1 events per catalogue (service, age)).
 * Null when the scorer has no cost model. Counts the variants without building them.
 */
export function explanationCost(scorer: PathScorer, path: Path, catalogue: Catalogue, attribution: AttributionMethod = 'occlusion'): { variants: number; cost: number } | null {
  const n = path.events.length;
  const occlusions = attribution === 'occlusion' && n > 1 ? n : 0;
  const insertions = insertionCount(path, catalogue);
  const variants = 1 + occlusions + insertions;
  if (scorer.costOf === undefined) return null;
  const finals = [n, ...new Array<number>(occlusions).fill(n - 1), ...new Array<number>(insertions).fill(n + 1)];
  return { variants, cost: scorer.costOf([n], 'trajectory') + scorer.costOf(finals, 'final') };
}

/** Final risks of the paths: scoreFinal where the scorer has it, else the last step of each trajectory. */
async function finalRisks(scorer: PathScorer, paths: readonly Path[], signal: AbortSignal | undefined): Promise<Float64Array> {
  const opts = signal === undefined ? {} : { signal };
  if (scorer.scoreFinal !== undefined) {
    const out = await scorer.scoreFinal(paths, opts);
    if (out.length !== paths.length) throw new ServicepathError('EXPLAIN_SCORER_MISMATCH', { got: out.length, expected: paths.length });
    return out;
  }
  return Float64Array.from(await scoreChecked(scorer, paths, opts), finalOf);
}

/** Variants per final-risk call: an explanation's variants are built and scored a chunk at a time. */
const VARIANT_CHUNK = 128;

/**
 * Trajectory, turning points and counterfactual candidates of one validated path. The path's trajectory is one
 * scoring call; then the final risks of its occlusions (attribution 'occlusion' only) and of every (service,
 * insertion age) variant, built and scored VARIANT_CHUNK at a time, each call led by the original path (a
 * sequence model runs each variant's last window once, sharing the original's states up to the changed event).
 * Building variants lazily keeps memory flat and lets the event loop turn between chunks.
 */
export async function explainPath(
  scorer: PathScorer,
  path: Path,
  catalogue: Catalogue,
  opts: ExplainOptions = {},
): Promise<InterventionsResult> {
  const attribution = opts.attribution ?? 'occlusion';
  const n = path.events.length;
  // Occlusions exist only for paths of more than one event (occlusionVariant's rule).
  const occlusionCount = attribution === 'occlusion' && n > 1 ? n : 0;
  const insertions = insertionPoints(path, catalogue);
  const [base] = await scoreChecked(scorer, [path], opts.signal === undefined ? {} : { signal: opts.signal });
  const baseFinal = finalOf(base!);
  const total = occlusionCount + insertions.length;
  const variantFinals = new Float64Array(total);
  for (let at = 0; at < total; at += VARIANT_CHUNK) {
    const chunk: Path[] = [path];
    for (let v = at; v < Math.min(total, at + VARIANT_CHUNK); v++) {
      chunk.push(v < occlusionCount ? occlusionVariant(path, v)! : insertionPath(path, insertions[v - occlusionCount]!));
    }
    const finals = await finalRisks(scorer, chunk, opts.signal);
    variantFinals.set(finals.subarray(1), at);
  }
  const occlusion: (number | null)[] =
    attribution !== 'occlusion' ? [] : occlusionCount === 0 ? path.events.map(() => null) : Array.from(variantFinals.subarray(0, occlusionCount), (f) => baseFinal - f);
  const insertionFinals = variantFinals.subarray(occlusionCount);
  const index =
    opts.cohortPaths === undefined ? null : opts.cohortPaths instanceof Map ? opts.cohortPaths : cohortIndexOf(opts.cohortPaths);
  const steps = trajectorySteps(path, base!);
  const topK = opts.topK ?? 10;
  // Every candidate is ranked; only the returned ones need their cohort-path support.
  const ranked = rankCandidates(path, insertions, insertionFinals, baseFinal, index, topK);
  const returned = ranked.slice(0, topK);
  const intervals = await candidateIntervals(
    scorer,
    path,
    returned.map((c) => c.insertion),
    opts.signal,
  );
  const estimator = estimatorOf(scorer, opts, intervals?.replicates ?? null);
  return {
    modelKind: scorer.modelKind,
    caveat: estimator.adjusted ? INTERVENTIONS_CAVEAT : UNADJUSTED_CAVEAT,
    estimator,
    indexAgeDays: indexAgeOf(path),
    finalRisk: baseFinal,
    attribution,
    trajectory: steps,
    turningPoints: rankTurningPoints(steps, occlusion, attribution, opts.turningPoints ?? 3),
    candidates: returned.map(({ insertion, ...c }, i) => ({
      ...c,
      riskDropInterval: intervals?.intervals[i] ?? null,
      seldomGiven: scorer.seldomGiven?.(insertion.service, insertion.ageDays) ?? null,
    })),
    candidatesScored: ranked.length,
    variantsScored: 1 + total,
  };
}
