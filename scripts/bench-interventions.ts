// Benchmarks explainPath on a 64-event path with a 10-service catalogue on a 65-point insertion grid (the path's
// trajectory, then the final risks of 650 insertion variants and 64 occlusions in chunks), with the bundle's cohort
// paths for support. Prints median and p95 latency, and the part spent outside the scorer.
// Usage: node dist/scripts/bench-interventions.js [--bundle DIR] [--runs N]
import { parseArgs } from 'node:util';
import { explainPath } from '../src/explain/explain-path.js';
import { type Catalogue, CatalogueSchema } from '../src/schemas/catalogue.js';
import type { CohortPathsFile } from '../src/schemas/cohort-paths.js';
import type { Path, PathEvent } from '../src/schemas/path.js';
import type { PathScorer } from '../src/schemas/scoring.js';

const SERVICES: [string, string, 'self' | 'mother'][] = [
  ['NEUVOLA_HOME_VISIT', 'health', 'self'],
  ['EE_ENROL', 'early_education', 'self'],
  ['EE_SUPPORT', 'early_education', 'self'],
  ['FAMILY_WORK', 'social_work', 'mother'],
  ['HOME_HELP', 'social_work', 'mother'],
  ['PARENTING_GROUP', 'social_work', 'mother'],
  ['MH_ADULT_THERAPY', 'mental_health', 'mother'],
  ['SUD_TREATMENT', 'substance_abuse', 'mother'],
  ['CMH_VISIT', 'mental_health', 'self'],
  ['SCHOOL_SUPPORT', 'school', 'self'],
];

export function benchCatalogue(): Catalogue {
  return CatalogueSchema.parse({
    services: SERVICES.map(([code, domain, relation]) => ({ code, domain, relation, label: code, labelFi: code })),
    insertion: { fromAgeDays: 0, stepDays: 17 },
  });
}

/** 64 events over the first three years, child and mother, with the generator's codes. */
export function benchPath(): Path {
  const codes: [string, string, 'self' | 'mother'][] = [
    ['NEUVOLA_VISIT', 'health', 'self'],
    ['MH_ADULT_VISIT', 'mental_health', 'mother'],
    ['INCOME_SUPPORT', 'income_support', 'mother'],
    ['ER_VISIT', 'health', 'self'],
    ['NEUVOLA_NO_SHOW', 'health', 'self'],
    ['SUD_VISIT', 'substance_abuse', 'mother'],
    ['DEV_CONCERN', 'health', 'self'],
    ['CW_NOTIFICATION', 'child_welfare', 'self'],
  ];
  const events: PathEvent[] = [{ code: 'BIRTH', domain: 'health', relation: 'self', ageDays: 0, immutable: true }];
  for (let i = 1; i < 64; i++) {
    const [code, domain, relation] = codes[(i * 5) % codes.length]!;
    events.push({ code, domain, relation, ageDays: Math.round((i * 1090) / 63) });
  }
  return { indexAgeDays: 1096, events };
}

/** Without a bundle: an additive logistic scorer over codes (a stand-in, reported as such). */
function additiveScorer(): PathScorer {
  const weight = (code: string) => (code.length % 7) / 10 - 0.3;
  return {
    modelKind: 'logreg',
    async scoreTrajectories(paths) {
      return paths.map((p) => {
        const out = new Float64Array(p.events.length);
        let z = -2;
        p.events.forEach((e, i) => {
          z += weight(e.code);
          out[i] = 1 / (1 + Math.exp(-z));
        });
        return out;
      });
    },
  };
}

async function openScorer(
  bundleDir: string | undefined,
): Promise<{ scorer: PathScorer; name: string; cohortPaths?: CohortPathsFile; close: () => void }> {
  if (bundleDir === undefined) return { scorer: additiveScorer(), name: 'additive stand-in scorer (no bundle)', close: () => {} };
  const { loadBundle } = await import('../src/bundle/index.js');
  const bundle = await loadBundle(bundleDir);
  // As the service does: candidates get their cohort-path support from the bundle's file.
  return { scorer: bundle.scorer, name: `${bundle.scorer.modelKind} bundle ${bundleDir}`, cohortPaths: bundle.cohortPaths, close: () => bundle.dispose() };
}

/** The scorer with the time spent in it (ms) since the last reset, to tell the scorer's share from explain's own. */
function timedScorer(scorer: PathScorer): PathScorer & { ms: number } {
  const timed = {
    modelKind: scorer.modelKind,
    ms: 0,
    async scoreTrajectories(paths: Parameters<PathScorer['scoreTrajectories']>[0]) {
      const t0 = performance.now();
      try {
        return await scorer.scoreTrajectories(paths);
      } finally {
        timed.ms += performance.now() - t0;
      }
    },
  };
  return timed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { bundle: { type: 'string' }, runs: { type: 'string' } } });
  const runs = Number(values.runs ?? 30);
  const opened = await openScorer(values.bundle);
  const scorer = timedScorer(opened.scorer);
  const path = benchPath();
  const catalogue = benchCatalogue();
  const opts = opened.cohortPaths === undefined ? {} : { cohortPaths: opened.cohortPaths };
  let variants = 0;
  for (let i = 0; i < 3; i++) variants = (await explainPath(scorer, path, catalogue, opts)).variantsScored;
  const ms: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < runs; i++) {
    scorer.ms = 0;
    const t0 = performance.now();
    await explainPath(scorer, path, catalogue, opts);
    const total = performance.now() - t0;
    ms.push(total);
    own.push(total - scorer.ms);
  }
  opened.close();
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  console.log(`bench-interventions: ${opened.name}`);
  console.log(`  path 64 events, catalogue 10 services x 65 insertion ages; ${variants} paths per explain (a trajectory, then final risks in chunks of 128)`);
  console.log(`  runs ${runs}: median ${q(ms, 0.5).toFixed(1)} ms, p95 ${q(ms, 0.95).toFixed(1)} ms, min ${q(ms, 0).toFixed(1)} ms`);
  console.log(`  outside the scorer (variants, ranking, support): median ${q(own, 0.5).toFixed(1)} ms, p95 ${q(own, 0.95).toFixed(1)} ms`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
