// Train/validation/test splits by family (siblings never straddle splits), seeded; optionally temporal.
import { createRng, shuffled } from '../util/random.js';

interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

interface SplitOptions {
  seed: number;
  fractions: SplitFractions;
  /** `family`: shuffled families; `temporal`: families ordered by their latest index day (oldest train, newest test). */
  method: 'family' | 'temporal';
  /**
   * Learning curves: at most this many training examples. Families that would join the training split once it
   * holds this many are left out of every split; validation and test stay exactly as without the cap.
   */
  maxTrainExamples?: number;
}

interface SplitCount {
  persons: number;
  families: number;
  positives: number;
}

export interface Splits {
  train: number[];
  validation: number[];
  test: number[];
  counts: { train: SplitCount; validation: SplitCount; test: SplitCount };
}

interface Splittable {
  familyId: string;
  label: 0 | 1;
  indexDay: number;
}

const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
type SplitName = (typeof SPLIT_NAMES)[number];

/** Example indices per split; whole families are assigned, filling train, then validation, then test by examples. */
export function splitExamples(examples: readonly Splittable[], opts: SplitOptions): Splits {
  const members = new Map<string, number[]>();
  examples.forEach((e, i) => {
    const list = members.get(e.familyId);
    if (list === undefined) members.set(e.familyId, [i]);
    else list.push(i);
  });
  const ids = [...members.keys()].sort();
  const latest = (id: string) => Math.max(...(members.get(id) as number[]).map((i) => (examples[i] as Splittable).indexDay));
  const order =
    opts.method === 'temporal'
      ? ids.map((id) => ({ id, day: latest(id) })).sort((a, b) => a.day - b.day || (a.id < b.id ? -1 : 1)).map((x) => x.id)
      : shuffled(ids, createRng(opts.seed));
  const total = opts.fractions.train + opts.fractions.validation + opts.fractions.test;
  const trainEnd = (opts.fractions.train / total) * examples.length;
  const validationEnd = ((opts.fractions.train + opts.fractions.validation) / total) * examples.length;
  const out: Splits = { train: [], validation: [], test: [], counts: { train: zero(), validation: zero(), test: zero() } };
  let assigned = 0;
  for (const id of order) {
    const list = members.get(id) as number[];
    // A family goes where the running count of examples stands when it starts.
    const name: SplitName = assigned < trainEnd ? 'train' : assigned < validationEnd ? 'validation' : 'test';
    assigned += list.length;
    if (name === 'train' && opts.maxTrainExamples !== undefined && out.train.length + list.length > opts.maxTrainExamples) continue;
    for (const i of list) {
      out[name].push(i);
      out.counts[name].persons += 1;
      out.counts[name].positives += (examples[i] as Splittable).label;
    }
    out.counts[name].families += 1;
  }
  for (const name of SPLIT_NAMES) out[name].sort((a, b) => a - b);
  return out;
}

function zero(): SplitCount {
  return { persons: 0, families: 0, positives: 0 };
}
