// Explains one path with a PathScorer: risk trajectory, turning points and ranked counterfactual candidates,
// all variants scored in one batched call. The answer always carries the association-not-causation caveat.
import { scoreChecked } from '../scoring/checked.js';
import type { Catalogue } from '../schemas/catalogue.js';
import type { CohortPathsFile } from '../schemas/cohort-paths.js';
import {
  type AttributionMethod,
  type Candidate,
  INTERVENTIONS_CAVEAT,
  type InterventionsResult,
  type TrajectoryStep,
  type TurningPoint,
} from '../schemas/interventions.js';
import type { Path } from '../schemas/path.js';
import type { PathScorer } from '../schemas/scoring.js';
import { type CohortIndex, cohortIndexOf, type SupportMatch, supportMatcher } from './cohort-paths.js';
import { indexAgeOf } from '../schemas/path.js';
import { type InsertionVariant, insertionVariants, occlusionVariant } from './variants.js';

export interface ExplainOptions {
  /** How many ranked candidates to return (default 10; all are scored). */
  topK?: number;
  /** How many turning points to return (default 3). */
  turningPoints?: number;
  /** `occlusion` (default): final risk minus final risk without the event; `delta`: the risk step at the event. */
  attribution?: AttributionMethod;
  /** The bundle's cohort paths (or an index of them) for empirical support of each candidate. */
  cohortPaths?: CohortPathsFile | CohortIndex;
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
  variants: readonly InsertionVariant[],
  finals: ArrayLike<number>,
  baseFinal: number,
  index: CohortIndex | null,
  /** Only the first `limit` candidates (after ranking) get their cohort-path support looked up; the rest carry null. */
  limit = Number.POSITIVE_INFINITY,
): Candidate[] {
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
      support: supportOf(found),
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
 * Trajectory, turning points and counterfactual candidates of one validated path. The original, its
 * occlusions (attribution 'occlusion' only) and every (service, insertion age) variant go to the scorer in
 * ONE scoreTrajectories call.
 */
export async function explainPath(
  scorer: PathScorer,
  path: Path,
  catalogue: Catalogue,
  opts: ExplainOptions = {},
): Promise<InterventionsResult> {
  const attribution = opts.attribution ?? 'occlusion';
  const insertions = insertionVariants(path, catalogue);
  const n = path.events.length;
  // Occlusions exist only for paths of more than one event (occlusionVariant's rule).
  const occlusionPaths: Path[] = [];
  if (attribution === 'occlusion' && n > 1) for (let i = 0; i < n; i++) occlusionPaths.push(occlusionVariant(path, i)!);
  const batch: Path[] = [path];
  for (const p of occlusionPaths) batch.push(p);
  for (const v of insertions) batch.push(v.path);
  const scored = await scoreChecked(scorer, batch);
  const base = scored[0]!;
  const baseFinal = finalOf(base);
  const occlusion: (number | null)[] =
    attribution !== 'occlusion' ? [] : occlusionPaths.length === 0 ? path.events.map(() => null) : occlusionPaths.map((_, i) => baseFinal - finalOf(scored[1 + i]!));
  const first = 1 + occlusionPaths.length;
  const insertionFinals = new Float64Array(insertions.length);
  for (let i = 0; i < insertions.length; i++) insertionFinals[i] = finalOf(scored[first + i]!);
  const index =
    opts.cohortPaths === undefined ? null : opts.cohortPaths instanceof Map ? opts.cohortPaths : cohortIndexOf(opts.cohortPaths);
  const steps = trajectorySteps(path, base);
  const topK = opts.topK ?? 10;
  // Every candidate is ranked; only the returned ones need their cohort-path support.
  const candidates = rankCandidates(path, insertions, insertionFinals, baseFinal, index, topK);
  return {
    modelKind: scorer.modelKind,
    caveat: INTERVENTIONS_CAVEAT,
    indexAgeDays: indexAgeOf(path),
    finalRisk: baseFinal,
    attribution,
    trajectory: steps,
    turningPoints: rankTurningPoints(steps, occlusion, attribution, opts.turningPoints ?? 3),
    candidates: candidates.slice(0, topK),
    candidatesScored: candidates.length,
    variantsScored: scored.length,
  };
}
