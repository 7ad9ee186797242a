// Intervals of the treatment-aware estimates: the family bootstrap of the second stage (src/train/effect-model.ts),
// the scorer's replicate risks (src/scoring/scorer.ts) and the coverage of a known effect on simulated data; and
// the positivity flags (which service was seldom started at which age in training).
import { describe, expect, it } from 'vitest';
import { fitPreprocessing } from '../../../src/features/index.js';
import { CatalogueSchema } from '../../../src/schemas/catalogue.js';
import { EffectModelSchema, type LogregModel } from '../../../src/schemas/fitted-models.js';
import type { Path, PathEvent } from '../../../src/schemas/path.js';
import { TrainConfigSchema } from '../../../src/schemas/train-config.js';
import { createScorer } from '../../../src/scoring/scorer.js';
import { splitTreatments, type TreatmentSplit } from '../../../src/scoring/treatment.js';
import { effectShape, fitEffectModel, MIN_POSITIVITY_STARTS, positivityOf } from '../../../src/train/effect-model.js';
import { differenceInterval } from '../../../src/util/quantile.js';
import { mulberry32 } from '../../../src/util/random.js';

const catalogue = CatalogueSchema.parse({
  services: [{ code: 'FAMILY_WORK', domain: 'social_work', relation: 'mother', label: 'Family work', labelFi: 'Perhetyö' }],
});
const treated = { services: [{ code: 'FAMILY_WORK', relation: 'mother' }], fromAgeDays: 0 };
const ev = (code: string, relation: PathEvent['relation'], ageDays: number, domain = 'health'): PathEvent => ({ code, domain, relation, ageDays });
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** The true logit of a child with `crises` maternal crises: the second stage's own form (log1p of the count). */
const trueLogit = (crises: number) => -1.5 + 1.2 * Math.log1p(crises);
/** Family work at child age a lowers the logit by 1.2 exp(-a / 300): one of the stage's own fading curves. */
const trueShift = (age: number) => -1.2 * Math.exp(-age / 300);

/** Families of one or two children; crises raise both the risk and the chance of family work (confounding). */
function population(families: number, seed: number): { path: Path; label: 0 | 1; familyId: string }[] {
  const rng = mulberry32(seed).next;
  const out: { path: Path; label: 0 | 1; familyId: string }[] = [];
  for (let f = 0; f < families; f++) {
    const crises = Math.floor(rng() * 4);
    const children = rng() < 0.5 ? 1 : 2;
    for (let c = 0; c < children; c++) {
      const events: PathEvent[] = [];
      for (let k = 0; k < crises; k++) events.push(ev('MH_CRISIS', 'mother', -300 + k * 50, 'mental_health'));
      events.push(ev('BIRTH', 'self', 0));
      let logit = trueLogit(crises);
      if (rng() < 0.1 + 0.2 * crises) {
        const age = Math.floor(rng() * 1000);
        events.push(ev('FAMILY_WORK', 'mother', age, 'social_work'));
        logit += trueShift(age);
      }
      events.push(ev('NEUVOLA_VISIT', 'self', 1050));
      events.sort((a, b) => a.ageDays - b.ageDays);
      out.push({ path: { indexAgeDays: 1096, events }, label: rng() < sigmoid(logit) ? 1 : 0, familyId: `f${f}` });
    }
  }
  return out;
}

function fitWithBootstrap(train: ReturnType<typeof population>, validation: ReturnType<typeof population>, replicates: number, seed: number) {
  const sTrain = train.map((e) => splitTreatments(treated, e.path));
  const sVal = validation.map((e) => splitTreatments(treated, e.path));
  const prep = fitPreprocessing(sTrain.map((s) => s.history as Path), { minPersonsPerCode: 5, maxLen: 16 });
  const { tausDays, interactionTau } = TrainConfigSchema.parse({}).treatment;
  const shape = effectShape(prep, catalogue, train.map((e, i) => ({ path: e.path, split: sTrain[i] as TreatmentSplit })), tausDays, interactionTau);
  const set = (data: typeof train, sp: TreatmentSplit[]) => ({ paths: data.map((e) => e.path), splits: sp, baseFinal: new Float64Array(data.length), labels: Float64Array.from(data, (e) => e.label) });
  const { model } = fitEffectModel(prep, shape, { ...set(train, sTrain), weights: new Float64Array(train.length).fill(1) }, set(validation, sVal), {
    l2Grid: [1e-4],
    maxIterations: 200,
    emptyHistoryLogit: 0,
    bootstrap: { replicates, seed, level: 0.9, families: train.map((e) => e.familyId) },
  });
  return { prep, model };
}

const identity = { method: 'platt' as const, slope: 1, intercept: 0, fittedOn: 'validation' as const, n: 1 };
const history = (crises: number): Path => ({
  indexAgeDays: 1096,
  events: [...Array.from({ length: crises }, (_, k) => ev('MH_CRISIS', 'mother', -300 + k * 50, 'mental_health')), ev('BIRTH', 'self', 0), ev('NEUVOLA_VISIT', 'self', 1050)],
});
const withFamilyWork = (p: Path, age: number): Path => ({ ...p, events: [...p.events, ev('FAMILY_WORK', 'mother', age, 'social_work')].sort((a, b) => a.ageDays - b.ageDays) });

