import { describe, expect, it } from 'vitest';
import { buildModelCard, renderHtml, renderMarkdown } from '../../../src/card/index.js';
import { fixtureEvidence } from './fixtures.js';

const evidence = fixtureEvidence();
const card = buildModelCard(evidence);
const html = renderHtml(card);

/** Every <svg>…</svg> with its id: a light parser is enough for our own generated markup. */
function svgs(page: string): Map<string, string> {
  return new Map([...page.matchAll(/<svg\b[^>]*\bid="([^"]+)"[^>]*>([\s\S]*?)<\/svg>/g)].map((m) => [m[1]!, m[0]]));
}

const pointCount = (polyline: string) => (/\spoints="([^"]*)"/.exec(polyline)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).length;

describe('renderHtml', () => {
  it('is one self-contained page with a language, headings and captioned tables', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toMatch(/<html lang="en">/);
    expect(html).not.toMatch(/<(link|script|img)\b/);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toMatch(/<h1>Model card: child-welfare-3y 2<\/h1>/);
    const tables = html.match(/<table>/g)!.length;
    expect(html.match(/<caption>/g)!.length).toBe(tables);
    expect(html).toMatch(/<h2>TRIPOD\+AI checklist<\/h2>/);
  });

  it('draws each figure as an accessible SVG with its data points', () => {
    const figures = svgs(html);
    expect([...figures.keys()]).toEqual(['fig-roc', 'fig-precision_recall', 'fig-calibration', 'fig-risk-distribution', 'fig-subgroups', 'fig-training-curves']);
    for (const [id, svg] of figures) {
      expect(svg, id).toMatch(/role="img"/);
      expect(svg, id).toMatch(/<title id="[^"]+">[^<]+<\/title>/);
      expect(svg, id).toMatch(/<desc id="[^"]+">[^<]+<\/desc>/);
      expect(svg.match(/class="axis-label"/g)!.length, id).toBe(2);
      expect(svg, id).toMatch(/<(polyline|circle)\b/);
    }
    const roc = figures.get('fig-roc')!;
    expect(pointCount(/<polyline[^>]*>/.exec(roc)![0])).toBe(evidence.metrics.test.roc.length);
    expect(roc).toMatch(/class="reference"/);
    expect(figures.get('fig-calibration')!).toMatch(/class="reference"/);
    // Issue 16: a bin whose observed rate the disclosure rules hide (fewer than 5 with or without the outcome) is not
    // drawn, so the circles are the bins with a shown rate; the figure's text alternative counts the others.
    const points = evidence.metrics.test.calibrationCurve.points;
    const shownBins = points.filter((p) => !p.suppressed && p.observedRate !== null).length;
    const hiddenBins = points.filter((p) => !p.suppressed && p.observedRate === null).length;
    expect(hiddenBins).toBeGreaterThan(0);
    expect(figures.get('fig-calibration')!.match(/<circle/g)!.length).toBe(shownBins);
    expect(figures.get('fig-calibration')!).toContain(`Not drawn: ${hiddenBins} bin(s) whose observed rate is hidden (&lt;5 with or without the outcome).`);
    const training = figures.get('fig-training-curves')!;
    expect(training.match(/<polyline/g)!.length).toBe(2);
    expect(training.match(/<circle/g)!.length).toBe(2 * evidence.trainingLog.length);
    expect(figures.get('fig-risk-distribution')!.match(/<polyline/g)!.length).toBe(2);
  });

  it('shows suppressed subgroups as suppressed, with no numbers', () => {
    const subgroupSvg = svgs(html).get('fig-subgroups')!;
    expect(subgroupSvg).toMatch(/suppressed \(under k\)/);
    // Shown groups: sex=F, sex=M, area=mainland, each an estimate circle and an interval line.
    expect(subgroupSvg.match(/class="estimate"/g)!.length).toBe(3);
    const islandRow = /<tr><td>area<\/td><td>island<\/td>(.*?)<\/tr>/.exec(html)![1]!;
    expect(islandRow).not.toMatch(/\d/);
    expect(islandRow).toMatch(/suppressed/);
  });
});

