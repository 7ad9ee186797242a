// Public summary of a model version from its manifest and metrics.json: kind, task, signature, headline
// metrics of the test split, and the disclosure rules its published numbers follow. Never the data fingerprint,
// the resolved config or anything person-level.
import type { MetricEstimate } from '../schemas/metrics.js';
import type { ModelEntry, VersionState } from './registry.js';
import { compareVersions, DEFAULT_ALIAS } from './registry.js';
import type { LoadedBundleLike, ServedMetrics } from './types.js';

/** The headline metrics, each a point estimate with its bootstrap interval. */
const HEADLINE_METRICS = ['auroc', 'auprc', 'brier', 'calibrationSlope', 'ece'] as const;

function headlineMetrics(metrics: ServedMetrics) {
  const { n, positives, overall } = metrics.test;
  const pick = Object.fromEntries(HEADLINE_METRICS.map((m) => [m, overall[m]])) as Record<(typeof HEADLINE_METRICS)[number], MetricEstimate>;
  return { split: 'test' as const, n, positives, ...pick };
}

/**
 * The disclosure rules in force: those the bundle's cohort paths were published under (the loader's privacy audit
 * refuses a bundle whose cohort-paths file records weaker rules than its manifest), so that clients show hidden
 * values as the API sends them ("<k", "<minCount").
 */
function privacyOf(bundle: LoadedBundleLike) {
  const { k, minCount, roundTo } = bundle.cohortPaths.privacy;
  return { k, minCount, roundTo };
}

function describeVersion(v: VersionState) {
  const b = v.bundle;
  return {
    version: v.version,
    status: v.status,
    id: b?.manifest.id ?? null,
    modelKind: b?.manifest.modelKind ?? null,
    task: b?.manifest.task ?? null,
    createdAt: b?.manifest.createdAt ?? null,
    signature: b?.manifest.signature ?? null,
    /** True when the manifest's signature verified with a trusted key; false when loaded unsigned or signed by an untrusted key (--allow-unsigned). */
    signed: b === null ? null : b.signing?.status === 'verified',
    signingKeyId: b?.signing?.keyId ?? null,
    headlineMetrics: b === null ? null : headlineMetrics(b.metrics),
    privacy: b === null ? null : privacyOf(b),
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
