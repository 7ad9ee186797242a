// @ts-check
// Hand-made SVG charts: the risk trajectory with its turning points, and a small bar for a risk drop.
// Built with DOM calls (never from HTML strings), so no text from the API is parsed as markup.
const NS = 'http://www.w3.org/2000/svg';

/**
 * An SVG element with its attributes and, optionally, its text.
 * @param {string} name
 * @param {Record<string, string | number>} [attrs]
 * @param {string} [text]
 * @returns {SVGElement}
 */
function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const NICE_MAX = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1];

/**
 * A "nice" upper bound for the risk axis, a little above the largest risk, so low risks are not flattened.
 * @param {number[]} risks
 */
export function riskAxisMax(risks) {
  const top = Math.max(0, ...risks) * 1.1;
  return NICE_MAX.find((v) => v >= top) ?? 1;
}

let chartCount = 0;

/**
 * What the trajectory chart draws: the risk after each event (at the child's age then), the turning points by
 * their step, and its texts in the page's language.
 * @typedef {object} TrajectoryChartOptions
 * @property {{ risk: number, ageDays: number }[]} trajectory
 * @property {{ step: number }[]} turningPoints
 * @property {string} title
 * @property {string} desc
 * @property {(risk: number) => string} fmtPct
 * @property {(ageDays: number) => string} fmtAge
 * @property {{ axisRisk: string, axisAge: string, turningPoint: string }} labels
 */

/**
 * Risk after each event as a line over the event sequence (x = step, labelled with the age), turning points
 * marked with numbered diamonds. Returns an <svg role="img"> labelled by its <title> and <desc>.
 * @param {TrajectoryChartOptions} opts
 */
export function trajectoryChart(opts) {
  const { trajectory, turningPoints, fmtPct, fmtAge, labels } = opts;
  const id = `chart-${++chartCount}`;
  const W = 720;
  const H = 280;
  const m = { top: 16, right: 20, bottom: 48, left: 56 };
  const iw = W - m.left - m.right;
  const ih = H - m.top - m.bottom;
  const n = trajectory.length;
  const yMax = riskAxisMax(trajectory.map((s) => s.risk));
  /** @param {number} i */
  const x = (i) => m.left + (n <= 1 ? iw / 2 : (i / (n - 1)) * iw);
  /** @param {number} r */
  const y = (r) => m.top + ih - (r / yMax) * ih;

  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    class: 'chart',
    'data-testid': 'risk-chart',
  });
  svg.append(el('title', { id: `${id}-title` }, opts.title), el('desc', { id: `${id}-desc` }, opts.desc));

  // Horizontal grid and risk ticks.
  const grid = el('g', { class: 'grid', 'aria-hidden': 'true' });
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const r = (yMax * i) / ticks;
    grid.append(el('line', { x1: m.left, x2: W - m.right, y1: y(r), y2: y(r) }));
    grid.append(el('text', { x: m.left - 8, y: y(r) + 4, 'text-anchor': 'end', class: 'tick' }, fmtPct(r)));
  }
  // Age labels under a few steps: at most 8, never the same age twice in a row, ends anchored inside.
  const every = Math.max(1, Math.ceil(n / 8));
  let lastLabel = null;
  for (const [i, s] of trajectory.entries()) {
    if (i % every !== 0 && i !== n - 1) continue;
    const label = fmtAge(s.ageDays);
    if (label === lastLabel) continue;
    lastLabel = label;
    const anchor = n > 1 && i === 0 ? 'start' : n > 1 && i === n - 1 ? 'end' : 'middle';
    grid.append(el('text', { x: x(i), y: H - m.bottom + 18, 'text-anchor': anchor, class: 'tick' }, label));
  }
  grid.append(el('text', { x: m.left + iw / 2, y: H - 8, 'text-anchor': 'middle', class: 'axis-label' }, labels.axisAge));
  grid.append(el('text', { x: 14, y: m.top + ih / 2, 'text-anchor': 'middle', class: 'axis-label', transform: `rotate(-90 14 ${m.top + ih / 2})` }, labels.axisRisk));
  svg.append(grid);

  const d = trajectory.map((s, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(s.risk).toFixed(1)}`).join(' ');
  svg.append(el('path', { d, class: 'line', 'aria-hidden': 'true' }));

  const points = el('g', { class: 'points', 'aria-hidden': 'true' });
  for (const [i, s] of trajectory.entries()) points.append(el('circle', { cx: x(i), cy: y(s.risk), r: 3.5 }));
  svg.append(points);

  // Turning points: a diamond on the step and its rank number above it.
  const tps = el('g', { class: 'turning-points', 'aria-hidden': 'true' });
  turningPoints.forEach((tp, rank) => {
    const s = trajectory[tp.step];
    if (s === undefined) return;
    const cx = x(tp.step);
    const cy = y(s.risk);
    const g = el('g', { class: 'turning-point', 'data-step': tp.step });
    g.append(el('title', {}, `${labels.turningPoint} ${rank + 1}`));
    g.append(el('path', { d: `M${cx},${cy - 8} L${cx + 8},${cy} L${cx},${cy + 8} L${cx - 8},${cy} Z` }));
    g.append(el('text', { x: cx, y: cy - 12, 'text-anchor': 'middle', class: 'tp-label' }, String(rank + 1)));
    tps.append(g);
  });
  svg.append(tps);
  return svg;
}

/**
 * A small horizontal bar for a risk drop (decorative; the number sits beside it in text).
 * @param {number} drop
 * @param {number} maxDrop  the largest drop shown, drawn full width
 */
export function dropBar(drop, maxDrop) {
  const W = 80;
  const H = 10;
  const w = maxDrop > 0 ? Math.max(1, (Math.max(0, drop) / maxDrop) * W) : 0;
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'bar', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(el('rect', { x: 0, y: 0, width: W, height: H, class: 'bar-bg' }), el('rect', { x: 0, y: 0, width: w, height: H, class: 'bar-fg' }));
  return svg;
}
