// Fits the second stage of the treatment-aware outcome model (applied by src/scoring/treatment.ts): a ridge logistic
// regression of the outcome on the base model's logit (unpenalised), the history's windowed counts, the
// treatment exposures (lightly penalised) and their interactions with the receiver's markers. Deterministic.
import { RARE_CODE, tokenKey } from '../features/preprocessing.js';
import type { Catalogue } from '../schemas/catalogue.js';
import { EFFECT_MODEL_VERSION, type EffectModel, PAD_TOKEN, type Preprocessing, UNK_TOKEN } from '../schemas/fitted-models.js';
import type { Path } from '../schemas/path.js';
import { type EffectColumns, type EffectShape, effectColumns, effectDesignRow, type TreatmentSplit, treatedServices } from '../scoring/treatment.js';
import { resampleDraws } from '../evaluate/bootstrap.js';
import { fitLogisticLbfgs, fitPenaltyGrid, type SparseMatrix } from './logreg.js';

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

/** Bootstrap of the second stage: replicates over training families (docs/interventions.md, "Intervals"). */
interface EffectBootstrapOptions {
  replicates: number;
  seed: number;
  level: number;
  /** Each training example's family (whole families are drawn). */
  families: readonly string[];
}

export function fitEffectModel(
  prep: Preprocessing,
  shape: EffectShape,
  train: EffectFitSet & { weights: Float64Array },
  validation: EffectFitSet,
  opts: {
    l2Grid: readonly number[];
    maxIterations: number;
    emptyHistoryLogit: number;
    bootstrap?: EffectBootstrapOptions | null;
    positivity?: EffectModel['positivity'];
  },
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
  const b = opts.bootstrap ?? null;
  const thetas = b === null || b.replicates < 2 ? null : bootstrapThetas(xTrain, train, { l2: chosen.l2, penalty, start: chosen.theta, maxIterations: opts.maxIterations }, b);
  return {
    model: {
      formatVersion: EFFECT_MODEL_VERSION,
      method: 'treatment-aware',
      ...shape,
      emptyHistoryLogit: opts.emptyHistoryLogit,
      l2: chosen.l2,
      bootstrap: b === null || thetas === null ? null : { method: 'family-bootstrap', replicates: b.replicates, seed: b.seed, level: b.level, thetas },
      positivity: opts.positivity ?? null,
      weights: effectWeightsFrom(shape, columns, chosen.theta),
    },
    grid,
  };
}

/**
 * The fit repeated on family bootstrap resamples: each replicate draws as many families as there are, with
 * replacement, and multiplies every example's weight by its family's draw count (a family drawn twice counts
 * twice; one not drawn drops out). Warm-started from the point estimate at the same l2. Deterministic in the seed.
 */
function bootstrapThetas(
  x: SparseMatrix,
  train: { labels: Float64Array; weights: Float64Array },
  fit: { l2: number; penalty: Float64Array; start: Float64Array; maxIterations: number },
  opts: EffectBootstrapOptions,
): number[][] | null {
  const weights = new Float64Array(train.weights.length);
  const out: number[][] = [];
  let moved = false;
  // The evaluation's family bootstrap, in its weight form: each example counts as often as its family was drawn.
  for (const { unitOf, draws } of resampleDraws(weights.length, { samples: opts.replicates, seed: opts.seed, clusters: opts.families })) {
    for (let i = 0; i < weights.length; i++) weights[i] = (train.weights[i] as number) * (draws[unitOf[i] as number] as number);
    const replicate = fitLogisticLbfgs(x, train.labels, weights, { l2: fit.l2, maxIterations: fit.maxIterations, start: fit.start, penalty: fit.penalty });
    moved ||= replicate.iterations > 0;
    out.push(Array.from(replicate.theta));
  }
  // No replicate left the point estimate: the fit's gradient is already below the tolerance on every resample (the
  // training split is separated, e.g. by an overfitted base logit on a few hundred children). The spread would be
  // zero, which claims a certainty the data cannot give: no intervals then.
  return moved ? out : null;
}

/** Fewer training starts than this in an insertion-age band flag the band's estimates as extrapolated. */
export const MIN_POSITIVITY_STARTS = 20;

/**
 * Which (service, insertion-age band) the training split seldom saw: fewer than MIN_POSITIVITY_STARTS starts of the
 * service for its receiver in [from + b step, from + (b + 1) step). Bands run to the oldest index age.
 */
export function positivityOf(shape: Pick<EffectShape, 'services' | 'fromAgeDays'>, stepDays: number, training: readonly { path: Path; split: TreatmentSplit }[]): NonNullable<EffectModel['positivity']> {
  const oldest = training.reduce((m, t) => Math.max(m, t.path.indexAgeDays ?? t.path.events[t.path.events.length - 1]?.ageDays ?? 0), shape.fromAgeDays);
  const bands = Math.floor((oldest - shape.fromAgeDays) / stepDays) + 1;
  const starts = shape.services.map(() => new Int32Array(bands));
  for (const { path, split } of training) {
    path.events.forEach((e, t) => {
      const s = split.service[t] as number;
      if (s < 0) return;
      const b = Math.floor((e.ageDays - shape.fromAgeDays) / stepDays);
      if (b >= 0 && b < bands) (starts[s] as Int32Array)[b] = ((starts[s] as Int32Array)[b] as number) + 1;
    });
  }
  return { minStarts: MIN_POSITIVITY_STARTS, stepDays, seldom: starts.map((row) => Array.from(row, (n) => n < MIN_POSITIVITY_STARTS)) };
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
