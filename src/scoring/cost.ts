// The cost model of scoring: how many model steps a call runs, weighed by what a step of each engine costs.
// The service refuses a request whose cost is over its limit before any work starts (serve --max-request-cost),
// so the limit is a bound on CPU time that does not depend on the model's speed on the day.
// One unit is one step of the default model's scoring engine (the minimal GRU in TypedArrays,
// src/model/min-gru-engine.ts). The other weights are measured by scripts/bench-interventions.ts (docs/api.md,
// "Bounded work"): a logreg step is a few count updates; a tfjs step runs a whole layer.
import type { ScoreMode } from '../schemas/scoring.js';

/** How a bundle's model runs when scoring, as far as cost goes. */
export type ScoringEngineKind = 'logreg' | 'min-gru-engine' | 'min-gru-engine-context' | 'tfjs-recurrent' | 'tfjs-transformer';

/**
 * Cost units per model step, per engine, measured on one explanation (a 200-event path, its occlusions and
 * insertions, bundles trained on data-samples/ with maxLen 181): about 1.1 us of CPU a unit for each engine on
 * the development machine. A transformer step attends to its whole window, so its weight grows with maxLen.
 */
/** Measured: 2.2-2.7 times the plain engine's time on the same explanation (data-samples bundles, maxLen 181). */
const CONTEXT_STEP_COST = 2.5;
export const STEP_COST: Readonly<Record<Exclude<ScoringEngineKind, 'tfjs-transformer'>, number>> = {
  logreg: 0.1,
  'min-gru-engine': 1,
  // The time-decayed context: its recurrence and a sigmoid per step and unit, where the plain engine reuses the
  // gates of repeated steps.
  'min-gru-engine-context': CONTEXT_STEP_COST,
  'tfjs-recurrent': 4,
};
/** A transformer step's cost units per position of its window (21 units a step at maxLen 181). */
const TRANSFORMER_COST_PER_POSITION = 0.12;

function stepCost(engine: ScoringEngineKind, maxLen: number | null): number {
  return engine === 'tfjs-transformer' ? TRANSFORMER_COST_PER_POSITION * (maxLen ?? 1) : STEP_COST[engine];
}

/**
 * Model steps of one path of n events. A sequence model reads windows of at most maxLen events: the trajectory
 * of a path longer than maxLen takes one window per event past maxLen (each of maxLen steps), the final risk
 * only the last window. The logreg (maxLen null) reads every event once either way.
 */
export function pathSteps(n: number, maxLen: number | null, mode: ScoreMode): number {
  if (maxLen === null) return n;
  const first = Math.min(n, maxLen);
  return mode === 'final' ? first : first + Math.max(0, n - maxLen) * maxLen;
}

/** Cost units of scoring paths of these event counts. */
export function scoringCost(engine: ScoringEngineKind, maxLen: number | null, eventCounts: readonly number[], mode: ScoreMode): number {
  let steps = 0;
  for (const n of eventCounts) steps += pathSteps(n, maxLen, mode);
  return steps * stepCost(engine, maxLen);
}
