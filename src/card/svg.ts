// Small inline-SVG chart helpers for the model card: no external assets, each chart has role="img",
// a <title> and a <desc>, axis labels, and its data as polyline/circle elements (class names say which series).

export interface Point {
  x: number;
  y: number;
}

interface Series {
  name: string;
  points: readonly Point[];
  /** Draw a circle at every point (in addition to the polyline). */
  markers?: boolean;
}

interface ChartFrame {
  id: string;
  title: string;
  desc: string;
  xLabel: string;
  yLabel: string;
  xDomain: [number, number];
  yDomain: [number, number];
}

const WIDTH = 480;
const HEIGHT = 320;
const MARGIN = { left: 56, right: 16, top: 16, bottom: 48 };
const COLOURS = ['#1f5fa8', '#c2410c', '#15803d', '#7c3aed'];

export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

const round2 = (v: number) => Math.round(v * 100) / 100;

function scales(frame: ChartFrame) {
  const [x0, x1] = frame.xDomain;
  const [y0, y1] = frame.yDomain;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  return {
    sx: (x: number) => round2(MARGIN.left + ((x - x0) / (x1 - x0 || 1)) * plotW),
    sy: (y: number) => round2(MARGIN.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH),
  };
}

function tickLabel(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** Frame, axes with five ticks each and axis labels; `body` is the chart's own content. */
function frameSvg(frame: ChartFrame, body: string[], legend: readonly string[], yTicks = true): string {
  const { sx, sy } = scales(frame);
  const [x0, x1] = frame.xDomain;
  const [y0, y1] = frame.yDomain;
  const ticks: string[] = [];
  for (let t = 0; t <= 4; t++) {
    const xv = x0 + ((x1 - x0) * t) / 4;
    const yv = y0 + ((y1 - y0) * t) / 4;
    ticks.push(`<text class="tick" x="${sx(xv)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${tickLabel(xv)}</text>`);
    if (yTicks) ticks.push(`<text class="tick" x="${MARGIN.left - 6}" y="${sy(yv) + 4}" text-anchor="end">${tickLabel(yv)}</text>`);
  }
  const legendItems = legend.map(
    (name, i) =>
      `<text class="legend" x="${WIDTH - MARGIN.right - 4}" y="${MARGIN.top + 14 + 14 * i}" text-anchor="end" fill="${COLOURS[i % COLOURS.length]}">${escapeXml(name)}</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" id="${escapeXml(frame.id)}" role="img" aria-labelledby="${escapeXml(frame.id)}-title ${escapeXml(frame.id)}-desc" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}">`,
    `<title id="${escapeXml(frame.id)}-title">${escapeXml(frame.title)}</title>`,
    `<desc id="${escapeXml(frame.id)}-desc">${escapeXml(frame.desc)}</desc>`,
    `<line class="axis" x1="${MARGIN.left}" y1="${sy(y0)}" x2="${WIDTH - MARGIN.right}" y2="${sy(y0)}" stroke="#333"/>`,
    `<line class="axis" x1="${MARGIN.left}" y1="${sy(y0)}" x2="${MARGIN.left}" y2="${MARGIN.top}" stroke="#333"/>`,
    ...ticks,
    `<text class="axis-label" x="${MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right) / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(frame.xLabel)}</text>`,
    `<text class="axis-label" x="14" y="${MARGIN.top + (HEIGHT - MARGIN.top - MARGIN.bottom) / 2}" text-anchor="middle" transform="rotate(-90 14 ${MARGIN.top + (HEIGHT - MARGIN.top - MARGIN.bottom) / 2})">${escapeXml(frame.yLabel)}</text>`,
    ...body,
    ...legendItems,
    '</svg>',
  ].join('\n');
}

/** One polyline per series (and circles when `markers`), optionally with the y = x reference diagonal. */
export function lineChart(frame: ChartFrame, series: readonly Series[], options: { diagonal?: boolean } = {}): string {
  const { sx, sy } = scales(frame);
  const body: string[] = [];
  if (options.diagonal === true) {
    const lo = Math.max(frame.xDomain[0], frame.yDomain[0]);
    const hi = Math.min(frame.xDomain[1], frame.yDomain[1]);
    body.push(`<line class="reference" x1="${sx(lo)}" y1="${sy(lo)}" x2="${sx(hi)}" y2="${sy(hi)}" stroke="#999" stroke-dasharray="4 4"/>`);
  }
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const cls = `series series-${escapeXml(s.name.toLowerCase().replace(/[^a-z0-9]+/g, '-'))}`;
    if (s.points.length > 0) {
      const pts = s.points.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' ');
      body.push(`<polyline class="${cls}" data-points="${s.points.length}" fill="none" stroke="${colour}" stroke-width="2" points="${pts}"/>`);
    }
    if (s.markers === true) {
      for (const p of s.points) body.push(`<circle class="${cls}" cx="${sx(p.x)}" cy="${sy(p.y)}" r="3" fill="${colour}"/>`);
    }
  });
  return frameSvg(frame, body, series.map((s) => s.name));
}

export interface IntervalRow {
  label: string;
  /** Null estimate: the row is suppressed (drawn as a text mark, no numbers). */
  estimate: number | null;
  lower: number | null;
  upper: number | null;
}

/** Horizontal interval bars: a line from lower to upper and a circle at the estimate, one row per group. */
export function intervalChart(frame: Omit<ChartFrame, 'yDomain'>, rows: readonly IntervalRow[]): string {
  const full: ChartFrame = { ...frame, yDomain: [0, Math.max(1, rows.length)] };
  const { sx, sy } = scales(full);
  const body: string[] = [];
  rows.forEach((row, i) => {
    const y = sy(rows.length - i - 0.5);
    body.push(`<text class="row-label" x="${MARGIN.left + 4}" y="${y - 6}">${escapeXml(row.label)}</text>`);
    if (row.estimate === null) {
      body.push(`<text class="suppressed" x="${sx((frame.xDomain[0] + frame.xDomain[1]) / 2)}" y="${y + 4}" text-anchor="middle">suppressed (under k)</text>`);
      return;
    }
    if (row.lower !== null && row.upper !== null) {
      body.push(`<line class="interval" x1="${sx(row.lower)}" y1="${y}" x2="${sx(row.upper)}" y2="${y}" stroke="${COLOURS[0]}" stroke-width="2"/>`);
    }
    body.push(`<circle class="estimate" cx="${sx(row.estimate)}" cy="${y}" r="4" fill="${COLOURS[0]}"/>`);
  });
  return frameSvg(full, body, [], false);
}
