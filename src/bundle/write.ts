// Writes a bundle: every file into a temporary folder beside the target, then one rename to
// models/<name>/<version>/. A bundle is never edited; a taken version is FILE_EXISTS.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServicepathError } from '../errors/index.js';
import type { Calibration } from '../schemas/fitted-models.js';
import type { LogregModel } from '../schemas/fitted-models.js';
import type { Preprocessing } from '../schemas/fitted-models.js';
import type { EffectModel } from '../schemas/fitted-models.js';
import { type LayersModel, saveModelArtifacts } from '../model/index.js';
import type { Catalogue } from '../schemas/catalogue.js';
import type { CohortPathsFile } from '../schemas/cohort-paths.js';
import { type Manifest, ManifestSchema, STAGE_FILES } from '../schemas/manifest.js';
import type { MetricsFile } from '../schemas/metrics.js';
import { describeFiles, listFiles } from './files.js';
import { sha256Hex } from '../util/hash.js';
import type { InputExample } from './input-example.js';
import { type IdentifiedKey, signManifest } from './signing.js';

export const MANIFEST_FILE = 'manifest.json';
export const CARD_FILE_NAMES = ['model-card.json', 'model-card.md', 'model-card.html'];

export type ManifestDraft = Omit<Manifest, 'formatVersion' | 'name' | 'version' | 'id' | 'files' | 'manifestSignature'>;

export interface BundleContents {
  model: { kind: 'logreg'; logreg: LogregModel } | { kind: 'gru' | 'transformer'; network: LayersModel };
  preprocessing: Preprocessing;
  /** The treatment-aware second stage, written as effect-model.json when the training used it. */
  effect?: EffectModel | null;
  calibration: Calibration;
  metrics: MetricsFile;
  catalogue: Catalogue;
  cohortPaths: CohortPathsFile;
  inputExample: InputExample;
  trainingLog: readonly Record<string, unknown>[];
}

interface WriteBundleOptions {
  modelsDir: string;
  name: string;
  /** Default: one more than the largest numeric version present (1 for the first). */
  version?: string;
  manifest: ManifestDraft;
  contents: BundleContents;
  /** Writes the model card files into the folder, given the manifest as it will be (less the card's own files). */
  writeCard?: (dir: string, manifest: Manifest) => Promise<void>;
  /** Signs the manifest (manifestSignature, src/bundle/signing.ts); absent or null: the bundle is unsigned. */
  signingKey?: IdentifiedKey | null;
}

async function nextVersion(nameDir: string): Promise<string> {
  let entries: string[] = [];
  try {
    entries = await readdir(nameDir);
  } catch {
    return '1'; // no bundle of this name yet
  }
  const numbers = entries.filter((e) => /^\d+$/.test(e)).map(Number);
  return String(numbers.length === 0 ? 1 : Math.max(...numbers) + 1);
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Returns the bundle folder and its manifest. */
export async function writeBundle(opts: WriteBundleOptions): Promise<{ dir: string; manifest: Manifest }> {
  const nameDir = join(opts.modelsDir, opts.name);
  const version = opts.version ?? (await nextVersion(nameDir));
  const target = join(nameDir, version);
  if (await exists(target)) throw new ServicepathError('FILE_EXISTS', { file: target });
  const tmp = join(nameDir, `.tmp-${version}-${randomBytes(6).toString('hex')}`);
  await mkdir(tmp, { recursive: true });
  try {
    const c = opts.contents;
    if (c.model.kind === 'logreg') await writeFile(join(tmp, 'logreg.json'), `${JSON.stringify(c.model.logreg)}\n`);
    else await saveModelArtifacts(c.model.network, tmp);
    await writeFile(join(tmp, 'preprocessing.json'), json(c.preprocessing));
    if (c.effect !== undefined && c.effect !== null) await writeFile(join(tmp, STAGE_FILES.effectModel), `${JSON.stringify(c.effect)}\n`);
    await writeFile(join(tmp, 'calibration.json'), json(c.calibration));
    await writeFile(join(tmp, 'metrics.json'), json(c.metrics));
    await writeFile(join(tmp, 'catalogue.json'), json(c.catalogue));
    await writeFile(join(tmp, 'cohort-paths.json'), json(c.cohortPaths));
    await writeFile(join(tmp, 'input-example.json'), json(c.inputExample));
    await writeFile(join(tmp, 'training-log.jsonl'), c.trainingLog.map((l) => `${JSON.stringify(l)}\n`).join(''));
    // The id hashes the content files (not the card, which cites the id, nor the manifest).
    const contentFiles = await describeFiles(tmp, await listFiles(tmp));
    const id = `sha256:${sha256Hex(contentFiles.map((f) => `${f.path}:${f.sha256}`).join('\n'))}`;
    const base = { formatVersion: 1 as const, name: opts.name, version, id, ...opts.manifest };
    if (opts.writeCard !== undefined) await opts.writeCard(tmp, ManifestSchema.parse({ ...base, files: contentFiles }));
    const unsigned = ManifestSchema.parse({ ...base, files: await describeFiles(tmp, await listFiles(tmp)) });
    // Signed last: the signature covers every other field, the checksums of every file included.
    const manifest = opts.signingKey === undefined || opts.signingKey === null ? unsigned : ManifestSchema.parse({ ...unsigned, manifestSignature: signManifest(unsigned, opts.signingKey) });
    await writeFile(join(tmp, MANIFEST_FILE), json(manifest));
    if (await exists(target)) throw new ServicepathError('FILE_EXISTS', { file: target });
    try {
      await rename(tmp, target);
    } catch (err) {
      throw new ServicepathError('FILE_EXISTS', { file: target }, { cause: err });
    }
    return { dir: target, manifest };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
