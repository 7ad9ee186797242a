// Hand-made SVG charts: the risk trajectory with its turning points, and a small bar for a risk drop.
// Built with DOM calls (never from HTML strings), so no text from the API is parsed as markup.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

const NICE_MAX = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1];

/** A "nice" upper bound for the risk axis, a little above the largest risk, so low risks are not flattened. */
export function riskAxisMax(risks) {
  const top = Math.max(0, ...risks) * 1.1;
  return NICE_MAX.find((v) => v >= top) ?? 1;
}

let chartCount = 0;

/**
 * Risk after each event as a line over the event sequence (x = step, labelled with the age), turning points
 * marked with numbered diamonds. Returns an <svg role="img"> labelled by its <title> and <desc>.
 * opts: { trajectory, turningPoints, title, desc, fmtPct, fmtAge, labels: { axisRisk, axisAge, turningPoint } }
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
  const x = (i) => m.left + (n <= 1 ? iw / 2 : (i / (n - 1)) * iw);
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
  for (let i = 0; i < n; i++) {
    if (i % every !== 0 && i !== n - 1) continue;
    const label = fmtAge(trajectory[i].ageDays);
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
  for (let i = 0; i < n; i++) points.append(el('circle', { cx: x(i), cy: y(trajectory[i].risk), r: 3.5 }));
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

/** A small horizontal bar for a risk drop (decorative; the number sits beside it in text). */
export function dropBar(drop, maxDrop) {
  const W = 80;
  const H = 10;
  const w = maxDrop > 0 ? Math.max(1, (Math.max(0, drop) / maxDrop) * W) : 0;
  const svg = el('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'bar', 'aria-hidden': 'true', focusable: 'false' });
  svg.append(el('rect', { x: 0, y: 0, width: W, height: H, class: 'bar-bg' }), el('rect', { x: 0, y: 0, width: w, height: H, class: 'bar-fg' }));
  return svg;
}
