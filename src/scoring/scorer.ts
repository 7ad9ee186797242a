// PathScorers over a bundle's model: the calibrated risk after every step of each path, in batched passes.
// Sequence models read windows of at most maxLen events (features/preprocessing trajectoryWindows).
import type { Calibration } from '../schemas/fitted-models.js';
import { calibrate } from './calibration.js';
import { eventFeatures } from '../features/counts.js';
import { logregTrajectoryLogits } from './logreg.js';
import type { LogregModel } from '../schemas/fitted-models.js';
import { encodeEvents, encodeWindows, trajectoryWindows } from '../features/preprocessing.js';
import type { Preprocessing } from '../schemas/fitted-models.js';
import type { EffectModel } from '../schemas/fitted-models.js';
import { effectTrajectoryLogits, splitTreatments, type TreatmentSplit } from './treatment.js';
import { type EngineRow, type LayersModel, type MinGruEngine, minGruEngineOf, predictLogits } from '../model/index.js';
import type { Path } from '../schemas/path.js';
import type { ModelKind, PathScorer } from '../schemas/scoring.js';

/** Rows per forward pass when scoring. */
const SCORE_BATCH_ROWS = 256;

/** Raw (uncalibrated) logits after every step of each path. */
type TrajectoryLogits = (paths: readonly Path[]) => Promise<Float64Array[]>;

function logregLogits(prep: Preprocessing, model: LogregModel): TrajectoryLogits {
  return async (paths) => paths.map((path) => logregTrajectoryLogits(prep, model, path));
}

interface Row {
  start: number;
  end: number;
  /** Output position -> step of the path. */
  readFrom: number;
  pathIndex: number;
  encoded: { tokens: Int32Array; feats: Float32Array };
}

function sequenceLogits(prep: Preprocessing, network: LayersModel): TrajectoryLogits {
  return async (paths) => {
    const out = paths.map((p) => new Float64Array(p.events.length));
    const rows: (Row & { path: Path })[] = [];
    paths.forEach((path, pathIndex) => {
      const encoded = encodeEvents(prep, path);
      for (const w of trajectoryWindows(path.events.length, prep.maxLen)) rows.push({ path, ...w, pathIndex, encoded });
    });
    for (let s = 0; s < rows.length; s += SCORE_BATCH_ROWS) {
      const chunk = rows.slice(s, s + SCORE_BATCH_ROWS);
      const batch = encodeWindows(prep, chunk, chunk.map((r) => r.encoded));
      const logits = predictLogits(network, batch);
      chunk.forEach((r, i) => {
        const target = out[r.pathIndex] as Float64Array;
        for (let pos = r.readFrom; pos < r.end - r.start; pos++) target[r.start + pos] = logits[i * batch.seqLen + pos] as number;
      });
    }
    return out;
  };
}

/** The same logits through the minimal GRU's TypedArray engine: all windows of all paths in one run (src/model/min-gru-engine.ts). */
function engineLogits(prep: Preprocessing, engine: MinGruEngine): TrajectoryLogits {
  return async (paths) => {
    const out = paths.map((p) => new Float64Array(p.events.length));
    const rows: (EngineRow & { readFrom: number; pathIndex: number })[] = [];
    paths.forEach((path, pathIndex) => {
      const { tokens, feats } = encodeEvents(prep, path);
      for (const w of trajectoryWindows(path.events.length, prep.maxLen)) rows.push({ ...w, tokens, feats, pathIndex });
    });
    engine.run(
      rows,
      (i) => rows[i]!.readFrom,
      (i, step, logit) => {
        const r = rows[i]!;
        out[r.pathIndex]![r.start + step] = logit;
      },
    );
    return out;
  };
}

/** How a bundle's sequence model is run when scoring: 'auto' picks the TypedArray engine where the model has one. */
type ScoringEngine = 'auto' | 'tfjs';

/**
 * A numeric hash of a history's content (its logreg feature ids, which hold the token ids, then the ages and the
 * index age); equal histories hash equally.
 */
