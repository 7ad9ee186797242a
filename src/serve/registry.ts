// Model registry: every <models>/<name>/<version>/ bundle, aliases from <models>/<name>/aliases.json,
// hot reload on change or on demand. A broken bundle is refused (logged, listed) while the others serve.
import { type FSWatcher, watch } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import { formatZodIssues, isServicepathError, ServicepathError } from '../errors/index.js';
import { Batcher, type BatcherOptions } from './batcher.js';
import type { BundleLoader, LoadedBundleLike } from './types.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** `aliases.json`: alias -> version, e.g. {"production": "3"}. Lives beside the versions; bundles stay immutable. */
const AliasesFileSchema = z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'alias: a letter, then letters, digits, _ or -'), z.string().regex(NAME_RE));
export const DEFAULT_ALIAS = 'production';

export interface VersionState {
  name: string;
  version: string;
  dir: string;
  fingerprint: string;
  status: 'ready' | 'refused';
  bundle: LoadedBundleLike | null;
  scorer: Batcher | null;
  error: { code: string; message: string } | null;
  loadedAt: string;
}

export interface ModelEntry {
  name: string;
  versions: Map<string, VersionState>;
  aliases: Record<string, string>;
  aliasError: string | null;
}

interface RegistryOptions {
  modelsDir: string;
  loader: BundleLoader;
  log: FastifyBaseLogger;
  batch: BatcherOptions;
  /** Debounce of file-system change events before a reload. */
  reloadDebounceMs?: number;
}

/** Versions sort numerically when both are numbers, else as text. */
export function compareVersions(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Bundles are written to a temporary folder and renamed: skip hidden and temporary folders. */
function isCandidate(name: string): boolean {
  return NAME_RE.test(name) && !/(^|[.-])tmp($|[.-])|\.partial$/i.test(name);
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && isCandidate(e.name)).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Names, sizes and modification times of a bundle's files: a change means reload. */
async function fingerprint(dir: string): Promise<string> {
  const parts: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const e of entries) {
      if (e.isDirectory()) await walk(join(d, e.name), `${rel}${e.name}/`);
      else {
        const s = await stat(join(d, e.name));
        parts.push(`${rel}${e.name}:${s.size}:${s.mtimeMs}`);
      }
    }
  };
  await walk(dir, '');
  return parts.join('|');
}

export class ModelRegistry {
  readonly models = new Map<string, ModelEntry>();
  private loaded = false;
  private reloading: Promise<void> | null = null;
  private again = false;
  private watcher: FSWatcher | null = null;
  private debounce: NodeJS.Timeout | null = null;
  reloads = 0;

  constructor(private readonly opts: RegistryOptions) {}

