// Disclosure control of metrics.json's evaluation tables and of a profile folder, on what a reader sees.
// An evaluation report publishes n and positives (rounded) and, per table:
//   - calibration bins: people (rounded) and the observed outcome rate. The bins partition the report, so the bins
//     without a shown rate together hold n - sum(shown n) people and positives - sum(rate x n) outcomes;
//   - operating points: alerts (rounded), sensitivity, specificity, PPV and NPV. With n and positives each figure
//     gives two cells of the confusion matrix (sensitivity x positives = true positives, the rest false negatives,
//     ...), and two points give the people flagged between their thresholds;
//   - risk histograms: each outcome group's share per risk bin (share x group = people); the hidden cells together
//     are the group minus its shown cells, and a share of 0 beside people of the other group says none has it;
//   - subgroup slices: people and positives (rounded).
// Every such count must clear the rules (src/privacy/rules.ts). The evaluation (src/evaluate/evaluate-binary.ts)
// decides on the true counts and on these same reader's counts, so the audit of a file it wrote is clean by
// construction, and a tampered cell is caught with its JSON pointer.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type DisclosureRules, DisclosureRulesSchema } from '../schemas/disclosure.js';
import { type CalibrationPoint, type EvaluationReport, MetricsFileSchema, type ThresholdRow, type ThresholdSuppression } from '../schemas/metrics.js';
import type { PrivacyAudit } from './audit.js';
import type { PrivacyFinding } from './cohort-paths.js';
import { cellProblems, impliedBelow, outcomeRestProblem } from './rules.js';

/** The smallest cell of people with (or without) the outcome that a histogram or subgroup slice shows. */
export const cellFloor = (rules: DisclosureRules): number => Math.max(rules.k, rules.minCount);

const escapeToken = (token: string | number) => String(token).replaceAll('~', '~0').replaceAll('/', '~1');
const whole = (x: number) => Math.max(0, Math.round(x));


/**
 * Calibration bins of a report with `n` people and `positives` outcomes (as shown): every shown bin's group and rate,
 * the bins under k together, and the bins without a shown rate together.
 */
export function calibrationFindings(points: readonly CalibrationPoint[], n: number, positives: number, rules: DisclosureRules, at = ''): PrivacyFinding[] {
  const out: PrivacyFinding[] = [];
  let shownN = 0;
  let rateN = 0;
  let rateP = 0;
  let suppressed = 0;
  let rateHidden = 0;
  points.forEach((p, i) => {
    if (p.suppressed) {
      suppressed++;
      return;
    }
    for (const message of cellProblems(p.n, p.observedRate, rules)) out.push({ pointer: `${at}/${i}`, message });
    shownN += p.n;
    if (p.observedRate === null) {
      rateHidden++;
      return;
    }
    rateN += p.n;
    rateP += p.observedRate * p.n;
  });
  const rest = n - shownN;
  if (suppressed > 0 && shownN > 0 && rest > 0 && rest < rules.k) {
    out.push({ pointer: at, message: `the bins under k hold ${rest} persons (n minus the shown bins), below k=${rules.k}` });
  }
  if (suppressed + rateHidden > 0 && rateN > 0) {
    const problem = outcomeRestProblem(n - rateN, positives - rateP, rules.minCount, 'the bins without a shown rate (n and positives minus the bins with one)');
    if (problem !== null) out.push({ pointer: at, message: problem });
  }
  return out;
}

type ConfusionCell = Exclude<ThresholdSuppression, 'secondary'>;
type ThresholdMetric = 'sensitivity' | 'specificity' | 'ppv' | 'npv';
const CELL_WORDS: Record<ConfusionCell, string> = {
  truePositives: 'flagged with the outcome',
  falsePositives: 'flagged without the outcome',
  falseNegatives: 'not flagged with the outcome',
  trueNegatives: 'not flagged without the outcome',
};

