// Checks evaluation inputs once, at the edge, so the metric functions can stay small and trusting.
import { ServicepathError } from '../errors/index.js';

function invalid(field: string, problem: string): ServicepathError {
  return new ServicepathError('EVALUATE_INPUT_INVALID', { field, problem });
}

/** Labels must be 0/1 and probabilities finite in [0, 1], with equal lengths. Values are never echoed. */
export function checkBinaryInput(y: ArrayLike<number>, p: ArrayLike<number>, pName = 'yProb'): void {
  if (y.length !== p.length) throw invalid(pName, `length ${p.length} differs from yTrue length ${y.length}`);
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    if (label !== 0 && label !== 1) throw invalid(`yTrue/${i}`, 'label must be 0 or 1');
    const prob = p[i]!;
    if (!Number.isFinite(prob) || prob < 0 || prob > 1) throw invalid(`${pName}/${i}`, 'probability must be a finite number in [0, 1]');
  }
}

export function checkLabels(labels: readonly string[] | undefined, n: number, field: string): void {
  if (labels === undefined) return;
  if (labels.length !== n) throw invalid(field, `length ${labels.length} differs from yTrue length ${n}`);
  for (let i = 0; i < labels.length; i++) {
    if (typeof labels[i] !== 'string') throw invalid(`${field}/${i}`, 'label must be a string');
  }
}

export function checkInteger(value: number, field: string, min: number): void {
  if (!Number.isInteger(value) || value < min) throw invalid(field, `must be an integer >= ${min}, got ${value}`);
}

export function checkAlpha(alpha: number): void {
  if (!(alpha > 0 && alpha < 1)) throw invalid('alpha', `must lie strictly between 0 and 1, got ${alpha}`);
}

export function checkRate(rate: number, field: string): void {
  if (!(rate > 0 && rate <= 1)) throw invalid(field, `must lie in (0, 1], got ${rate}`);
}
