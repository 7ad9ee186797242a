// Test doubles for the service: a models folder of fake bundles, a transparent scorer, tokens of each role.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ServicepathError } from '../../../src/errors/index.js';
import { type BuildAppOptions, buildApp } from '../../../src/serve/app.js';
import { sha256Hex } from '../../../src/util/hash.js';
import type { AuditEntry } from '../../../src/serve/audit-chain.js';
import type { TokenEntry } from '../../../src/serve/tokens-file.js';
import type { BundleLoader, LoadedBundleLike } from '../../../src/serve/types.js';
import type { Catalogue } from '../../../src/schemas/catalogue.js';
import type { CohortPathsFile } from '../../../src/schemas/cohort-paths.js';
import type { Path } from '../../../src/schemas/path.js';
import type { PathScorer } from '../../../src/schemas/scoring.js';
import { TaskSpecSchema } from '../../../src/schemas/task.js';
import type { ServedManifest, ServedMetrics } from '../../../src/serve/types.js';

export const TOKENS = { planner: 'tok-planner', auditor: 'tok-auditor', admin: 'tok-admin' } as const;
export const TOKEN_ENTRIES: TokenEntry[] = Object.entries(TOKENS).map(([role, token]) => ({
  id: `${role}-1`,
  role: role as TokenEntry['role'],
  sha256: sha256Hex(token),
}));
export const auth = (role: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[role]}` });

/** Every entry of an audit log file, parsed. */
export const auditEntries = (file: string): AuditEntry[] =>
  readFileSync(file, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEntry);

export const CATALOGUE: Catalogue = {
  services: [
    { code: 'FAMILY_WORK', domain: 'social_work', label: 'Family work', labelFi: 'Perhetyö', relation: 'self', minAgeDays: 0, maxAgeDays: 36_525 },
    { code: 'HOME_HELP', domain: 'social_work', label: 'Home help', labelFi: 'Kotipalvelu', relation: 'mother', minAgeDays: 0, maxAgeDays: 36_525 },
  ],
  insertion: { fromAgeDays: 0, stepDays: 365 },
};

export const COHORT_PATHS: CohortPathsFile = {
  formatVersion: 1,
  privacy: { k: 10, minCount: 5, roundTo: 5 },
  grouping: 'test grouping',
  bands: [{ name: '0-1y', fromAgeDays: 0, toAgeDays: 365 }],
  sourcePersons: 500,
  paths: [
    {
      id: 'cp-a',
      throughBand: '0-1y',
      steps: [{ band: '0-1y', groups: ['self:health'] }],
      persons: 40,
      outcomeRate: 0.1,
      meanPredictedRisk: 0.12,
      followedBy: [
        { code: 'FAMILY_WORK', label: 'Family work', received: { suppressed: true }, notReceived: { suppressed: true } },
        { code: 'HOME_HELP', label: 'Home help', received: { persons: 15, outcomeRate: 0.2 }, notReceived: { persons: 25, outcomeRate: 0.05 } },
      ],
      representative: { events: [{ code: 'VISIT', domain: 'health', relation: 'self', ageDays: 100 }] },
    },
    {
      id: 'cp-b',
      throughBand: '0-1y',
      steps: [{ band: '0-1y', groups: ['mother:social_work'] }],
      persons: 20,
      outcomeRate: 0.3,
      meanPredictedRisk: 0.25,
      followedBy: [],
      representative: { events: [{ code: 'SW', domain: 'social_work', relation: 'mother', ageDays: 50 }] },
    },
    {
      // Rates hidden by the disclosure rules: fewer than minCount with the outcome, on the path and one side.
      id: 'cp-c',
      throughBand: '0-1y',
      steps: [{ band: '0-1y', groups: ['self:social_work'] }],
      persons: 25,
      outcomeRate: null,
      outcomeSuppressed: 'numerator',
      meanPredictedRisk: 0.05,
      followedBy: [
        {
          code: 'HOME_HELP',
          label: 'Home help',
          received: { persons: 10, outcomeRate: null, outcomeSuppressed: 'numerator' },
          notReceived: { persons: 15, outcomeRate: null, outcomeSuppressed: 'secondary' },
        },
      ],
      representative: { events: [{ code: 'HOME_VISIT', domain: 'social_work', relation: 'self', ageDays: 60 }] },
    },
  ],
};

/** Risk rises with each RISK* event and falls with each inserted service: easy to check by hand. */
export class TransparentScorer implements PathScorer {
  readonly modelKind = 'logreg' as const;
  calls: number[] = [];
  async scoreTrajectories(paths: readonly Path[]): Promise<Float64Array[]> {
    this.calls.push(paths.length);
    return paths.map((p) => {
      let logit = -2;
      return Float64Array.from(
        p.events.map((e) => {
          if (e.code.startsWith('RISK')) logit += 0.5;
          if (e.code === 'FAMILY_WORK' || e.code === 'HOME_HELP') logit -= 0.3;
          return 1 / (1 + Math.exp(-logit));
        }),
      );
    });
  }
}

const estimate = (v: number) => ({ estimate: v, lower: v - 0.05, upper: v + 0.05, replicates: 200 });
export const FAKE_METRICS: ServedMetrics = {
  test: {
    n: 500,
    positives: 50,
    overall: { auroc: estimate(0.8), auprc: estimate(0.3), brier: estimate(0.08), calibrationSlope: estimate(1), calibrationIntercept: estimate(0), ece: estimate(0.02) },
  },
};

export function fakeManifest(name: string, version: string): ServedManifest {
  return {
    name,
    version,
    id: `sha256:${sha256Hex(`${name}@${version}`)}`,
    createdAt: '2024-01-01T00:00:00Z',
    modelKind: 'logreg',
    task: TaskSpecSchema.parse({ name: 'cw-by-7', index: { rule: 'age', ageDays: 1096 }, lookbackDays: 1096, outcome: { codes: ['CW'] }, horizonDays: 1096 }),
    signature: { input: 'Path', output: 'trajectory' },
  };
}

/** The vocabulary of the fake model: padding, unknown, two codes and a rare bucket. */
export const FAKE_VOCAB = ['<pad>', '<unk>', 'self|health|VISIT', 'mother|social_work|SW', 'self|health|<rare>'];

/** A fake bundle is a folder with fake.json; {"broken": true} makes the loader refuse it like a tampered one. */
export const fakeLoader: BundleLoader = async (dir) => {
  const spec = JSON.parse(readFileSync(join(dir, 'fake.json'), 'utf8')) as { broken?: boolean; name: string; version: string };
  if (spec.broken === true) throw new ServicepathError('CONFIG_INVALID', { file: join(dir, 'fake.json'), issues: 'checksum mismatch (test)' });
  const bundle: LoadedBundleLike = {
    dir,
    manifest: fakeManifest(spec.name, spec.version),
    scorer: new TransparentScorer(),
    preprocessing: { vocab: FAKE_VOCAB },
    catalogue: CATALOGUE,
    cohortPaths: COHORT_PATHS,
    metrics: FAKE_METRICS,
    card: { json: { model_details: { name: spec.name } }, markdown: `# ${spec.name}\n`, html: `<h1>${spec.name}</h1>` },
    dispose: () => undefined,
  };
  return bundle;
};

export function writeFakeBundle(modelsDir: string, name: string, version: string, broken = false): void {
  const dir = join(modelsDir, name, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'fake.json'), JSON.stringify({ name, version, broken }));
}

export function tempDir(prefix = 'sp-serve-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function fakeApp(modelsDir: string, extra: Partial<BuildAppOptions> = {}): Promise<FastifyInstance> {
  return buildApp({ modelsDir, loader: fakeLoader, tokens: TOKEN_ENTRIES, webRoot: join(modelsDir, 'no-web'), ...extra });
}

export function path(codes: string[]): Path {
  return { events: codes.map((code, i) => ({ code, domain: 'health', relation: 'self' as const, ageDays: 30 * (i + 1) })) };
}
