// A quick learnability check of a generated population: L2 logistic regression on log(1 + count) of each
// (relation, code) in the recorded paths, fitted on half the children and scored on the other half, next to the
// oracle AUROC of the true probabilities on the same half. Not a model of the project: a yardstick for the data.
import type { TruthChild } from '../schemas/truth.js';
import { auroc } from './metrics.js';

export interface LearnabilityReport {
  trainChildren: number;
  testChildren: number;
  features: number;
  logregAuroc: number;
  oracleAuroc: number;
}

function featureIndex(children: readonly TruthChild[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const c of children) for (const e of c.path.events) {
    const key = `${e.relation}:${e.code}`;
    if (!index.has(key)) index.set(key, index.size);
  }
  return index;
}

function featurize(c: TruthChild, index: Map<string, number>): Float64Array {
  const x = new Float64Array(index.size + 1);
  x[index.size] = 1;
  for (const e of c.path.events) {
    const i = index.get(`${e.relation}:${e.code}`);
    if (i !== undefined) x[i]! += 1;
  }
  for (let i = 0; i < index.size; i++) x[i] = Math.log1p(x[i]!);
  return x;
}

/** Fits by full-batch gradient descent with Adam-free momentum; small and deterministic. */
function fitLogreg(xs: Float64Array[], ys: number[], l2: number, epochs: number): Float64Array {
  const d = xs[0]!.length;
  const w = new Float64Array(d);
  const v = new Float64Array(d);
  const lr = 0.5;
  for (let ep = 0; ep < epochs; ep++) {
    const g = new Float64Array(d);
    for (let n = 0; n < xs.length; n++) {
      const x = xs[n]!;
      let z = 0;
      for (let i = 0; i < d; i++) z += w[i]! * x[i]!;
      const err = 1 / (1 + Math.exp(-z)) - ys[n]!;
      for (let i = 0; i < d; i++) g[i]! += err * x[i]!;
    }
    for (let i = 0; i < d; i++) {
      const grad = g[i]! / xs.length + (i === d - 1 ? 0 : l2 * w[i]!);
      v[i] = 0.9 * v[i]! - lr * grad;
      w[i]! += v[i]!;
    }
  }
  return w;
}

/** Children with a realised outcome, split by position (even = train, odd = test). */
export function learnability(children: readonly TruthChild[], epochs = 300): LearnabilityReport {
  const labelled = children.filter((c) => c.outcome !== null);
  const train = labelled.filter((_, i) => i % 2 === 0);
  const test = labelled.filter((_, i) => i % 2 === 1);
  const index = featureIndex(train);
  const w = fitLogreg(train.map((c) => featurize(c, index)), train.map((c) => c.outcome as number), 1e-4, epochs);
  const scores = test.map((c) => {
    const x = featurize(c, index);
    let z = 0;
    for (let i = 0; i < x.length; i++) z += w[i]! * x[i]!;
    return z;
  });
  const labels = test.map((c) => c.outcome as number);
  return {
    trainChildren: train.length,
    testChildren: test.length,
    features: index.size,
    logregAuroc: auroc(scores, labels),
    oracleAuroc: auroc(test.map((c) => c.trueProbability), labels),
  };
}
