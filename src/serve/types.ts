// The seams the service is built on: what a loaded bundle offers and how paths are explained.
// Kept as small structural types (picks of the bundle's own schemas) so that src/bundle's LoadedBundle fits
// them as it is, and routes can still be tested with in-test doubles.
import type { BundleSigning } from '../bundle/signing.js';
import type { ExplainOptions } from '../explain/index.js';
import type { Preprocessing } from '../schemas/fitted-models.js';
import type { Catalogue } from '../schemas/catalogue.js';
import type { CohortPathsFile } from '../schemas/cohort-paths.js';
import type { InterventionsResult } from '../schemas/interventions.js';
import type { Manifest } from '../schemas/manifest.js';
import type { EvaluationReport, InterventionsCheck } from '../schemas/metrics.js';
import type { Path } from '../schemas/path.js';
import type { PathScorer } from '../schemas/scoring.js';

/** The manifest fields the service publishes (never the data fingerprint or the resolved config). */
export type ServedManifest = Pick<Manifest, 'name' | 'version' | 'id' | 'createdAt' | 'modelKind' | 'task' | 'signature'> & {
  /** Only `adjustment` is read (interventions answers say how their estimates were made); absent: unknown. */
  resolvedConfig?: Pick<Manifest['resolvedConfig'], 'adjustment'>;
};

/** metrics.json as far as the headline metrics go: the test split's overall estimates. */
export interface ServedMetrics {
  test: Pick<EvaluationReport, 'n' | 'positives' | 'overall'>;
  /** The intervention estimates' truth check, when the bundle was trained with --truth. */
  interventions?: InterventionsCheck;
}

/** What the service needs of a loaded bundle (src/bundle's LoadedBundle satisfies it). */
export interface LoadedBundleLike {
  dir: string;
  manifest: ServedManifest;
  scorer: PathScorer;
  /** Only the vocabulary is read: the codes the model knows, for the catalogue route. */
  preprocessing: Pick<Preprocessing, 'vocab'>;
  catalogue: Catalogue;
  cohortPaths: CohortPathsFile;
  metrics: ServedMetrics;
  card: { json: unknown; markdown: string; html: string };
  /** How the manifest is signed, as the loader checked it (absent: not checked, shown as unsigned). */
  signing?: Pick<BundleSigning, 'status' | 'keyId'>;
  dispose(): void | Promise<void>;
}

/** Loads and verifies one bundle directory (every check of `servicepath verify`, the signature); throws when broken. */
export type BundleLoader = (dir: string) => Promise<LoadedBundleLike>;

/** Turning points and counterfactual candidates of one path (src/explain's explainPath). */
export type ExplainFn = (scorer: PathScorer, path: Path, catalogue: Catalogue, opts?: ExplainOptions) => Promise<InterventionsResult>;

export const ROLES = ['planner', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
