// Fits the second stage of the treatment-aware outcome model (src/features/treatment.ts): a ridge logistic
// regression of the outcome on the base model's logit (unpenalised), the history's windowed counts, the
// treatment exposures (lightly penalised) and their interactions with the receiver's markers. Deterministic.
import type { Preprocessing } from '../features/preprocessing.js';
import {
  EFFECT_MODEL_VERSION,
  type EffectModel,
  type EffectShape,
  effectColumns,
  effectDesignRow,
  effectWeightsFrom,
  type TreatmentSplit,
} from '../features/treatment.js';
import type { Path } from '../schemas/path.js';
import { fitPenaltyGrid, type SparseMatrix } from './logreg.js';

/**
 * Penalty multipliers of the ridge: the exposures carry the effects we want to read, so they are shrunk ten times
 * less than the history counts and the interactions (chosen on a training population, docs/interventions.md).
 */
export const EXPOSURE_PENALTY = 0.1;
export const INTERACTION_PENALTY = 1;

export interface EffectFitSet {
  paths: readonly Path[];
  splits: readonly TreatmentSplit[];
  /** The base model's final-step logit of each path's history. */
  baseFinal: Float64Array;
  labels: Float64Array;
}

export function effectDesign(prep: Preprocessing, shape: EffectShape, set: Omit<EffectFitSet, 'labels'>): SparseMatrix {
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

export interface EffectFitResult {
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