/** The confusion-matrix cells a reader derives from each shown figure of an operating point, with n and positives. */
export function thresholdCells(row: ThresholdRow, n: number, positives: number): { metric: ThresholdMetric; cell: ConfusionCell; count: number }[] {
  const out: { metric: ThresholdMetric; cell: ConfusionCell; count: number }[] = [];
  const pair = (metric: ThresholdMetric, base: number, cell: ConfusionCell, rest: ConfusionCell) => {
    const value = row[metric];
    if (value === null) return;
    out.push({ metric, cell, count: value * base }, { metric, cell: rest, count: base - value * base });
  };
  pair('sensitivity', positives, 'truePositives', 'falseNegatives');
  pair('specificity', n - positives, 'trueNegatives', 'falsePositives');
  pair('ppv', row.alerts, 'truePositives', 'falsePositives');
  pair('npv', n - row.alerts, 'trueNegatives', 'falseNegatives');
  return out;
}

/** Flagged people with and without the outcome as a reader derives them (null when the row shows too little). */
function flagged(r: ThresholdRow, n: number, positives: number): { withOutcome: number; without: number } | null {
  const withOutcome = r.sensitivity !== null ? r.sensitivity * positives : r.ppv !== null ? r.ppv * r.alerts : null;
  const without = r.specificity !== null ? (1 - r.specificity) * (n - positives) : r.ppv !== null ? (1 - r.ppv) * r.alerts : null;
  return withOutcome === null || without === null ? null : { withOutcome, without };
}

/**
 * The people flagged between consecutive operating points that show their figures (highest threshold first), as a
 * reader derives them: `to` minus `from`. Points with the same threshold flag the same people and give no band.
 */
export function thresholdBands(rows: readonly ThresholdRow[], n: number, positives: number): { from: number; to: number; withOutcome: number; without: number }[] {
  const shown = rows
    .map((r, i) => ({ i, threshold: r.threshold, f: flagged(r, n, positives) }))
    .filter((x): x is { i: number; threshold: number; f: { withOutcome: number; without: number } } => x.f !== null)
    .sort((a, b) => b.threshold - a.threshold || a.i - b.i);
  const out: { from: number; to: number; withOutcome: number; without: number }[] = [];
  for (let j = 1; j < shown.length; j++) {
    const prev = shown[j - 1]!;
    const cur = shown[j]!;
    if (cur.threshold === prev.threshold) continue;
    out.push({ from: prev.i, to: cur.i, withOutcome: cur.f.withOutcome - prev.f.withOutcome, without: cur.f.without - prev.f.without });
  }
  return out;
}

/** Operating points: alerts rounded, every derived cell and every band between two points at least minCount. */
function thresholdFindings(rows: readonly ThresholdRow[], n: number, positives: number, rules: DisclosureRules, at = ''): PrivacyFinding[] {
  const out: PrivacyFinding[] = [];
  rows.forEach((r, i) => {
    if (r.alerts % rules.roundTo !== 0) out.push({ pointer: `${at}/${i}/alerts`, message: `count ${r.alerts} is not a multiple of ${rules.roundTo}` });
    for (const c of thresholdCells(r, n, positives)) {
      if (impliedBelow(c.count, rules.minCount)) {
        out.push({ pointer: `${at}/${i}/${c.metric}`, message: `${c.metric} ${r[c.metric]} implies ${whole(c.count)} ${CELL_WORDS[c.cell]}, below ${rules.minCount}` });
      }
    }
  });
  for (const b of thresholdBands(rows, n, positives)) {
    const what = `people flagged at row ${b.to} but not at row ${b.from}`;
    const persons = b.withOutcome + b.without;
    const message = impliedBelow(persons, rules.k) ? `${what}: ${whole(persons)} persons, below k=${rules.k}` : outcomeRestProblem(persons, b.withOutcome, rules.minCount, what);
    if (message !== null) out.push({ pointer: `${at}/${b.to}`, message });
  }
  return out;
}

/**
 * One risk histogram: `shares` of a group of `total` people (as shown) per bin, `other` the other group's shares.
 * A shown cell is at least max(k, minCount) people, 0 only in an empty bin, and the hidden cells together as many.
 */
