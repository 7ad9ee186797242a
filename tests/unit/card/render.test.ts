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
    const shownBins = evidence.metrics.test.calibrationCurve.points.filter((p) => !p.suppressed).length;
    expect(figures.get('fig-calibration')!.match(/<circle/g)!.length).toBe(shownBins);
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
