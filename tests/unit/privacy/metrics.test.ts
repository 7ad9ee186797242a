// Issue 16: the disclosure rules on metrics.json's tables and on the profile tables, and the audit that checks them.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateBinary } from '../../../src/evaluate/index.js';
import { auditBundle } from '../../../src/privacy/audit.js';
import { auditMetrics, auditProfile } from '../../../src/privacy/metrics.js';
import { buildProfile, writeProfile } from '../../../src/profile/index.js';
import { isoToDay } from '../../../src/schemas/dates.js';
import type { MetricsFile } from '../../../src/schemas/metrics.js';
import type { PersonHistory } from '../../../src/schemas/store.js';

const RULES = { k: 10, minCount: 5, roundTo: 5 };
let work: string | undefined;
const workDir = async () => {
  work ??= await mkdtemp(join(tmpdir(), 'sp-privacy-metrics-'));
  return work;
};
afterAll(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

const metricsFile = (test: MetricsFile['test']): MetricsFile => ({
  schemaVersion: 1,
  splits: { train: { persons: 400, positives: 100 }, validation: { persons: 120, positives: 56 }, test: { persons: 120, positives: 56 } },
  test,
  calibration: { method: 'platt' },
});

/**
 * 120 people in ten equal-count risk bins of 12: the lowest bin has 2 outcomes, every other bin 6 (and 6 without).
 * Within a bin the outcomes are the lower risks, so the ranking is imperfect.
 */
function plantedBins() {
  const yTrue: number[] = [];
  const yProb: number[] = [];
  for (let b = 0; b < 10; b++) {
    for (let j = 0; j < 12; j++) {
      yProb.push((b + 0.05 + j * 0.07) / 10);
      yTrue.push(j < (b === 0 ? 2 : 6) ? 1 : 0);
    }
  }
  return evaluateBinary({ yTrue, yProb, bootstrapSamples: 0, seed: 1, calibrationBins: 10 });
}

describe('metrics.json tables under the disclosure rules', () => {
  const report = plantedBins();

  it('hides the observed rate of a bin of 12 people with 2 outcomes, and one more bin so it cannot be differenced', () => {
    const points = report.calibrationCurve.points;
    expect(points[0]).toEqual({ suppressed: false, meanPredicted: expect.any(Number), observedRate: null, outcomeSuppressed: 'numerator', n: 10 });
    // The bins without a rate together: n and positives minus the shown bins would otherwise give the 2 outcomes.
    expect(points.filter((p) => !p.suppressed && p.observedRate === null && p.outcomeSuppressed === 'secondary')).toHaveLength(1);
    expect(points.filter((p) => !p.suppressed && p.observedRate === 0.5)).toHaveLength(8);
    expect(report.privacy).toEqual({ k: 10, minCount: 5, roundTo: 5 });
  });

  it('hides sensitivity, specificity, PPV and NPV of an operating point whose true positives would be 3', () => {
    // 200 people, 40 with the outcome; the top 10 risks hold 3 of them, the top 100 hold 30.
    const yProb = Array.from({ length: 200 }, (_, i) => 1 - i / 200);
    const outcome = new Set([0, 1, 2, ...Array.from({ length: 27 }, (_, j) => 12 + 3 * j), ...Array.from({ length: 10 }, (_, j) => 105 + 9 * j)]);
    const yTrue = yProb.map((_, i) => (outcome.has(i) ? 1 : 0));
    const r = evaluateBinary({ yTrue, yProb, bootstrapSamples: 0, seed: 1, alertRates: [0.05, 0.5] });
    expect(r.positives).toBe(40);
    expect(r.thresholds[0]).toEqual({
      alertRate: 0.05,
      threshold: yProb[9],
      alerts: 10,
      sensitivity: null,
      specificity: null,
      ppv: null,
      npv: null,
      metricsSuppressed: 'truePositives',
    });
    expect(r.thresholds[1]).toMatchObject({ alertRate: 0.5, alerts: 100, sensitivity: 0.75, ppv: 0.3, specificity: 90 / 160, npv: 0.9 });
    expect(r.thresholds[1]).not.toHaveProperty('metricsSuppressed');
    expect(auditMetrics(metricsFile(r), RULES)).toEqual([]);
  });

  it('passes the file the evaluation wrote, and finds a tampered observed rate with its pointer', () => {
    const file = metricsFile(report);
    expect(auditMetrics(file, RULES)).toEqual([]);
    const tampered = structuredClone(file);
    const shownAt = tampered.test.calibrationCurve.points.findIndex((p) => !p.suppressed && p.observedRate !== null);
    const bin = tampered.test.calibrationCurve.points[shownAt]!;
    if (bin.suppressed) throw new Error('unreachable');
    // 0.2 of the bin's 10 people: 2 with the outcome.
    tampered.test.calibrationCurve.points[shownAt] = { ...bin, observedRate: 0.2 };
    const findings = auditMetrics(tampered, RULES);
    expect(findings).toContainEqual({ pointer: `/test/calibrationCurve/points/${shownAt}`, message: 'rate 0.2 of 10 implies 2 with the outcome, below 5' });
  });

  it('finds a shown operating point, risk-histogram zero and subgroup that break the rules, and rules weaker than the bundle', () => {
    const tampered = metricsFile(structuredClone(report));
    const row = tampered.test.thresholds.findIndex((t) => t.sensitivity === null);
    expect(row).toBeGreaterThanOrEqual(0);
    // Sensitivity 0.05 of 55 positives: 3 flagged with the outcome.
    tampered.test.thresholds[row] = { ...tampered.test.thresholds[row]!, sensitivity: 0.05, specificity: 0.9, ppv: 0.3, npv: 0.5 };
    delete tampered.test.thresholds[row]!.metricsSuppressed;
    // A 0 beside people with the outcome in the same risk bin says none there is without it.
    const bin = tampered.test.riskDistribution.positive.findIndex((v) => v !== 0);
    expect(bin).toBeGreaterThanOrEqual(0);
    tampered.test.riskDistribution.negative[bin] = 0;
    tampered.test.subgroups = { area: [{ label: 'north', suppressed: false, n: 40, positives: 5, metrics: report.overall }] };
    tampered.test.privacy = { ...tampered.test.privacy, minCount: 3 };
    const pointers = auditMetrics(tampered, RULES).map((f) => f.pointer);
    expect(pointers).toContain(`/test/thresholds/${row}/sensitivity`);
    expect(pointers).toContain(`/test/riskDistribution/negative/${bin}`);
    expect(pointers).toContain('/test/subgroups/area/0');
    expect(pointers).toContain('/test/privacy/minCount');
  });

  it('reads metrics.json in the bundle audit, beside cohort-paths.json', async () => {
    const dir = join(await workDir(), 'bundle');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dir, { recursive: true });
    const cohortPaths = { formatVersion: 1, privacy: RULES, grouping: 'none', bands: [{ name: 'all', fromAgeDays: null, toAgeDays: null }], sourcePersons: 100, paths: [] };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify({ privacy: { ...RULES, minPersonsPerCode: 10 } }));
    await writeFile(join(dir, 'cohort-paths.json'), JSON.stringify(cohortPaths));
    const file = metricsFile(report);
    await writeFile(join(dir, 'metrics.json'), JSON.stringify(file));
    const clean = await auditBundle(dir);
    expect(clean.findings).toEqual([]);
    expect(clean.cells['metrics.json']).toBeGreaterThan(10);
    const at = file.test.calibrationCurve.points.findIndex((p) => !p.suppressed && p.observedRate !== null);
    (file.test.calibrationCurve.points[at] as { observedRate: number }).observedRate = 0.2;
    await writeFile(join(dir, 'metrics.json'), JSON.stringify(file));
    const audit = await auditBundle(dir);
    expect(audit.findings).toContainEqual(expect.objectContaining({ file: 'metrics.json', pointer: `/test/calibrationCurve/points/${at}` }));
  });
});

