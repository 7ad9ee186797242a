// What a training run reads besides the store's persons: the training config (file + flags), the catalogue, the
// generator's truth and the data fingerprint the manifest records. Every failure names the file.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfigText } from '../cohort/index.js';
import { formatZodIssues, ServicepathError } from '../errors/index.js';
import { pseudonymise } from '../ingest/pseudonym.js';
import { type Catalogue, CatalogueSchema } from '../schemas/catalogue.js';
import { type DataFingerprint, type SyntheticOrigin, SyntheticOriginSchema } from '../schemas/manifest.js';
import type { TrainConfig } from '../schemas/train-config.js';
import { sha256Hex } from '../util/hash.js';
import type { EventStore } from '../store/reader.js';
import { parseTrainConfig } from './config.js';
import { readTruthProbabilities } from './truth.js';

/** The flags that override the config file's values (the CLI's --model, --epochs, ...). */
interface TrainConfigFlags {
  model: string;
  epochs?: number;
  batchSize?: number;
  seed?: number;
  backend?: string;
}

/** The servicepath version recorded in the manifest. */
export async function packageVersion(): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(await readFile(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'servicepath') return pkg.version ?? 'unknown';
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

export async function readCatalogue(file: string): Promise<Catalogue> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  const parsed = CatalogueSchema.safeParse(parseConfigText(text, file));
  if (!parsed.success) throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) }, { cause: parsed.error });
  return parsed.data;
}

/** The truth file of a population folder (its truth/children.ndjson) or of a truth folder. */
export function truthFileOf(dir: string): string {
  const file = join(dir, 'truth', 'children.ndjson');
  return existsSync(file) ? file : join(dir, 'children.ndjson');
}

/** truth/children.ndjson -> pseudonym -> true probability (ids are pseudonymised at once, never kept raw). */
export async function readTruth(dir: string, key: Buffer): Promise<Map<string, number>> {
  const path = truthFileOf(dir);
  // Streamed: at Espoo scale the file (whole paths per child) is larger than one string can hold.
  return readTruthProbabilities(path, (rawId) => pseudonymise(key, rawId));
}

export function resolveTrainConfig(fileValues: unknown, opts: TrainConfigFlags, file: string): TrainConfig {
  const base = (fileValues ?? {}) as Record<string, unknown>;
  const overrides: Record<string, unknown> = { model: opts.model };
  if (opts.epochs !== undefined) overrides.epochs = opts.epochs;
  if (opts.batchSize !== undefined) overrides.batchSize = opts.batchSize;
  if (opts.seed !== undefined) overrides.seed = opts.seed;
  if (opts.backend !== undefined) overrides.backend = opts.backend;
  return parseTrainConfig({ ...base, ...overrides }, file);
}

/** The store's identity in a bundle's data fingerprint: the sha256 of its manifest.json's bytes. */
export async function storeManifestSha256(storeDir: string): Promise<string> {
  return sha256Hex(await readFile(join(storeDir, 'manifest.json')));
}

export async function dataFingerprintOf(store: EventStore, storeDir: string): Promise<DataFingerprint> {
  const m = store.manifest;
  return {
    storeManifestSha256: await storeManifestSha256(storeDir),
    inputs: m.inputs.map((f) => ({ file: f.file, sha256: f.sha256, rows: f.read, accepted: f.accepted, quarantined: f.quarantined, byReason: f.byReason })),
    persons: m.counts.persons,
    events: m.counts.events,
    dateRange: m.dateRange === null ? null : { from: m.dateRange.min, to: m.dateRange.max },
    keySource: m.pseudonym.keySource,
  };
}

/** The world a synthetic population came from (truth/effects.json), or undefined for a file without it. */
export async function readSyntheticOrigin(dir: string): Promise<SyntheticOrigin | undefined> {
  const file = join(dir, 'truth', 'effects.json');
  if (!existsSync(file)) return undefined;
  let summary: Record<string, unknown>;
  try {
    summary = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: 'is not JSON' }, { cause: err });
  }
  const parsed = SyntheticOriginSchema.safeParse({
    generator: 'servicepath synth',
    mechanism: summary.mechanism ?? 'additive',
    mechanismVersion: summary.mechanismVersion ?? 1,
    seed: summary.seed,
    persons: summary.persons,
  });
  if (!parsed.success) throw new ServicepathError('TRAIN_TRUTH_INVALID', { file, detail: 'has no seed, persons or mechanism' });
  return parsed.data;
}

