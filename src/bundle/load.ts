// Loads a bundle for scoring: manifest schema, every checksum, each file's schema, the model, and the
// input example run before anything is returned. verifyBundle lists every problem instead of stopping.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatZodIssues, isServicepathError, ServicepathError, zodIssueList } from '../errors/index.js';
import { auditBundle, privacyErrors } from '../privacy/audit.js';
import { type Calibration, CalibrationSchema } from '../schemas/fitted-models.js';
import { LogregModelSchema } from '../schemas/fitted-models.js';
import { type Preprocessing, PreprocessingSchema } from '../schemas/fitted-models.js';
import { type EffectModel, EffectModelSchema } from '../schemas/fitted-models.js';
import { type BackendPreference, type LayersModel, loadModelArtifacts, selectBackend } from '../model/index.js';
import { type Catalogue, CatalogueSchema } from '../schemas/catalogue.js';
import { type CohortPathsFile, CohortPathsFileSchema } from '../schemas/cohort-paths.js';
import { hasStage, type Manifest, STAGE_FILES, StoredManifestSchema } from '../schemas/manifest.js';
import { type MetricsFile, MetricsFileSchema } from '../schemas/metrics.js';
import type { PathScorer } from '../schemas/scoring.js';
import { readBundleJson } from './files.js';
import { sha256Hex } from '../util/hash.js';
import { InputExampleSchema } from './input-example.js';
import { createScorer } from '../scoring/scorer.js';
import { featureDim } from '../features/counts.js';
import { MANIFEST_FILE } from './write.js';

export interface LoadedBundle {
  dir: string;
  manifest: Manifest;
  scorer: PathScorer;
  preprocessing: Preprocessing;
  calibration: Calibration;
  /** The treatment-aware second stage (bundles trained with adjustment treatment or treatment+ipw). */
  effect: EffectModel | null;
  catalogue: Catalogue;
  cohortPaths: CohortPathsFile;
  metrics: MetricsFile;
  card: { json: unknown; markdown: string; html: string };
  dispose(): void;
}

interface BundleProblem {
  code: string;
  message: string;
}

const REQUIRED = ['preprocessing.json', 'calibration.json', 'metrics.json', 'catalogue.json', 'cohort-paths.json', 'input-example.json', 'model-card.json', 'model-card.md', 'model-card.html'];

export async function readManifest(dir: string): Promise<Manifest> {
  return (await readManifestFile(dir)).manifest;
}

/** The manifest, and manifest.json as plain JSON (what a signature covers), from one read of the file. */
export async function readManifestFile(dir: string): Promise<{ manifest: Manifest; raw: object }> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    throw new ServicepathError('BUNDLE_NOT_FOUND', { dir }, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('BUNDLE_INVALID', { dir, file: MANIFEST_FILE, issues: 'not valid JSON' }, { cause: err });
  }
  const parsed = StoredManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ServicepathError('BUNDLE_INVALID', { dir, file: MANIFEST_FILE, issues: formatZodIssues(parsed.error) }, { cause: parsed.error, details: zodIssueList(parsed.error) });
  }
  return { manifest: parsed.data, raw: raw as object };
}

/** Checks that every listed file exists with its checksum and that the required files are listed. */
export async function checkFiles(dir: string, manifest: Manifest): Promise<ServicepathError[]> {
  const problems: ServicepathError[] = [];
  const listed = new Set(manifest.files.map((f) => f.path));
  const stageFiles = manifest.stages.flatMap((s) => (s.stage === 'base-model' ? s.files : [s.file]));
  for (const file of [...new Set([...REQUIRED, ...stageFiles])]) {
    if (!listed.has(file)) problems.push(new ServicepathError('BUNDLE_FILE_MISSING', { dir, file }));
  }
  for (const f of manifest.files) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(dir, f.path));
    } catch (err) {
      problems.push(new ServicepathError('BUNDLE_FILE_MISSING', { dir, file: f.path }, { cause: err }));
      continue;
    }
    if (bytes.length !== f.bytes || sha256Hex(bytes) !== f.sha256) problems.push(new ServicepathError('BUNDLE_CHECKSUM_MISMATCH', { dir, file: f.path }));
  }
  return problems;
}

async function readText(dir: string, file: string): Promise<string> {
  try {
    return await readFile(join(dir, file), 'utf8');
  } catch (err) {
    throw new ServicepathError('BUNDLE_FILE_MISSING', { dir, file }, { cause: err });
  }
}

async function runInputExample(dir: string, scorer: PathScorer): Promise<void> {
  const example = await readBundleJson(dir, 'input-example.json', InputExampleSchema);
  const got = await scorer.scoreTrajectories(example.examples.map((e) => e.path));
  example.examples.forEach((e, i) => {
    const risks = got[i] as Float64Array;
    if (risks.length !== e.expected.length) {
      throw new ServicepathError('BUNDLE_INPUT_EXAMPLE_MISMATCH', { dir, example: i, step: risks.length, got: 'no value', expected: 'a value' });
    }
    e.expected.forEach((want, step) => {
      const have = risks[step] as number;
      if (!(Math.abs(have - want) <= example.tolerance)) {
        throw new ServicepathError('BUNDLE_INPUT_EXAMPLE_MISMATCH', { dir, example: i, step, got: have.toFixed(6), expected: want.toFixed(6) });
      }
    });
  });
}