export function histogramFindings(shares: readonly (number | null)[], other: readonly (number | null)[], total: number, rules: DisclosureRules, at = ''): PrivacyFinding[] {
  const out: PrivacyFinding[] = [];
  const floor = cellFloor(rules);
  let shown = 0;
  let hidden = false;
  shares.forEach((s, b) => {
    if (s === null) {
      hidden = true;
      return;
    }
    if (s === 0) {
      if (other[b] !== 0) out.push({ pointer: `${at}/${b}`, message: 'a share of 0 in a risk bin that holds people of the other group: it says none of them is in this group' });
      return;
    }
    shown += s;
    if (impliedBelow(s * total, floor)) out.push({ pointer: `${at}/${b}`, message: `share ${s} of ${total} implies ${whole(s * total)} persons, below ${floor}` });
  });
  const rest = total * (1 - shown);
  if (hidden && shown > 0 && impliedBelow(rest, floor)) {
    out.push({ pointer: at, message: `the cells left out hold ${whole(rest)} persons (the group minus its shown cells), below ${floor}` });
  }
  return out;
}

/** A shown subgroup slice: people at least k, positives and negatives at least max(k, minCount), counts rounded. */
export function sliceProblems(n: number, positives: number, rules: DisclosureRules): string[] {
  const floor = cellFloor(rules);
  const problems: string[] = [];
  if (n < rules.k) problems.push(`group of ${n} is below k=${rules.k}`);
  for (const count of [n, positives]) if (count % rules.roundTo !== 0) problems.push(`count ${count} is not a multiple of ${rules.roundTo}`);
  if (positives < floor) problems.push(`${positives} with the outcome, below ${floor}`);
  if (n - positives < floor) problems.push(`${n - positives} without the outcome, below ${floor}`);
  return problems;
}

function reportFindings(r: EvaluationReport, rules: DisclosureRules, at: string): PrivacyFinding[] {
  const out: PrivacyFinding[] = [];
  for (const key of ['k', 'minCount', 'roundTo'] as const) {
    if (r.privacy[key] < rules[key]) out.push({ pointer: `${at}/privacy/${key}`, message: `${key} ${r.privacy[key]} is weaker than the bundle's ${rules[key]}` });
  }
  if (r.n < rules.k) out.push({ pointer: `${at}/n`, message: `group of ${r.n} is below k=${rules.k}` });
  for (const key of ['n', 'positives'] as const) {
    if (r[key] % rules.roundTo !== 0) out.push({ pointer: `${at}/${key}`, message: `count ${r[key]} is not a multiple of ${rules.roundTo}` });
  }
  if (r.positives < rules.minCount) out.push({ pointer: `${at}/positives`, message: `${r.positives} with the outcome, below ${rules.minCount}` });
  if (r.n - r.positives < rules.minCount) out.push({ pointer: `${at}/positives`, message: `${r.n - r.positives} without the outcome, below ${rules.minCount}` });
  out.push(...calibrationFindings(r.calibrationCurve.points, r.n, r.positives, rules, `${at}/calibrationCurve/points`));
  out.push(...thresholdFindings(r.thresholds, r.n, r.positives, rules, `${at}/thresholds`));
  const { positive, negative } = r.riskDistribution;
  out.push(...histogramFindings(positive, negative, r.positives, rules, `${at}/riskDistribution/positive`));
  out.push(...histogramFindings(negative, positive, r.n - r.positives, rules, `${at}/riskDistribution/negative`));
  for (const [attribute, slices] of Object.entries(r.subgroups)) {
    slices.forEach((s, i) => {
      if (s.suppressed) return;
      for (const message of sliceProblems(s.n, s.positives, rules)) out.push({ pointer: `${at}/subgroups/${escapeToken(attribute)}/${i}`, message });
    });
  }
  return out;
}

const reportsOf = (file: ReturnType<typeof MetricsFileSchema.parse>): [string, EvaluationReport][] => [
  ['/test', file.test],
  ...(file.validation === undefined ? [] : [['/validation', file.validation] as [string, EvaluationReport]]),
  ...(file.external ?? []).map((r, i): [string, EvaluationReport] => [`/external/${i}`, r]),
];

