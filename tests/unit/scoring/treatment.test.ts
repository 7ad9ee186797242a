import { TrainConfigSchema } from '../../../src/schemas/train-config.js';
// The treatment-aware outcome model: which events are treatments, training/scoring parity of the second stage,
// recovery of a planted, fading protective effect under confounding by indication, and the bundle scorer that
// scores each distinct history once.
import { describe, expect, it } from 'vitest';
import { createScorer } from '../../../src/scoring/scorer.js';
import { fitPreprocessing } from '../../../src/features/index.js';
import type { LogregModel } from '../../../src/schemas/fitted-models.js';
import { effectShape } from '../../../src/train/effect-model.js';
import { effectColumns, effectDesignRow, effectTrajectoryLogits, splitTreatments } from '../../../src/scoring/treatment.js';
import { CatalogueSchema } from '../../../src/schemas/catalogue.js';
import type { Path, PathEvent } from '../../../src/schemas/path.js';
import type { TreatmentSplit } from '../../../src/scoring/treatment.js';
import { fitEffectModel } from '../../../src/train/effect-model.js';
import { mulberry32 } from '../../../src/util/random.js';

const catalogue = CatalogueSchema.parse({
  services: [
    { code: 'FAMILY_WORK', domain: 'social_work', relation: 'mother', label: 'Family work', labelFi: 'Perhetyö' },
    { code: 'HOME_VISIT', domain: 'health', relation: 'self', label: 'Home visit', labelFi: 'Kotikäynti' },
  ],
});
const treated = { services: catalogue.services.map((s) => ({ code: s.code, relation: s.relation })), fromAgeDays: 0 };
const ev = (code: string, relation: PathEvent['relation'], ageDays: number, domain = 'health'): PathEvent => ({ code, domain, relation, ageDays });

describe('splitTreatments', () => {
  const path: Path = {
    indexAgeDays: 1096,
    events: [
      ev('FAMILY_WORK', 'mother', -200, 'social_work'), // before birth: an older sibling's, history
      ev('BIRTH', 'self', 0),
      ev('FAMILY_WORK', 'father', 50, 'social_work'), // not the catalogue's receiver: history
      ev('FAMILY_WORK', 'mother', 100, 'social_work'), // treatment
      ev('HOME_VISIT', 'self', 100), // treatment
      ev('ER_VISIT', 'self', 300),
    ],
  };
  it('takes the catalogue starts for the catalogue receiver from the first insertion age as treatments', () => {
    const s = splitTreatments(treated, path);
    expect(Array.from(s.service)).toEqual([-1, -1, -1, 0, 1, -1]);
    expect(s.history?.events.map((e) => `${e.relation}:${e.code}`)).toEqual(['mother:FAMILY_WORK', 'self:BIRTH', 'father:FAMILY_WORK', 'self:ER_VISIT']);
    expect(s.history?.indexAgeDays).toBe(1096);
    expect(Array.from(s.historyStep)).toEqual([0, 1, 2, 2, 2, 3]);
  });
  it('gives no history when every event is a treatment, and -1 before the first history event', () => {
    const s = splitTreatments(treated, { indexAgeDays: 10, events: [ev('HOME_VISIT', 'self', 5)] });
    expect(s.history).toBeNull();
    expect(Array.from(s.historyStep)).toEqual([-1]);
  });
});

/**
 * A population where the mother's crisis contacts raise the risk and also make family work far more likely
 * (confounding by indication), while family work at child age a lowers the logit by 1.2 * exp(-a / 400).
 */
function population(n: number, seed: number): { path: Path; label: 0 | 1 }[] {
  const rng = mulberry32(seed).next;
  return Array.from({ length: n }, () => {
    const crises = Math.floor(rng() * 4);
    const events: PathEvent[] = [];
    for (let c = 0; c < crises; c++) events.push(ev('MH_CRISIS', 'mother', -300 + c * 50, 'mental_health'));
    events.push(ev('BIRTH', 'self', 0));
    let logit = -1.5 + 0.8 * crises;
    if (rng() < 0.1 + 0.2 * crises) {
      const age = Math.floor(rng() * 1000);
      events.push(ev('FAMILY_WORK', 'mother', age, 'social_work'));
      logit -= 1.2 * Math.exp(-age / 400);
    }
    events.push(ev('NEUVOLA_VISIT', 'self', 1050));
    events.sort((a, b) => a.ageDays - b.ageDays);
    return { path: { indexAgeDays: 1096, events }, label: rng() < 1 / (1 + Math.exp(-logit)) ? 1 : 0 };
  });
}

