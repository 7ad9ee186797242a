// Public summary of a model version from its manifest: kind, task, signature, headline metrics. Read
// defensively field by field so a summary never fails a request; never includes data fingerprints' inputs.
import type { ModelEntry, VersionState } from './registry.js';
import { compareVersions, DEFAULT_ALIAS } from './registry.js';

function field(obj: unknown, key: string): unknown {
  return obj !== null && typeof obj === 'object' && Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function describeVersion(v: VersionState) {
  const m = v.bundle?.manifest;
  const metrics = v.bundle?.metrics;
  return {
    version: v.version,
    status: v.status,
    modelKind: str(field(m, 'modelKind')) ?? v.bundle?.scorer.modelKind ?? null,
    task: field(m, 'task') ?? null,
    createdAt: str(field(m, 'createdAt')),
    signature: field(m, 'signature') ?? null,
    headlineMetrics: field(metrics, 'headline') ?? field(field(m, 'metrics'), 'headline') ?? field(m, 'metrics') ?? null,
    error: v.error,
  };
}

export function describeModel(entry: ModelEntry) {
  const versions = [...entry.versions.values()].sort((a, b) => compareVersions(b.version, a.version));
  const newest = versions.find((v) => v.status === 'ready');
  return {
    name: entry.name,
    aliases: entry.aliases,
    defaultVersion: entry.aliases[DEFAULT_ALIAS] ?? newest?.version ?? null,
    versions: versions.map(describeVersion),
  };
}