describe('hidden operating-point figures in the rendered card', () => {
  it('shows a hidden sensitivity, PPV, specificity and NPV as <5 (the minimum count in force), not a number or blank', () => {
    const e = fixtureEvidence();
    const row = e.metrics.test.thresholds[0]!;
    e.metrics.test.thresholds[0] = { ...row, sensitivity: null, specificity: null, ppv: null, npv: null, metricsSuppressed: 'truePositives' };
    const md = renderMarkdown(buildModelCard(e));
    const rate = row.alertRate.toFixed(3);
    expect(md).toContain(`| ${rate} | ${row.threshold.toFixed(3)} | ${row.alerts} | <5 | <5 | <5 | <5 |`);
    expect(md).toMatch(/Operating points by alert rate \(test split\); <5: hidden/);
    // The minimum count is the one the evaluation ran under (the resolved training config's).
    const seven = fixtureEvidence();
    seven.metrics.test.thresholds[0] = { ...row, sensitivity: null, specificity: null, ppv: null, npv: null, metricsSuppressed: 'truePositives' };
    seven.manifest.resolvedConfig = { ...seven.manifest.resolvedConfig, evaluation: { ...seven.manifest.resolvedConfig.evaluation, minCount: 7 } };
    expect(renderMarkdown(buildModelCard(seven))).toContain(`| ${rate} | ${row.threshold.toFixed(3)} | ${row.alerts} | <7 | <7 | <7 | <7 |`);
    // Rows whose figures are shown keep their numbers.
    expect(renderMarkdown(card)).toContain(`| ${rate} | ${row.threshold.toFixed(3)} | ${row.alerts} | ${row.sensitivity!.toFixed(3)} |`);
  });
});

describe('membership inference in the rendered card', () => {
  const withAuc = (estimate: number) => {
    const e = fixtureEvidence();
    e.metrics.privacy!.membership.auc = { estimate, lower: estimate - 0.03, upper: estimate + 0.03, replicates: 30 };
    return buildModelCard(e);
  };

  it('shows the AUC, its interval and the target in the privacy section and the limitations, in Markdown and HTML', () => {
    const md = renderMarkdown(withAuc(0.62));
    const privacy = md.slice(md.indexOf('## Privacy measures'), md.indexOf('## Evaluation design'));
    expect(privacy).toContain('| AUC | 0.620 |');
    expect(privacy).toContain('| 95% bootstrap interval | 0.590 to 0.650 |');
    expect(privacy).toContain('| Target (at most) | 0.550 |');
    expect(privacy).toContain('| Verdict | exceeds the target |');
    expect(privacy).toContain('| Balancing | sampled members |');
    const limitations = md.slice(md.indexOf('## Limitations'), md.indexOf('## Considerations'));
    expect(limitations).toMatch(/- Membership inference: .*exceeds its target/);
    expect(limitations).toContain('AUC 0.620 (95% interval 0.590 to 0.650) against a target of at most 0.550: exceeds the target.');
    const page = renderHtml(withAuc(0.51));
    expect(page).toMatch(/<tr><td>AUC<\/td><td>0\.510<\/td><\/tr>/);
    expect(page).toMatch(/<tr><td>Verdict<\/td><td>within the target<\/td><\/tr>/);
    expect(page).toContain('AUC 0.510 (95% interval 0.480 to 0.540) against a target of at most 0.550: within the target.');
  });

  it('leaves the attack out for a bundle that did not measure it', () => {
    const e = fixtureEvidence();
    delete e.metrics.privacy;
    const md = renderMarkdown(buildModelCard(e));
    expect(md).not.toMatch(/Membership inference/);
  });
});

describe('renderMarkdown', () => {
  it('has the sections and the tables with the traced values', () => {
    const md = renderMarkdown(card);
    for (const heading of ['Model details', 'Intended purpose', 'Human oversight', 'Data governance', 'Privacy measures', 'Limitations', 'TRIPOD+AI checklist', 'Change log']) {
      expect(md).toContain(`## ${heading}`);
    }
    expect(md).toContain(`| test | overall | auroc | ${evidence.metrics.test.overall.auroc.estimate!.toFixed(3)} |`);
    expect(md).toMatch(/\| area \| island \| suppressed \| suppressed \| suppressed \|/);
  });
});