interface LoadBundleOptions {
  /** TensorFlow.js backend for sequence models (default auto; SERVICEPATH_BACKEND applies). */
  backend?: BackendPreference;
}

/**
 * Loads a bundle to score with: the manifest, every checksum, the privacy audit, then openBundle. The service loads
 * through src/bundle/verify.ts loadVerifiedBundle instead, which runs every check of `servicepath verify` (load = verify).
 */
export async function loadBundle(dir: string, opts: LoadBundleOptions = {}): Promise<LoadedBundle> {
  const manifest = await readManifest(dir);
  const problems = await checkFiles(dir, manifest);
  if (problems.length > 0) throw problems[0] as ServicepathError;
  // Nothing is served or scored from a bundle whose published numbers break the disclosure rules.
  const [disclosure] = privacyErrors(dir, await auditBundle(dir));
  if (disclosure !== undefined) throw disclosure;
  return openBundle(dir, manifest, opts);
}

/**
 * The effect model must be the one fitted for this bundle: the catalogue's services (code and receiver, in order)
 * and first insertion age, one count weight per preprocessing feature, markers from the vocabulary.
 */
function checkEffectModel(dir: string, effect: EffectModel, catalogue: Catalogue, prep: Preprocessing): void {
  const fail = (other: string, detail: string) => {
    throw new ServicepathError('BUNDLE_EFFECT_MODEL_MISMATCH', { dir, file: STAGE_FILES.effectModel, other, detail });
  };
  const wanted = catalogue.services.map((s) => `${s.relation}:${s.code}`);
  const got = effect.services.map((s) => `${s.relation}:${s.code}`);
  if (wanted.length !== got.length || wanted.some((w, i) => w !== got[i])) fail('catalogue.json', `services ${got.join(', ')} against the catalogue's ${wanted.join(', ')}`);
  if (effect.fromAgeDays !== catalogue.insertion.fromAgeDays) fail('catalogue.json', `first insertion age ${effect.fromAgeDays} against the catalogue's ${catalogue.insertion.fromAgeDays}`);
  if (effect.weights.counts.length !== featureDim(prep)) fail('preprocessing.json', `${effect.weights.counts.length} count weights against ${featureDim(prep)} features`);
  const vocab = new Set(prep.vocab);
  const unknown = effect.markers.flat().find((m) => !vocab.has(m));
  if (unknown !== undefined) fail('preprocessing.json', `marker ${unknown} is not in the vocabulary`);
}

/**
 * Reads every file's schema, loads the model and re-scores the input example. The caller has checked the files'
 * checksums and the privacy audit (loadBundle, or verify's own checks).
 */
export async function openBundle(dir: string, manifest: Manifest, opts: LoadBundleOptions = {}): Promise<LoadedBundle> {
  const preprocessing = await readBundleJson(dir, 'preprocessing.json', PreprocessingSchema);
  const calibration = await readBundleJson(dir, 'calibration.json', CalibrationSchema);
  const metrics = await readBundleJson(dir, 'metrics.json', MetricsFileSchema);
  const catalogue = await readBundleJson(dir, 'catalogue.json', CatalogueSchema);
  const cohortPaths = await readBundleJson(dir, 'cohort-paths.json', CohortPathsFileSchema);
  const card = {
    json: JSON.parse(await readText(dir, 'model-card.json')) as unknown,
    markdown: await readText(dir, 'model-card.md'),
    html: await readText(dir, 'model-card.html'),
  };
  const effect = hasStage(manifest, 'effect-model') ? await readBundleJson(dir, STAGE_FILES.effectModel, EffectModelSchema) : null;
  if (effect !== null) checkEffectModel(dir, effect, catalogue, preprocessing);
  let scorer: PathScorer;
  let network: LayersModel | null = null;
  if (manifest.modelKind === 'logreg') {
    scorer = createScorer(preprocessing, { kind: 'logreg', logreg: await readBundleJson(dir, 'logreg.json', LogregModelSchema) }, calibration, effect);
  } else {
    await selectBackend(opts.backend ?? 'auto');
    network = await loadModelArtifacts(dir);
    scorer = createScorer(preprocessing, { kind: manifest.modelKind, network }, calibration, effect);
  }
  try {
    await runInputExample(dir, scorer);
  } catch (err) {
    network?.dispose();
    throw err;
  }
  return { dir, manifest, scorer, preprocessing, calibration, effect, catalogue, cohortPaths, metrics, card, dispose: () => network?.dispose() };
}

/** Every problem found (empty when the bundle is sound): checksums first, then a full load with the input example. */
export async function verifyBundle(dir: string): Promise<BundleProblem[]> {
  const asProblem = (e: ServicepathError): BundleProblem => ({ code: e.code, message: e.message });
  let manifest: Manifest;
  try {
    manifest = await readManifest(dir);
  } catch (err) {
    if (isServicepathError(err)) return [asProblem(err)];
    throw err;
  }
  const problems = (await checkFiles(dir, manifest)).map(asProblem);
  if (problems.length > 0) return problems;
  try {
    (await loadBundle(dir)).dispose();
  } catch (err) {
    if (isServicepathError(err)) return [asProblem(err)];
    throw err;
  }
  return [];
}