/** The estimated drop of inserting family work at `age` and its 90% interval, through the bundle scorer. */
async function dropAndInterval(prep: ReturnType<typeof fitWithBootstrap>['prep'], model: ReturnType<typeof fitWithBootstrap>['model'], crises: number, age: number) {
  const logreg: LogregModel = { formatVersion: 1, weights: new Array(prep.vocab.length * 3).fill(0), bias: 0, l2: 0 };
  const scorer = createScorer(prep, { kind: 'logreg', logreg }, identity, model);
  const paths = [history(crises), withFamilyWork(history(crises), age)];
  const finals = await scorer.scoreFinal!(paths);
  const reps = await scorer.scoreFinalReplicates!(paths);
  const drop = (finals[0] as number) - (finals[1] as number);
  const interval = differenceInterval(reps[0] as Float64Array, reps[1] as Float64Array, 0.9);
  return { drop, interval, replicates: (reps[0] as Float64Array).length };
}

describe('the family bootstrap of the treatment-aware stage', () => {
  const train = population(900, 11);
  const validation = population(200, 12);

  it('stores one theta per replicate in the layout the schema checks, the same for the same seed', () => {
    const a = fitWithBootstrap(train, validation, 8, 5).model;
    const b = fitWithBootstrap(train, validation, 8, 5).model;
    const c = fitWithBootstrap(train, validation, 8, 6).model;
    expect(a.bootstrap?.thetas).toHaveLength(8);
    expect(a.bootstrap?.thetas).toEqual(b.bootstrap?.thetas);
    expect(a.bootstrap?.thetas).not.toEqual(c.bootstrap?.thetas);
    expect(() => EffectModelSchema.parse(a)).not.toThrow();
    const broken = { ...a, bootstrap: { ...a.bootstrap!, thetas: a.bootstrap!.thetas.map((t) => t.slice(1)) } };
    const r = EffectModelSchema.safeParse(broken);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues[0]?.path)).toBe('["bootstrap","thetas",0]');
    expect(fitWithBootstrap(train, validation, 0, 5).model.bootstrap).toBeNull();
  });

  it('gives replicate risks that spread around the point estimate, and none without a bootstrap', async () => {
    const { prep, model } = fitWithBootstrap(train, validation, 20, 5);
    const { drop, interval, replicates } = await dropAndInterval(prep, model, 2, 0);
    expect(replicates).toBe(20);
    expect(interval.upper - interval.lower).toBeGreaterThan(0.005);
    expect(interval.lower).toBeLessThanOrEqual(drop);
    expect(interval.upper).toBeGreaterThanOrEqual(drop);
    const logreg: LogregModel = { formatVersion: 1, weights: new Array(prep.vocab.length * 3).fill(0), bias: 0, l2: 0 };
    const plain = createScorer(prep, { kind: 'logreg', logreg }, identity, { ...model, bootstrap: null });
    expect(plain.scoreFinalReplicates).toBeUndefined();
    expect(plain.intervalLevel).toBeUndefined();
  });

  // 24 simulated studies of 900 families; the true drop of family work at birth for a child with two maternal
  // crises is known. A 90% interval should hold it in about 90% of studies; zero-width or badly centred intervals
  // would hold it in few.
  it('covers a known effect in about 90% of simulated studies', async () => {
    const truth = sigmoid(trueLogit(2)) - sigmoid(trueLogit(2) + trueShift(0));
    let inside = 0;
    const studies = 24;
    for (let s = 0; s < studies; s++) {
      const { prep, model } = fitWithBootstrap(population(900, 100 + s), population(200, 500 + s), 30, s + 1);
      const { interval } = await dropAndInterval(prep, model, 2, 0);
      if (truth >= interval.lower && truth <= interval.upper) inside++;
    }
    expect(inside / studies).toBeGreaterThanOrEqual(0.7);
  });
});

describe('positivity flags', () => {
  it('flag the age bands where the training split holds fewer than the minimum starts, and the scorer reads them', async () => {
    // 30 children get family work at day 100 (band 0 of 182 days), 5 at day 400 (band 2), none in band 1.
    const training = Array.from({ length: 40 }, (_, i) => {
      const events = [ev('BIRTH', 'self', 0), ev('NEUVOLA_VISIT', 'self', 600)];
      if (i < 30) events.push(ev('FAMILY_WORK', 'mother', 100, 'social_work'));
      else if (i < 35) events.push(ev('FAMILY_WORK', 'mother', 400, 'social_work'));
      events.sort((a, b) => a.ageDays - b.ageDays);
      const path: Path = { indexAgeDays: 700, events };
      return { path, split: splitTreatments(treated, path) };
    });
    expect(MIN_POSITIVITY_STARTS).toBe(20);
    const p = positivityOf(treated, 182, training);
    // Bands 0..3 cover days 0-727 (the oldest index age is 700).
    expect(p).toEqual({ minStarts: 20, stepDays: 182, seldom: [[false, true, true, true]] });
    const { prep, model } = fitWithBootstrap(population(300, 3), population(100, 4), 0, 1);
    const logreg: LogregModel = { formatVersion: 1, weights: new Array(prep.vocab.length * 3).fill(0), bias: 0, l2: 0 };
    const scorer = createScorer(prep, { kind: 'logreg', logreg }, identity, { ...model, positivity: p });
    const fw = { code: 'FAMILY_WORK', relation: 'mother' };
    expect(scorer.seldomGiven?.(fw, 0)).toBe(false);
    expect(scorer.seldomGiven?.(fw, 181)).toBe(false);
    expect(scorer.seldomGiven?.(fw, 182)).toBe(true);
    expect(scorer.seldomGiven?.(fw, 5000)).toBe(true);
    expect(scorer.seldomGiven?.({ code: 'FAMILY_WORK', relation: 'father' }, 0)).toBe(true);
    expect(createScorer(prep, { kind: 'logreg', logreg }, identity, { ...model, positivity: null }).seldomGiven).toBeUndefined();
  });
});
