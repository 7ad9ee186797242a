// Explains one path with a PathScorer: risk trajectory, turning points and ranked counterfactual candidates,
// all variants scored in one batched call. The answer always carries the association-not-causation caveat.
import { ServicepathError } from '../errors/index.js';
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
import { type CohortIndex, indexCohortPaths, supportFor } from './cohort-paths.js';
import { indexAgeOf, type InsertionVariant, insertionVariants, occlusionVariant } from './variants.js';

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
export async function scoreChecked(scorer: PathScorer, paths: readonly Path[]): Promise<Float64Array[]> {
  const out = await scorer.scoreTrajectories(paths);
  const bad = out.length !== paths.length || out.some((t, i) => t.length !== paths[i]!.events.length);
  if (bad) throw new ServicepathError('EXPLAIN_SCORER_MISMATCH', { got: out.length, expected: paths.length });
  return out;
}

const finalOf = (t: Float64Array): number => t[t.length - 1]!;

export function trajectorySteps(path: Path, risks: Float64Array): TrajectoryStep[] {
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
export function rankTurningPoints(
  steps: readonly TrajectoryStep[],
  occlusion: readonly (number | null)[],
  method: AttributionMethod,
  count: number,
): TurningPoint[] {
  return steps
    .map(({ risk: _risk, ...s }, i) => {
      const occ = occlusion[i] ?? null;
      return { ...s, occlusion: occ, score: method === 'occlusion' ? (occ ?? s.deltaRisk) : s.deltaRisk };
    })
    .filter((t) => t.score > 0)
    .sort((a, b) => b.score - a.score || a.step - b.step)
    .slice(0, count);
}

/** Candidates ranked by the drop in final risk (largest first); ties by earlier age, then code. */
export function rankCandidates(
  path: Path,
  variants: readonly InsertionVariant[],
  finals: readonly number[],
  baseFinal: number,
  index: CohortIndex | null,
): Candidate[] {
  const rows = variants.map((v, i) => {
    const found = index === null ? null : supportFor(index, path, v.service, v.ageDays);
    return {
      rank: 0,
      code: v.service.code,
      domain: v.service.domain,
      relation: v.service.relation,
      label: v.service.label,
      labelFi: v.service.labelFi,
      ageDays: v.ageDays,
      position: v.position,
      finalRisk: finals[i]!,
      riskDrop: baseFinal - finals[i]!,
      support:
        found === null
          ? null
          : {
              cohortPathId: found.cohort.id,
              throughBand: found.cohort.throughBand,
              persons: found.cohort.persons,
              outcomeRate: found.cohort.outcomeRate,
              received: found.followed.received,
              notReceived: found.followed.notReceived,
            },
    };
  });
  rows.sort((a, b) => b.riskDrop - a.riskDrop || a.ageDays - b.ageDays || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
  return rows.map((r, i) => ({ ...r, rank: i + 1 }));
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
  const occlusions = attribution === 'occlusion' ? path.events.map((_, i) => occlusionVariant(path, i)) : [];
  const occlusionPaths = occlusions.filter((p): p is Path => p !== null);
  const scored = await scoreChecked(scorer, [path, ...occlusionPaths, ...insertions.map((v) => v.path)]);
  const base = scored[0]!;
  const baseFinal = finalOf(base);
  let next = 1;
  const occlusion = occlusions.map((p) => (p === null ? null : baseFinal - finalOf(scored[next++]!)));
  const insertionFinals = scored.slice(next).map(finalOf);
  const index =
    opts.cohortPaths === undefined ? null : opts.cohortPaths instanceof Map ? opts.cohortPaths : indexCohortPaths(opts.cohortPaths);
  const steps = trajectorySteps(path, base);
  const candidates = rankCandidates(path, insertions, insertionFinals, baseFinal, index);
  return {
    modelKind: scorer.modelKind,
    caveat: INTERVENTIONS_CAVEAT,
    indexAgeDays: indexAgeOf(path),
    finalRisk: baseFinal,
    attribution,
    trajectory: steps,
    turningPoints: rankTurningPoints(steps, occlusion, attribution, opts.turningPoints ?? 3),
    candidates: candidates.slice(0, opts.topK ?? 10),
    candidatesScored: candidates.length,
    variantsScored: scored.length,
  };
}
