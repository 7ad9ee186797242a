// Fits the calibration map on the validation split's final-step logits: Platt scaling (default) or isotonic.
import type { Calibration } from '../schemas/fitted-models.js';
import { sigmoid } from '../scoring/calibration.js';

/** Penalised log-loss of Platt's (slope, intercept); the tiny ridge pulls the slope towards 1. */
function plattLoss(logits: ArrayLike<number>, labels: ArrayLike<number>, a: number, b: number, ridge: number): number {
  let loss = 0.5 * ridge * (a - 1) * (a - 1);
  for (let i = 0; i < logits.length; i++) {
    const z = a * (logits[i] as number) + b;
    loss += Math.max(z, 0) - z * (labels[i] as number) + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return loss;
}

/**
 * Platt scaling by Newton's method on (slope, intercept) with a tiny ridge so that separable data stays finite,
 * and step halving so that a poor start (very large logits) cannot make it diverge.
 */
export function fitPlatt(logits: ArrayLike<number>, labels: ArrayLike<number>): Calibration {
  const n = logits.length;
  let a = 1;
  let b = 0;
  const ridge = 1e-6 * Math.max(1, n);
  let loss = plattLoss(logits, labels, a, b, ridge);
  for (let iter = 0; iter < 100; iter++) {
    let ga = ridge * (a - 1);
    let gb = 0;
    let haa = ridge;
    let hab = 0;
    let hbb = 1e-9;
    for (let i = 0; i < n; i++) {
      const z = logits[i] as number;
      const p = sigmoid(a * z + b);
      const r = p - (labels[i] as number);
      const w = p * (1 - p);
      ga += r * z;
      gb += r;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = plattLoss(logits, labels, a - da, b - db, ridge);
    while (!(next <= loss) && step > 1e-6) {
      step /= 2;
      next = plattLoss(logits, labels, a - step * da, b - step * db, ridge);
    }
    if (!(next <= loss)) break;
    a -= step * da;
    b -= step * db;
    const done = loss - next < 1e-12 * Math.max(1, loss) && Math.abs(step * da) < 1e-10 && Math.abs(step * db) < 1e-10;
    loss = next;
    if (done || (Math.abs(step * da) < 1e-10 && Math.abs(step * db) < 1e-10)) break;
  }
  return { method: 'platt', slope: a, intercept: b, fittedOn: 'validation', n };
}

/** Isotonic regression (pool adjacent violators) of the label on the logit; a step function over logits. */
export function fitIsotonic(logits: ArrayLike<number>, labels: ArrayLike<number>): Calibration {
  const order = Array.from({ length: logits.length }, (_, i) => i).sort((i, j) => (logits[i] as number) - (logits[j] as number));
  const blocks: { start: number; sum: number; count: number }[] = [];
  for (const i of order) {
    blocks.push({ start: logits[i] as number, sum: labels[i] as number, count: 1 });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1] as (typeof blocks)[number];
      const prev = blocks[blocks.length - 2] as (typeof blocks)[number];
      if (prev.sum / prev.count < last.sum / last.count) break;
      prev.sum += last.sum;
      prev.count += last.count;
      blocks.pop();
    }
  }
  // Keep probabilities off exactly 0 and 1 so that downstream logits stay finite.
  const clip = (p: number) => Math.min(1 - 1e-6, Math.max(1e-6, p));
  return {
    method: 'isotonic',
    thresholds: blocks.map((b) => b.start),
    probabilities: blocks.map((b) => clip(b.sum / b.count)),
    fittedOn: 'validation',
    n: logits.length,
  };
}

export function fitCalibration(method: 'platt' | 'isotonic', logits: ArrayLike<number>, labels: ArrayLike<number>): Calibration {
  return method === 'platt' ? fitPlatt(logits, labels) : fitIsotonic(logits, labels);
}
