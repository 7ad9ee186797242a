// Fits the second stage of the treatment-aware outcome model (applied by src/scoring/treatment.ts): a ridge logistic
// regression of the outcome on the base model's logit (unpenalised), the history's windowed counts, the
// treatment exposures (lightly penalised) and their interactions with the receiver's markers. Deterministic.
import { eventFeatures, featureDim, sparseCounts, windowCount } from '../features/counts.js';
import { RARE_CODE, tokenKey } from '../features/preprocessing.js';
import type { Catalogue } from '../schemas/catalogue.js';
import { EFFECT_MODEL_VERSION, type EffectModel, PAD_TOKEN, type Preprocessing, UNK_TOKEN } from '../schemas/fitted-models.js';
import type { Path } from '../schemas/path.js';
import { type EffectShape, markersById, NO_REFS, standardised, type TreatmentSplit, treatedServices } from '../scoring/treatment.js';
import { fitPenaltyGrid, type SparseMatrix } from './logreg.js';

/**
 * Penalty multipliers of the ridge: the exposures carry the effects we want to read, so they are shrunk ten times
 * less than the history counts and the interactions (chosen on a training population, docs/interventions.md).
 */
const EXPOSURE_PENALTY = 0.1;
const INTERACTION_PENALTY = 1;

interface EffectFitSet {
  paths: readonly Path[];
  splits: readonly TreatmentSplit[];
  /** The base model's final-step logit of each path's history. */
  baseFinal: Float64Array;
  labels: Float64Array;
}

function effectDesign(prep: Preprocessing, shape: EffectShape, set: Omit<EffectFitSet, 'labels'>): SparseMatrix {
  const columns = effectColumns(prep, shape);
  const rows = set.paths.map((p, i) => effectDesignRow(prep, shape, columns, p, set.splits[i] as TreatmentSplit, set.baseFinal[i] as number));
  const rowStart = new Int32Array(rows.length + 1);
  rows.forEach((r, i) => {
    rowStart[i + 1] = (rowStart[i] as number) + r.indices.length;
  });
  const indices = new Int32Array(rowStart[rows.length] as number);
  const values = new Float64Array(indices.length);
  rows.forEach((r, i) => {
    indices.set(r.indices, rowStart[i]);
    values.set(r.values, rowStart[i]);
  });
  return { rowStart, indices, values, rows: rows.length, cols: columns.cols };
}

interface EffectFitResult {
  model: EffectModel;
  grid: { l2: number; trainLoss: number; valLoss: number; valAuroc: number | null; iterations: number }[];
}

export function fitEffectModel(
  prep: Preprocessing,
  shape: EffectShape,
  train: EffectFitSet & { weights: Float64Array },
  validation: EffectFitSet,
  opts: { l2Grid: readonly number[]; maxIterations: number; emptyHistoryLogit: number },
): EffectFitResult {
  const columns = effectColumns(prep, shape);
  const xTrain = effectDesign(prep, shape, train);
  const xVal = effectDesign(prep, shape, validation);
  const penalty = new Float64Array(columns.cols).fill(1);
  penalty[columns.base] = 0;
  penalty.fill(EXPOSURE_PENALTY, columns.exposure, columns.exposure + shape.services.length * shape.tausDays.length);
  penalty.fill(INTERACTION_PENALTY, columns.exposure + shape.services.length * shape.tausDays.length, columns.cols);
  // Start from "the base model as it is": coefficient 1 on its logit, nothing else.
  const start = new Float64Array(columns.cols + 1);
  start[columns.base] = 1;
  const { best: chosen, grid } = fitPenaltyGrid(xTrain, train, xVal, validation.labels, { ...opts, start, penalty });
  return {
    model: {
      formatVersion: EFFECT_MODEL_VERSION,
      method: 'treatment-aware',
      ...shape,
      emptyHistoryLogit: opts.emptyHistoryLogit,
      l2: chosen.l2,
      weights: effectWeightsFrom(shape, columns, chosen.theta),
    },
    grid,
  };
}

/**
 * The effect model's shape for a catalogue: every service, the receiver's vocabulary tokens as markers, and the
 * markers' mean and spread over the training histories (a marker that never varies is left out).
 */
