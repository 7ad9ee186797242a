// The contract between a loaded model bundle and its users (explain, serve, CLI): score whole paths.
import type { Path } from './path.js';

export type ModelKind = 'logreg' | 'gru' | 'transformer';

export interface ScoreOptions {
  /**
   * Ends the work early: a scorer that slices its work checks the signal between slices and rejects with the
   * signal's reason (the service's per-request deadline).
   */
  signal?: AbortSignal;
}

/** What a scoring call computes: the risk after every event, or after the last event only. */
export type ScoreMode = 'trajectory' | 'final';

export interface PathScorer {
  readonly modelKind: ModelKind;
  /**
   * Calibrated risk after every event of each path (result[i].length === paths[i].events.length),
   * computed in batched forward passes. Paths must already be validated by PathSchema.
   */
  scoreTrajectories(paths: readonly Path[], opts?: ScoreOptions): Promise<Float64Array[]>;
  /**
   * Calibrated risk after the last event of each path: equal to the last element of scoreTrajectories, at a
   * fraction of the cost for a sequence model (only each path's last window is run). Scorers without it are
   * asked for whole trajectories.
   */
  scoreFinal?(paths: readonly Path[], opts?: ScoreOptions): Promise<Float64Array>;
  /**
   * The work a call would do, in cost units (one unit: one step of the default GRU's scoring engine; other models
   * weigh their steps by measured cost, src/scoring/cost.ts), from the paths' event counts alone.
   */
  costOf?(eventCounts: readonly number[], mode: ScoreMode): number;
  /**
   * The calibrated final risk of each path under each bootstrap replicate of the bundle's effect model
   * (result[i].length === the replicates): the spread of a risk drop over the replicates is its interval.
   * Present only when the bundle's effect model holds a bootstrap; `intervalLevel` is the intervals' coverage.
   */
  scoreFinalReplicates?(paths: readonly Path[], opts?: ScoreOptions): Promise<Float64Array[]>;
  readonly intervalLevel?: number;
  /**
   * Whether the bundle's training split seldom saw this service (its receiver) started at about this age, so that
   * the estimate there is extrapolated (docs/interventions.md, "Positivity"). Present only when the bundle records it.
   */
  seldomGiven?(service: { code: string; relation: string }, ageDays: number): boolean;
}