/**
 * Every rule metrics.json breaks (empty when it is clean): the n and positives of each report (test, validation,
 * external) and its calibration bins, operating points, risk histograms and subgroup slices. A file that fails its
 * schema is reported issue by issue.
 */
export function auditMetrics(raw: unknown, rules: DisclosureRules): PrivacyFinding[] {
  const parsed = MetricsFileSchema.safeParse(raw);
  if (!parsed.success) return parsed.error.issues.map((issue) => ({ pointer: `/${issue.path.map((t) => escapeToken(String(t))).join('/')}`, message: issue.message }));
  return reportsOf(parsed.data).flatMap(([at, r]) => reportFindings(r, rules, at));
}

/** Published cells of metrics.json: each report's n and positives, shown bins, operating points, histogram cells, slices. */
export function countMetricsCells(raw: unknown): number {
  const parsed = MetricsFileSchema.safeParse(raw);
  if (!parsed.success) return 0;
  return reportsOf(parsed.data).reduce((sum, [, r]) => {
    const histogram = [...r.riskDistribution.positive, ...r.riskDistribution.negative].filter((s) => s !== null).length;
    const slices = Object.values(r.subgroups).reduce((m, list) => m + list.filter((s) => !s.suppressed).length, 0);
    return sum + 2 + r.calibrationCurve.points.filter((p) => !p.suppressed).length + r.thresholds.length + histogram + slices;
  }, 0);
}

// --- profile folders (servicepath profile: <table>.csv for each table and profile.json) ---

type Cell = number | string | null;
type Row = Record<string, Cell>;
const PROFILE_TABLES = ['overview', 'events_by_domain_year', 'persons_per_code', 'age_at_first_event', 'missing_fields'] as const;

/** Problems of one profile table, each with the row and column it is in; `persons` is the store's shown total. */
function profileTableProblems(table: string, rows: readonly Row[], persons: Cell, rules: DisclosureRules): { row: number; column: string; message: string }[] {
  const out: { row: number; column: string; message: string }[] = [];
  const at = (row: number, column: string, message: string) => out.push({ row, column, message });
  const rounded = (i: number, column: string, v: Cell) => {
    if (typeof v === 'number' && v % rules.roundTo !== 0) at(i, column, `count ${v} is not a multiple of ${rules.roundTo}`);
  };
  /** A group of persons out of `total`: at least k (or 0), rounded, and at least minCount short of the total. */
  const group = (i: number, column: string, v: Cell, total: Cell) => {
    if (typeof v !== 'number') return;
    if (v > 0 && v < rules.k) at(i, column, `group of ${v} is below k=${rules.k}`);
    rounded(i, column, v);
    if (typeof total === 'number' && total - v < rules.minCount) at(i, column, `${v} of ${total} leaves ${total - v} outside it, below ${rules.minCount}`);
  };
  /** A count out of `total` with its share: both sides at least minCount, by the counts and by the share. */
  const pair = (i: number, count: Cell, total: Cell, share: Cell) => {
    rounded(i, 'missing', count);
    rounded(i, 'total', total);
    if (typeof count === 'number') {
      if (count < rules.minCount) at(i, 'missing', `count ${count} is below ${rules.minCount}`);
      if (typeof total === 'number' && total - count < rules.minCount) at(i, 'missing', `${count} of ${total} leaves ${total - count}, below ${rules.minCount}`);
    }
    if (typeof share === 'number') {
      if (typeof total !== 'number') at(i, 'share', 'a share of a hidden total');
      else if (impliedBelow(share * total, rules.minCount)) at(i, 'share', `share ${share} of ${total} implies ${whole(share * total)}, below ${rules.minCount}`);
      else if (impliedBelow(total - share * total, rules.minCount)) at(i, 'share', `share ${share} of ${total} leaves ${whole(total - share * total)}, below ${rules.minCount}`);
    }
  };
  rows.forEach((r, i) => {
    if (table === 'overview') {
      if (r['metric'] === 'persons') group(i, 'value', r['value'] ?? null, null);
      if (r['metric'] === 'persons_with_events') group(i, 'value', r['value'] ?? null, persons);
      if (r['metric'] === 'events') rounded(i, 'value', r['value'] ?? null);
    } else if (table === 'missing_fields') {
      if (r['table'] === 'persons') group(i, 'total', r['total'] ?? null, null);
      pair(i, r['missing'] ?? null, r['total'] ?? null, r['share'] ?? null);
    } else {
      group(i, 'persons', r['persons'] ?? null, persons);
      if ('events' in r) rounded(i, 'events', r['events'] ?? null);
      if (table === 'age_at_first_event' && typeof r['persons'] === 'string' && r['persons'].startsWith('<')) {
        for (const q of ['q1_years', 'median_years', 'q3_years']) if (r[q] !== null && r[q] !== undefined) at(i, q, 'an age quartile of a group under k');
      }
    }
  });
  return out;
}