  /** Loads new and changed versions, drops removed ones, re-reads aliases. Concurrent calls coalesce. */
  reload(): Promise<void> {
    if (this.reloading !== null) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.again = false;
        await this.scan();
      } while (this.again);
    })().finally(() => {
      this.reloading = null;
      this.loaded = true;
      this.reloads++;
    });
    return this.reloading;
  }

  private async scan(): Promise<void> {
    const { modelsDir, log } = this.opts;
    const names = await subdirs(modelsDir);
    for (const gone of [...this.models.keys()].filter((n) => !names.includes(n))) {
      const entry = this.models.get(gone)!;
      this.models.delete(gone);
      for (const v of entry.versions.values()) void this.retire(v);
      log.info({ model: gone }, 'model removed');
    }
    for (const name of names) {
      const entry = this.models.get(name) ?? { name, versions: new Map(), aliases: {}, aliasError: null };
      const versions = await subdirs(join(modelsDir, name));
      for (const gone of [...entry.versions.keys()].filter((v) => !versions.includes(v))) {
        void this.retire(entry.versions.get(gone)!);
        entry.versions.delete(gone);
        log.info({ model: name, version: gone }, 'model version removed');
      }
      for (const version of versions) {
        const dir = join(modelsDir, name, version);
        const fp = await fingerprint(dir).catch(() => 'unreadable');
        const old = entry.versions.get(version);
        if (old !== undefined && old.fingerprint === fp) continue;
        const state = await this.loadVersion(name, version, dir, fp);
        entry.versions.set(version, state);
        if (old !== undefined) void this.retire(old);
      }
      await this.readAliases(entry);
      if (entry.versions.size > 0) this.models.set(name, entry);
      else this.models.delete(name);
    }
  }

  private async loadVersion(name: string, version: string, dir: string, fp: string): Promise<VersionState> {
    const base = { name, version, dir, fingerprint: fp, loadedAt: new Date().toISOString() };
    try {
      const bundle = await this.opts.loader(dir);
      // A genuine bundle copied into another name or version folder would serve under a name it was not trained
      // and signed for: the manifest's name and version must be the folder's.
      const { name: signedName, version: signedVersion } = bundle.manifest;
      if (signedName !== name || signedVersion !== version) {
        await bundle.dispose();
        throw new ServicepathError('BUNDLE_MANIFEST_MISMATCH', {
          dir,
          evidence: 'its folder',
          detail: `the manifest names ${signedName}@${signedVersion}, the folder ${name}/${version}`,
        });
      }
      this.opts.log.info({ model: name, version, dir }, `model ${name}@${version} loaded`);
      return { ...base, status: 'ready', bundle, scorer: new Batcher(bundle.scorer, this.opts.batch), error: null };
    } catch (err) {
      const code = isServicepathError(err) ? err.code : 'INTERNAL_ERROR';
      const message = isServicepathError(err) ? err.message : 'the loader failed unexpectedly (see the error in this log line)';
      this.opts.log.error({ model: name, version, dir, code, err }, `bundle refused: ${name}@${version} (${dir}): ${code}: ${message}`);
      return { ...base, status: 'refused', bundle: null, scorer: null, error: { code, message } };
    }
  }

  private async readAliases(entry: ModelEntry): Promise<void> {
    const file = join(this.opts.modelsDir, entry.name, 'aliases.json');
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      entry.aliases = {};
      entry.aliasError = null;
      return;
    }
    try {
      const parsed = AliasesFileSchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(formatZodIssues(parsed.error));
      entry.aliases = parsed.data;
      entry.aliasError = null;
    } catch (err) {
      // Keep the previous aliases: a half-written file must not unpublish production.
      entry.aliasError = (err as Error).message;
      this.opts.log.error({ model: entry.name, file, err }, `aliases refused: ${file}: ${(err as Error).message}`);
    }
  }

  /** Disposes a replaced or removed version once its queued scoring has finished. */
  private async retire(state: VersionState): Promise<void> {
    try {
      await state.scorer?.drain();
      await state.bundle?.dispose();
    } catch (err) {
      this.opts.log.error({ model: state.name, version: state.version, err }, 'dispose failed');
    }
  }

  /** `name`, `name@version` or `name@alias`; a bare name means the production alias, else the newest version. */
  resolve(ref: string): VersionState {
    const at = ref.indexOf('@');
    const name = at < 0 ? ref : ref.slice(0, at);
    const which = at < 0 ? null : ref.slice(at + 1);
    const entry = this.models.get(name);
    if (entry === undefined) throw new ServicepathError('SERVE_MODEL_NOT_FOUND', { model: ref });
    let state: VersionState | undefined;
    if (which === null) {
      const alias = entry.aliases[DEFAULT_ALIAS];
      state = alias !== undefined ? entry.versions.get(alias) : this.newestReady(entry);
    } else {
      state = entry.versions.get(which) ?? (entry.aliases[which] !== undefined ? entry.versions.get(entry.aliases[which]!) : undefined);
    }
    if (state === undefined) throw new ServicepathError('SERVE_MODEL_NOT_FOUND', { model: ref });
    if (state.status !== 'ready') throw new ServicepathError('SERVE_MODEL_UNAVAILABLE', { model: `${state.name}@${state.version}`, code: state.error?.code ?? '' });
    return state;
  }

  private newestReady(entry: ModelEntry): VersionState | undefined {
    return [...entry.versions.values()].filter((v) => v.status === 'ready').sort((a, b) => compareVersions(b.version, a.version))[0];
  }

  all(): VersionState[] {
    return [...this.models.values()].flatMap((m) => [...m.versions.values()]);
  }

  /** Ready when the first load finished, at least one bundle is served and none was refused. */
  readiness(): { ready: boolean; detail: string; refused: { model: string; code: string }[] } {
    const all = this.all();
    const refused = all.filter((v) => v.status === 'refused').map((v) => ({ model: `${v.name}@${v.version}`, code: v.error?.code ?? '' }));
    if (!this.loaded) return { ready: false, detail: 'bundles are loading', refused };
    if (refused.length > 0) return { ready: false, detail: `refused bundles: ${refused.map((r) => `${r.model} (${r.code})`).join(', ')}`, refused };
    if (all.length === 0) return { ready: false, detail: `no bundles under ${this.opts.modelsDir}`, refused };
    return { ready: true, detail: `${all.length} bundle(s) ready`, refused };
  }

  /** Reloads after file-system changes settle (debounced); SIGHUP calls reload() directly. */
  watch(): void {
    const debounceMs = this.opts.reloadDebounceMs ?? 300;
    try {
      this.watcher = watch(this.opts.modelsDir, { recursive: true }, () => {
        if (this.debounce !== null) clearTimeout(this.debounce);
        this.debounce = setTimeout(() => {
          this.debounce = null;
          this.reload().catch((err: unknown) => this.opts.log.error({ err }, 'reload failed'));
        }, debounceMs);
      });
      this.watcher.on('error', (err) => this.opts.log.error({ err }, 'model folder watch failed; reload with SIGHUP'));
    } catch (err) {
      this.opts.log.error({ err }, 'cannot watch the model folder; reload with SIGHUP');
    }
  }

  async close(): Promise<void> {
    this.watcher?.close();
    if (this.debounce !== null) clearTimeout(this.debounce);
    await this.reloading;
    await Promise.all(this.all().map((v) => this.retire(v)));
    this.models.clear();
  }
}
