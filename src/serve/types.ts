// The seams the service is built on: what a loaded bundle offers and how paths are explained.
// Kept as small structural types so that routes can be tested with in-test doubles.
import type { ExplainOptions } from '../explain/index.js';
import type { Catalogue } from '../schemas/catalogue.js';
import type { CohortPathsFile } from '../schemas/cohort-paths.js';
import type { InterventionsResult } from '../schemas/interventions.js';
import type { Path } from '../schemas/path.js';
import type { PathScorer } from '../schemas/scoring.js';

/** What the service needs of a loaded bundle (src/bundle's LoadedBundle satisfies it). */
export interface LoadedBundleLike {
  dir: string;
  manifest: unknown;
  scorer: PathScorer;
  catalogue: Catalogue;
  cohortPaths: CohortPathsFile;
  metrics: unknown;
  card: { json: unknown; markdown: string; html: string };
  dispose(): void | Promise<void>;
}

/** Loads and verifies one bundle directory (checksums, input example); throws when broken. */
export type BundleLoader = (dir: string) => Promise<LoadedBundleLike>;

/** Turning points and counterfactual candidates of one path (src/explain's explainPath). */
export type ExplainFn = (scorer: PathScorer, path: Path, catalogue: Catalogue, opts?: ExplainOptions) => Promise<InterventionsResult>;

export const ROLES = ['planner', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