function fitStage(train: { path: Path; label: 0 | 1 }[], validation: { path: Path; label: 0 | 1 }[]) {
  const splits = (set: typeof train) => set.map((e) => splitTreatments(treated, e.path));
  const sTrain = splits(train);
  const sVal = splits(validation);
  const prep = fitPreprocessing(sTrain.map((s) => s.history as Path), { minPersonsPerCode: 5, maxLen: 16 });
  const { tausDays, interactionTau } = TrainConfigSchema.parse({}).treatment;
  const shape = effectShape(prep, catalogue, train.map((e, i) => ({ path: e.path, split: sTrain[i] as TreatmentSplit })), tausDays, interactionTau);
  // A base model that knows nothing (logit 0): the second stage's history counts do all the adjusting.
  const set = (data: typeof train, sp: TreatmentSplit[]) => ({ paths: data.map((e) => e.path), splits: sp, baseFinal: new Float64Array(data.length), labels: Float64Array.from(data, (e) => e.label) });
  const result = fitEffectModel(prep, shape, { ...set(train, sTrain), weights: new Float64Array(train.length).fill(1) }, set(validation, sVal), {
    l2Grid: [1e-3],
    maxIterations: 300,
    emptyHistoryLogit: 0,
  });
  return { prep, shape, model: result.model };
}

describe('the treatment-aware second stage', () => {
  const { prep, shape, model } = fitStage(population(4000, 1), population(800, 2));
  const logreg: LogregModel = { formatVersion: 1, weights: new Array(prep.vocab.length * 3).fill(0), bias: 0, l2: 0 };

  it('gives the same final logit at scoring time as the design row it was fitted on', () => {
    const columns = effectColumns(prep, shape);
    const theta = new Float64Array(columns.cols + 1);
    theta[columns.base] = model.weights.base;
    theta.set(model.weights.counts, columns.counts);
    theta.set(model.weights.exposure, columns.exposure);
    model.weights.interactions.forEach((ws, s) => {
      theta.set(ws, columns.interactions[s] as number);
    });
    theta[columns.cols] = model.weights.bias;
    for (const { path } of population(50, 3)) {
      const split = splitTreatments(model, path);
      const row = effectDesignRow(prep, shape, columns, path, split, 0.25);
      let z = theta[columns.cols] as number;
      row.indices.forEach((j, k) => {
        z += (theta[j] as number) * (row.values[k] as number);
      });
      const traj = effectTrajectoryLogits(prep, model, path, split, split.history === null ? null : new Float64Array(split.history.events.length).fill(0.25));
      expect(traj).toHaveLength(path.events.length);
      expect(traj[traj.length - 1]).toBeCloseTo(z, 9);
    }
  });

  it('recovers a protective effect that fades with age although the treated are at higher risk', () => {
    const data = population(4000, 1);
    const treatedRate = (got: boolean) => {
      const g = data.filter((e) => e.path.events.some((x) => x.code === 'FAMILY_WORK') === got);
      return g.reduce((s, e) => s + e.label, 0) / g.length;
    };
    expect(treatedRate(true)).toBeGreaterThan(treatedRate(false)); // the naive contrast says "harmful"
    const effectAt = (age: number) => model.tausDays.reduce((s, tau, b) => s + (model.weights.exposure[b] as number) * Math.exp(-age / tau), 0);
    expect(effectAt(0)).toBeLessThan(-0.5);
    expect(effectAt(0)).toBeLessThan(effectAt(900));
  });

  it('scores each distinct history once and lowers the risk when family work is inserted early', async () => {
    const base = population(1, 9)[0] as { path: Path };
    const history = splitTreatments(model, base.path).history as Path;
    const scorer = createScorer(prep, { kind: 'logreg', logreg }, { method: 'platt', slope: 1, intercept: 0, fittedOn: 'validation', n: 1 }, model);
    const insert = (age: number): Path => ({ ...history, events: [...history.events, ev('FAMILY_WORK', 'mother', age, 'social_work')].sort((a, b) => a.ageDays - b.ageDays) });
    const [plain, early, late] = await scorer.scoreTrajectories([history, insert(0), insert(900)]);
    const last = (r: Float64Array | undefined) => (r as Float64Array)[(r as Float64Array).length - 1] as number;
    expect(last(early)).toBeLessThan(last(late));
    expect(last(early)).toBeLessThan(last(plain));
    expect(early).toHaveLength(history.events.length + 1);
  });
});