function historyHash(path: Path, features: Int32Array): number {
  let h = Math.imul(2166136261, 31) ^ (path.indexAgeDays ?? -1);
  path.events.forEach((e, t) => {
    h = Math.imul(h ^ (features[t] as number), 16777619);
    h = Math.imul(h ^ e.ageDays, 16777619);
  });
  return h >>> 0;
}

function sameHistory(a: Path, b: Path): boolean {
  if (a === b) return true;
  if (a.events.length !== b.events.length || a.indexAgeDays !== b.indexAgeDays) return false;
  return a.events.every((x, i) => {
    const y = b.events[i] as Path['events'][number];
    return x === y || (x.ageDays === y.ageDays && x.code === y.code && x.relation === y.relation && x.domain === y.domain);
  });
}

/**
 * The treatment-aware model's logits: the base model scores each distinct history once (all insertions of a
 * service into one path share it), the second stage adds the treatments (src/scoring/treatment.ts).
 */
function treatmentAwareLogits(prep: Preprocessing, base: TrajectoryLogits, effect: EffectModel): TrajectoryLogits {
  return async (paths) => {
    const splits = paths.map((p) => splitTreatments(effect, p));
    // Each history's feature ids serve both its hash and the second stage (one token lookup per event).
    const features = splits.map((s) => (s.history === null ? null : eventFeatures(prep, s.history)));
    const unique = new Map<number, number[]>();
    const histories: Path[] = [];
    const which = splits.map((s, i) => {
      const history = s.history;
      if (history === null) return -1;
      const hash = historyHash(history, features[i] as Int32Array);
      const candidates = unique.get(hash) ?? [];
      const found = candidates.find((k) => sameHistory(histories[k] as Path, history));
      if (found !== undefined) return found;
      candidates.push(histories.length);
      unique.set(hash, candidates);
      histories.push(history);
      return histories.length - 1;
    });
    const baseLogits = await base(histories);
    return paths.map((p, i) =>
      effectTrajectoryLogits(prep, effect, p, splits[i] as TreatmentSplit, which[i] === -1 ? null : (baseLogits[which[i] as number] as Float64Array), features[i] ?? undefined),
    );
  };
}

function calibrated(modelKind: ModelKind, logits: TrajectoryLogits, calibration: Calibration): PathScorer {
  return {
    modelKind,
    async scoreTrajectories(paths: readonly Path[]): Promise<Float64Array[]> {
      const out = await logits(paths);
      for (const z of out) for (let i = 0; i < z.length; i++) z[i] = calibrate(calibration, z[i] as number);
      return out;
    },
  };
}

type ScorerModel = { kind: 'logreg'; logreg: LogregModel } | { kind: Exclude<ModelKind, 'logreg'>; network: LayersModel };

/** The bundle's PathScorer: the model's logits (through the treatment-aware stage when there is one), calibrated. */
export function createScorer(
  prep: Preprocessing,
  model: ScorerModel,
  calibration: Calibration,
  effect: EffectModel | null = null,
  engine: ScoringEngine = 'auto',
): PathScorer {
  const base = model.kind === 'logreg' ? logregLogits(prep, model.logreg) : networkLogits(prep, model.network, engine);
  return calibrated(model.kind, effect === null ? base : treatmentAwareLogits(prep, base, effect), calibration);
}

function networkLogits(prep: Preprocessing, network: LayersModel, engine: ScoringEngine): TrajectoryLogits {
  const fast = engine === 'auto' ? minGruEngineOf(network) : null;
  return fast === null ? sequenceLogits(prep, network) : engineLogits(prep, fast);
}

export function createLogregScorer(prep: Preprocessing, model: LogregModel, calibration: Calibration): PathScorer {
  return createScorer(prep, { kind: 'logreg', logreg: model }, calibration);
}

export function createSequenceScorer(kind: Exclude<ModelKind, 'logreg'>, prep: Preprocessing, network: LayersModel, calibration: Calibration): PathScorer {
  return createScorer(prep, { kind, network }, calibration);
}