export function effectShape(
  prep: Preprocessing,
  catalogue: Catalogue,
  training: readonly { path: Path; split: TreatmentSplit }[],
  tausDays: readonly number[],
  interactionTau: number,
): EffectShape {
  const { services, fromAgeDays } = treatedServices(catalogue);
  const tokens = prep.vocab.filter((t) => t !== PAD_TOKEN && t !== UNK_TOKEN && !t.endsWith(`|${RARE_CODE}`));
  const sum = new Map<string, number>();
  const sumSq = new Map<string, number>();
  for (const { path, split } of training) {
    const counts = new Map<string, number>();
    path.events.forEach((e, t) => {
      if ((split.service[t] as number) < 0) counts.set(tokenKey(e), (counts.get(tokenKey(e)) ?? 0) + 1);
    });
    for (const [key, c] of counts) {
      const v = Math.log1p(c);
      sum.set(key, (sum.get(key) ?? 0) + v);
      sumSq.set(key, (sumSq.get(key) ?? 0) + v * v);
    }
  }
  const n = Math.max(1, training.length);
  const stats = new Map(
    tokens.map((t) => {
      const mean = (sum.get(t) ?? 0) / n;
      const variance = (sumSq.get(t) ?? 0) / n - mean * mean;
      return [t, { mean, sd: Math.sqrt(Math.max(0, variance)) }];
    }),
  );
  const markers = services.map((s) => tokens.filter((t) => t.startsWith(`${s.relation}|`) && (stats.get(t)?.sd ?? 0) > 1e-6));
  return {
    services,
    fromAgeDays,
    tausDays: [...tausDays],
    interactionTau: Math.min(interactionTau, tausDays.length - 1),
    markers,
    markerMean: markers.map((list) => list.map((t) => stats.get(t)?.mean ?? 0)),
    markerScale: markers.map((list) => list.map((t) => stats.get(t)?.sd ?? 1)),
  };
}

/** Column layout of the second stage's design: base logit, counts, exposures, interactions. */
interface EffectColumns {
  base: number;
  counts: number;
  exposure: number;
  /** First column of each service's interactions. */
  interactions: number[];
  cols: number;
}

export function effectColumns(prep: Preprocessing, shape: EffectShape): EffectColumns {
  const counts = 1;
  const exposure = counts + featureDim(prep);
  let next = exposure + shape.services.length * shape.tausDays.length;
  const interactions = shape.markers.map((list) => {
    const start = next;
    next += list.length;
    return start;
  });
  return { base: 0, counts, exposure, interactions, cols: next };
}

/** The second stage's design row of a whole path (its final step): sorted column indices and values. */
export function effectDesignRow(prep: Preprocessing, shape: EffectShape, columns: EffectColumns, path: Path, split: TreatmentSplit, baseFinal: number): { indices: Int32Array; values: Float64Array } {
  const cells = new Map<number, number>();
  cells.set(columns.base, baseFinal);
  const b = shape.tausDays.length;
  const exposure = new Float64Array(shape.services.length * b);
  const markerCounts = shape.markers.map((list) => new Float64Array(list.length));
  const refs = markersById(prep, shape);
  const windows = windowCount(prep);
  const histFeatures = split.history === null ? new Int32Array(0) : eventFeatures(prep, split.history);
  let h = 0;
  path.events.forEach((e, t) => {
    const s = split.service[t] as number;
    if (s < 0) {
      const f = histFeatures[h++] as number;
      for (const ref of refs[Math.floor(f / windows)] ?? NO_REFS) {
        const list = markerCounts[ref.service] as Float64Array;
        list[ref.marker] = (list[ref.marker] as number) + 1;
      }
    } else {
      const age = Math.max(0, e.ageDays);
      for (let k = 0; k < b; k++) exposure[s * b + k] = (exposure[s * b + k] as number) + Math.exp(-age / (shape.tausDays[k] as number));
    }
  });
  const counts = sparseCounts(histFeatures);
  counts.indices.forEach((f, k) => {
    cells.set(columns.counts + f, counts.values[k] as number);
  });
  exposure.forEach((v, j) => {
    if (v !== 0) cells.set(columns.exposure + j, v);
  });
  markerCounts.forEach((list, s) => {
    const e = exposure[s * b + shape.interactionTau] as number;
    if (e === 0) return;
    list.forEach((c, k) => {
      cells.set((columns.interactions[s] as number) + k, e * standardised(shape, s, k, Math.log1p(c)));
    });
  });
  const indices = Int32Array.from([...cells.keys()].sort((x, y) => x - y));
  return { indices, values: Float64Array.from(indices, (j) => cells.get(j) as number) };
}

/** Stage-two weights from a flat parameter vector laid out by effectColumns (bias last). */
function effectWeightsFrom(shape: EffectShape, columns: EffectColumns, theta: Float64Array): EffectModel['weights'] {
  return {
    bias: theta[columns.cols] as number,
    base: theta[columns.base] as number,
    counts: Array.from(theta.subarray(columns.counts, columns.exposure)),
    exposure: Array.from(theta.subarray(columns.exposure, columns.exposure + shape.services.length * shape.tausDays.length)),
    interactions: shape.markers.map((list, s) => Array.from(theta.subarray(columns.interactions[s] as number, (columns.interactions[s] as number) + list.length))),
  };
}