function profileProblems(tables: Record<string, readonly Row[]>, rules: DisclosureRules): { table: string; row: number; column: string; message: string }[] {
  const persons = tables['overview']?.find((r) => r['metric'] === 'persons')?.['value'] ?? null;
  return PROFILE_TABLES.flatMap((table) => profileTableProblems(table, tables[table] ?? [], persons, rules).map((p) => ({ table, ...p })));
}

/** RFC 4180 rows of a CSV file (the profile writes one per table); numbers as numbers, empty fields as null. */
function parseCsv(text: string): Row[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) records.push([...record, field]);
  const [header = [], ...data] = records;
  const cell = (s: string): Cell => (s === '' ? null : /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s);
  return data.map((values) => Object.fromEntries(header.map((h, j) => [h, cell(values[j] ?? '')])));
}

/**
 * The privacy audit of a profile folder (`servicepath privacy-check --profile DIR`): profile.json's tables and each
 * `<table>.csv`, against `rules` (default: the defaults); a profile.json recording weaker rules is a finding too.
 * Pointers: /tables/<table>/<row>/<column> in profile.json, /<row>/<column> (data rows from 0) in a CSV file.
 */
export async function auditProfile(dir: string, rules: DisclosureRules = DisclosureRulesSchema.parse({})): Promise<PrivacyAudit> {
  const findings: PrivacyAudit['findings'] = [];
  const cells: Record<string, number> = {};
  const profile = JSON.parse(await readFile(join(dir, 'profile.json'), 'utf8')) as { privacy?: Partial<DisclosureRules>; tables?: Record<string, Row[]> };
  for (const key of ['k', 'minCount', 'roundTo'] as const) {
    const recorded = profile.privacy?.[key];
    if (typeof recorded === 'number' && recorded < rules[key]) findings.push({ file: 'profile.json', pointer: `/privacy/${key}`, message: `${key} ${recorded} is weaker than ${rules[key]}` });
  }
  const tables = profile.tables ?? {};
  cells['profile.json'] = Object.values(tables).reduce((n, rows) => n + rows.length, 0);
  for (const p of profileProblems(tables, rules)) {
    findings.push({ file: 'profile.json', pointer: `/tables/${p.table}/${p.row}/${escapeToken(p.column)}`, message: p.message });
  }
  // The CSV files are audited on their own: the overview's total comes from overview.csv.
  const csv: Record<string, Row[]> = {};
  for (const table of PROFILE_TABLES) {
    const text = await readFile(join(dir, `${table}.csv`), 'utf8').catch(() => null);
    if (text !== null) csv[table] = parseCsv(text);
  }
  for (const [table, rows] of Object.entries(csv)) cells[`${table}.csv`] = rows.length;
  for (const p of profileProblems(csv, rules)) {
    if (csv[p.table] !== undefined) findings.push({ file: `${p.table}.csv`, pointer: `/${p.row}/${escapeToken(p.column)}`, message: p.message });
  }
  return { rules, cells, findings };
}