describe('profile tables under the disclosure rules', () => {
  /**
   * 20 persons with 5 health events each (100 events in 2010); 3 events lack a value (a small numerator: it used to
   * be printed as 3 with a share of 0.03), and 2 persons lack a language group.
   */
  function population(): PersonHistory[] {
    return Array.from({ length: 20 }, (_, i) => {
      const events = Array.from({ length: 5 }, (_, j) => {
        const time = `2010-0${1 + j}-${String(1 + i).padStart(2, '0')}`;
        return { day: isoToDay(time), time, domain: 'health', code: 'H1', ...(i < 3 && j === 0 ? {} : { value: '1' }) };
      });
      const birthDate = '2005-01-01';
      return { personId: `p${i}`, birthDate, birthDay: isoToDay(birthDate), sex: 'F', observationPeriods: [], relatives: [], events, area: 'north', ...(i < 2 ? {} : { languageGroup: 'fi' }) };
    });
  }
  const source = { async *persons() {
    yield* population();
  } };

  it('shows a planted small numerator as suppressed, with no share, and records the rules', async () => {
    const profile = await buildProfile(source, { topCodes: 10 }, 'store');
    const rows = profile.tables.missing_fields;
    expect(rows).toContainEqual({ table: 'events', domain: 'health', field: 'value', missing: '<5', total: 100, share: null });
    expect(rows).toContainEqual({ table: 'persons', domain: null, field: 'language_group', missing: '<5', total: 20, share: null });
    expect(profile.privacy).toMatchObject(RULES);
  });

  it('audits a written profile folder: clean as written, a tampered JSON or CSV cell is found with its pointer', async () => {
    const profile = await buildProfile(source, { topCodes: 10 }, 'store');
    const dir = join(await workDir(), 'profile');
    await writeProfile(profile, dir);
    const clean = await auditProfile(dir);
    expect(clean.findings).toEqual([]);
    expect(clean.cells['missing_fields.csv']).toBe(profile.tables.missing_fields.length);
    const row = profile.tables.missing_fields.findIndex((r) => r['field'] === 'value');
    const json = JSON.parse(await readFile(join(dir, 'profile.json'), 'utf8'));
    json.tables.missing_fields[row].missing = 3;
    await writeFile(join(dir, 'profile.json'), JSON.stringify(json));
    const csvFile = join(dir, 'missing_fields.csv');
    await writeFile(csvFile, (await readFile(csvFile, 'utf8')).replace('health,value,<5,100,', 'health,value,3,100,0.03'));
    const { findings } = await auditProfile(dir);
    expect(findings).toContainEqual({ file: 'profile.json', pointer: `/tables/missing_fields/${row}/missing`, message: 'count 3 is below 5' });
    expect(findings).toContainEqual(expect.objectContaining({ file: 'missing_fields.csv', pointer: `/${row}/missing` }));
    expect(findings).toContainEqual(expect.objectContaining({ file: 'missing_fields.csv', pointer: `/${row}/share` }));
  });
});
