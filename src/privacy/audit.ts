// The privacy audit of a bundle (`servicepath privacy-check`, `verify`, and the service before it serves a bundle):
// every published number of cohort-paths.json (and the other published files, see below) against the disclosure
// rules the bundle records, reading only what a reader of the bundle sees. Files are read raw (not through their
// schemas) so that a tampered file is reported cell by cell rather than refused as a whole.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServicepathError } from '../errors/index.js';
import { type CohortPathsFile, CohortPathsFileSchema } from '../schemas/cohort-paths.js';
import { type DisclosureRules, DisclosureRulesSchema } from '../schemas/disclosure.js';
import { auditCohortPaths, type PrivacyFinding } from './cohort-paths.js';
import { auditMetrics, countMetricsCells } from './metrics.js';

/** A finding with the bundle file it is in. */
export interface FileFinding extends PrivacyFinding {
  file: string;
}

export interface PrivacyAudit {
  rules: DisclosureRules;
  /** Published cells looked at, per file. */
  cells: Record<string, number>;
  findings: FileFinding[];
}

async function readJson(dir: string, file: string): Promise<unknown> {
  return JSON.parse(await readFile(join(dir, file), 'utf8')) as unknown;
}

/** Cells of a cohort-paths file: each path's group and rate, and each shown "followed by" side. */
function cohortCells(file: CohortPathsFile): number {
  return file.paths.reduce((n, p) => n + 1 + p.followedBy.reduce((m, f) => m + ('persons' in f.received ? 1 : 0) + ('persons' in f.notReceived ? 1 : 0), 0), 0);
}

/**
 * The rules in force: the manifest's (its privacy block), so a file cannot lower its own bar. A cohort-paths file
 * that records weaker rules than the manifest is itself a finding.
 */
function rulesOf(manifest: unknown): DisclosureRules {
  const privacy = (manifest as { privacy?: unknown } | null)?.privacy;
  const parsed = DisclosureRulesSchema.safeParse(
    privacy !== null && typeof privacy === 'object' ? Object.fromEntries(Object.entries(privacy).filter(([key]) => key !== 'minPersonsPerCode')) : {},
  );
  return parsed.success ? parsed.data : DisclosureRulesSchema.parse({});
}

export async function auditBundle(dir: string): Promise<PrivacyAudit> {
  const rules = rulesOf(await readJson(dir, 'manifest.json'));
  const findings: FileFinding[] = [];
  const cells: Record<string, number> = {};
  const raw = await readJson(dir, 'cohort-paths.json');
  const parsed = CohortPathsFileSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      findings.push({ file: 'cohort-paths.json', pointer: `/${issue.path.join('/')}`, message: issue.message });
    }
  } else {
    const file = parsed.data;
    cells['cohort-paths.json'] = cohortCells(file);
    for (const key of ['k', 'minCount', 'roundTo'] as const) {
      const weaker = key === 'roundTo' ? file.privacy[key] < rules[key] : file.privacy[key] < rules[key];
      if (weaker) findings.push({ file: 'cohort-paths.json', pointer: `/privacy/${key}`, message: `${key} ${file.privacy[key]} is weaker than the bundle's ${rules[key]}` });
    }
    for (const f of auditCohortPaths(file, rules)) findings.push({ file: 'cohort-paths.json', ...f });
  }
  // metrics.json: each report's n and positives, calibration bins, operating points, risk histograms and subgroup
  // slices. The model card copies its subgroup, threshold and calibration numbers from here (every card number cites
  // its metrics.json pointer), so auditing metrics.json audits the card's tables too.
  const metrics = await readJson(dir, 'metrics.json');
  cells['metrics.json'] = countMetricsCells(metrics);
  for (const f of auditMetrics(metrics, rules)) findings.push({ file: 'metrics.json', ...f });
  return { rules, cells, findings };
}

/** Each finding as the catalogued BUNDLE_PRIVACY_VIOLATION (empty when the audit is clean). */
export function privacyErrors(dir: string, audit: Pick<PrivacyAudit, 'rules' | 'findings'>): ServicepathError[] {
  const { k, minCount, roundTo } = audit.rules;
  const count = audit.findings.length;
  return audit.findings.map((f) => new ServicepathError('BUNDLE_PRIVACY_VIOLATION', { dir, count, k, minCount, roundTo, file: f.file, pointer: f.pointer, detail: f.message }));
}
