// The contract between a loaded model bundle and its users (explain, serve, CLI): score whole paths.
import type { Path } from './path.js';

export type ModelKind = 'logreg' | 'gru' | 'transformer';

export interface PathScorer {
  readonly modelKind: ModelKind;
  /**
   * Calibrated risk after every event of each path (result[i].length === paths[i].events.length),
   * computed in batched forward passes. Paths must already be validated by PathSchema.
   */
  scoreTrajectories(paths: readonly Path[]): Promise<Float64Array[]>;
}
