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
import { effectColumns, effectDesignRow, effectTrajectoryLogits, splitTreatments, type TreatmentSplit } from './treatment.js';
import { type EngineRow, type LayersModel, type MinGruEngine, minGruEngineOf, predictLogits } from '../model/index.js';
import type { Path } from '../schemas/path.js';
import type { ModelKind, PathScorer, ScoreMode, ScoreOptions } from '../schemas/scoring.js';
import { TimeSlicer } from '../util/slicer.js';
import { type ScoringEngineKind, scoringCost } from './cost.js';

/** Steps per tfjs forward pass when scoring (rows of maxLen steps; at most 256 rows): one pass is one slice. */
const TFJS_PASS_STEPS = 16_384;
const TFJS_MAX_ROWS = 256;
/** Steps per run of the TypedArray engine between two pauses (about a millisecond at 64 units). */
const ENGINE_SLICE_STEPS = 4_096;

/** How a call runs: the whole trajectory or the final step only, sliced so that it can yield and be ended. */
interface LogitCall {
  mode: ScoreMode;
  slicer: TimeSlicer;
}

/**
 * Raw (uncalibrated) logits after every step of each path. With mode 'final' only the last element of each array
 * is computed; the others are left at 0.
 */
type TrajectoryLogits = (paths: readonly Path[], call: LogitCall) => Promise<Float64Array[]>;

interface ScoringModel {
  logits: TrajectoryLogits;
  /** With an effect model that holds a bootstrap: the final logits under each replicate, and their coverage. */
  replicates?: { logits: ReplicateLogits; level: number };
  engine: ScoringEngineKind;
  /** Window length of a sequence model; null for the logreg. */
  maxLen: number | null;
}

function logregLogits(prep: Preprocessing, model: LogregModel): TrajectoryLogits {
  return async (paths, { slicer }) => {
    const out: Float64Array[] = [];
    for (const path of paths) {
      out.push(logregTrajectoryLogits(prep, model, path));
      await slicer.pause();
    }
    return out;
  };
}

/** The windows a call runs for a path of n events: every window of the trajectory, or the last one only. */
function windowsOf(n: number, maxLen: number, mode: ScoreMode): { start: number; end: number; readFrom: number }[] {
  if (mode === 'trajectory') return trajectoryWindows(n, maxLen);
  const start = Math.max(0, n - maxLen);
  return [{ start, end: n, readFrom: n - start - 1 }];
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
  const rowsPerPass = Math.max(1, Math.min(TFJS_MAX_ROWS, Math.floor(TFJS_PASS_STEPS / prep.maxLen)));
  return async (paths, { mode, slicer }) => {
    const out = paths.map((p) => new Float64Array(p.events.length));
    // Paths are encoded as their rows are reached, so that encoding is sliced with the passes.
    let chunk: (Row & { path: Path })[] = [];
    const pass = async () => {
      const batch = encodeWindows(prep, chunk, chunk.map((r) => r.encoded));
      const logits = predictLogits(network, batch);
      chunk.forEach((r, i) => {
        const target = out[r.pathIndex] as Float64Array;
        for (let pos = r.readFrom; pos < r.end - r.start; pos++) target[r.start + pos] = logits[i * batch.seqLen + pos] as number;
      });
      chunk = [];
      await slicer.pause();
    };
    for (let pathIndex = 0; pathIndex < paths.length; pathIndex++) {
      const path = paths[pathIndex] as Path;
      const encoded = encodeEvents(prep, path);
      for (const w of windowsOf(path.events.length, prep.maxLen, mode)) {
        chunk.push({ path, ...w, pathIndex, encoded });
        if (chunk.length === rowsPerPass) await pass();
      }
    }
    if (chunk.length > 0) await pass();
    return out;
  };
}

/**
 * The same logits through the minimal GRU's TypedArray engine (src/model/min-gru-engine.ts), in runs of about
 * ENGINE_SLICE_STEPS steps with a pause between runs; paths are encoded as their rows are reached. The engine
 * shares the states of a run's first row with the rows that begin like it; for final risks (an explanation's
 * variants of one path) every run begins with the call's first row, so each variant takes the original's states
 * up to the event it changes.
 */
function engineLogits(prep: Preprocessing, engine: MinGruEngine): TrajectoryLogits {
  return async (paths, { mode, slicer }) => {
    const out = paths.map((p) => new Float64Array(p.events.length));
    type Run = (EngineRow & { readFrom: number; pathIndex: number })[];
    let reference: Run[number] | null = null;
    let run: Run = [];
    /** The run begins with a copy of the reference row, there only for its states (its logits are not read again). */
    let withCopy = false;
    let steps = 0;
    const flush = async () => {
      const skip = withCopy ? 1 : 0;
      engine.run(
        run,
        (i) => (i < skip ? Number.POSITIVE_INFINITY : run[i]!.readFrom),
        (i, step, logit) => {
          const r = run[i]!;
          out[r.pathIndex]![r.start + step] = logit;
        },
      );
      withCopy = mode === 'final' && reference !== null;
      run = withCopy ? [reference!] : [];
      steps = 0;
      await slicer.pause();
    };
    for (let pathIndex = 0; pathIndex < paths.length; pathIndex++) {
      const path = paths[pathIndex] as Path;
      const { tokens, feats } = encodeEvents(prep, path);
      for (const w of windowsOf(path.events.length, prep.maxLen, mode)) {
        const row = { ...w, tokens, feats, pathIndex };
        if (reference === null) reference = row;
        const length = w.end - w.start;
        if (steps > 0 && steps + length > ENGINE_SLICE_STEPS) await flush();
        run.push(row);
        steps += length;
      }
    }
    if (steps > 0) await flush();
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

/** Each path's treatment split, its history's feature ids and the base model's logits of its (shared) history. */
interface HistoryScores {
  splits: TreatmentSplit[];
  features: (Int32Array | null)[];
  /** The path's history among the distinct histories, -1 when it has none. */
  which: number[];
  baseLogits: Float64Array[];
}

/** The base model runs once per distinct history (all insertions of a service into one path share it). */
async function historyScores(prep: Preprocessing, base: TrajectoryLogits, effect: EffectModel, paths: readonly Path[], call: LogitCall): Promise<HistoryScores> {
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
  // A history's last logit is the one the final step reads (effectTrajectoryLogits), so 'final' passes through.
  const baseLogits = await base(histories, call);
  return { splits, features, which, baseLogits };
}

/**
 * The treatment-aware model's logits: the base model scores each distinct history once, the second stage adds the
 * treatments (src/scoring/treatment.ts).
 */
function treatmentAwareLogits(prep: Preprocessing, base: TrajectoryLogits, effect: EffectModel): TrajectoryLogits {
  return async (paths, call) => {
    const { splits, features, which, baseLogits } = await historyScores(prep, base, effect, paths, call);
    const out: Float64Array[] = [];
    for (let i = 0; i < paths.length; i++) {
      const history = which[i] === -1 ? null : (baseLogits[which[i] as number] as Float64Array);
      out.push(effectTrajectoryLogits(prep, effect, paths[i] as Path, splits[i] as TreatmentSplit, history, features[i] ?? undefined));
      await call.slicer.pause();
    }
    return out;
  };
}

/** Raw final logits of each path under each bootstrap replicate of the effect model ([path][replicate]). */
type ReplicateLogits = (paths: readonly Path[], call: LogitCall) => Promise<Float64Array[]>;

/**
 * The final logit under each replicate is the replicate's parameters times the path's design row (the same row
 * the second stage was fitted on; a unit test holds the point model's final logit to it), so one row per path
 * serves every replicate.
 */
function treatmentReplicateLogits(prep: Preprocessing, base: TrajectoryLogits, effect: EffectModel, thetas: readonly (readonly number[])[]): ReplicateLogits {
  const columns = effectColumns(prep, effect);
  const thetaArrays = thetas.map((t) => Float64Array.from(t));
  return async (paths, call) => {
    const { splits, features, which, baseLogits } = await historyScores(prep, base, effect, paths, { ...call, mode: 'final' });
    const out: Float64Array[] = [];
    for (let i = 0; i < paths.length; i++) {
      const k = which[i] as number;
      const g = k === -1 ? effect.emptyHistoryLogit : ((baseLogits[k] as Float64Array)[(baseLogits[k] as Float64Array).length - 1] as number);
      const row = effectDesignRow(prep, effect, columns, paths[i] as Path, splits[i] as TreatmentSplit, g, features[i] ?? undefined);
      out.push(
        Float64Array.from(thetaArrays, (theta) => {
          let z = theta[columns.cols] as number;
          for (let j = 0; j < row.indices.length; j++) z += (theta[row.indices[j] as number] as number) * (row.values[j] as number);
          return z;
        }),
      );
      await call.slicer.pause();
    }
    return out;
  };
}

/** The effect model's positivity flags as a lookup; a service the effect model does not treat counts as seldom. */
function seldomLookup(effect: EffectModel): PathScorer['seldomGiven'] {
  const p = effect.positivity;
  if (p === null) return undefined;
  const index = new Map(effect.services.map((s, i) => [`${s.relation}:${s.code}`, i]));
  return (service, ageDays) => {
    const i = index.get(`${service.relation}:${service.code}`);
    if (i === undefined) return true;
    const band = Math.floor((ageDays - effect.fromAgeDays) / p.stepDays);
    return (p.seldom[i] as boolean[])[band] ?? true;
  };
}

function calibrated(modelKind: ModelKind, model: ScoringModel, calibration: Calibration, effect: EffectModel | null): PathScorer {
  const { logits, engine, maxLen, replicates } = model;
  const seldom = effect === null ? undefined : seldomLookup(effect);
  return {
    modelKind,
    ...(seldom === undefined ? {} : { seldomGiven: seldom }),
    ...(replicates === undefined
      ? {}
      : {
          intervalLevel: replicates.level,
          async scoreFinalReplicates(paths: readonly Path[], opts: ScoreOptions = {}): Promise<Float64Array[]> {
            const out = await replicates.logits(paths, { mode: 'final', slicer: new TimeSlicer(opts.signal) });
            for (const z of out) for (let i = 0; i < z.length; i++) z[i] = calibrate(calibration, z[i] as number);
            return out;
          },
        }),
    async scoreTrajectories(paths: readonly Path[], opts: ScoreOptions = {}): Promise<Float64Array[]> {
      const out = await logits(paths, { mode: 'trajectory', slicer: new TimeSlicer(opts.signal) });
      for (const z of out) for (let i = 0; i < z.length; i++) z[i] = calibrate(calibration, z[i] as number);
      return out;
    },
    async scoreFinal(paths: readonly Path[], opts: ScoreOptions = {}): Promise<Float64Array> {
      const out = await logits(paths, { mode: 'final', slicer: new TimeSlicer(opts.signal) });
      return Float64Array.from(out, (z) => calibrate(calibration, z[z.length - 1] as number));
    },
    costOf(eventCounts: readonly number[], mode: ScoreMode): number {
      // The treatment-aware stage adds a linear pass over every event, as the logreg does.
      return scoringCost(engine, maxLen, eventCounts, mode) + (effect !== null ? scoringCost('logreg', null, eventCounts, mode) : 0);
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
  const base: ScoringModel =
    model.kind === 'logreg' ? { logits: logregLogits(prep, model.logreg), engine: 'logreg', maxLen: null } : networkModel(model.kind, prep, model.network, engine);
  const boot = effect?.bootstrap ?? null;
  const scoring: ScoringModel =
    effect === null
      ? base
      : {
          ...base,
          logits: treatmentAwareLogits(prep, base.logits, effect),
          ...(boot === null ? {} : { replicates: { logits: treatmentReplicateLogits(prep, base.logits, effect, boot.thetas), level: boot.level } }),
        };
  return calibrated(model.kind, scoring, calibration, effect);
}

function networkModel(kind: Exclude<ModelKind, 'logreg'>, prep: Preprocessing, network: LayersModel, engine: ScoringEngine): ScoringModel {
  const fast = engine === 'auto' ? minGruEngineOf(network) : null;
  if (fast !== null) return { logits: engineLogits(prep, fast), engine: fast.hasContext ? 'min-gru-engine-context' : 'min-gru-engine', maxLen: prep.maxLen };
  return { logits: sequenceLogits(prep, network), engine: kind === 'transformer' ? 'tfjs-transformer' : 'tfjs-recurrent', maxLen: prep.maxLen };
}

export function createLogregScorer(prep: Preprocessing, model: LogregModel, calibration: Calibration): PathScorer {
  return createScorer(prep, { kind: 'logreg', logreg: model }, calibration);
}

export function createSequenceScorer(kind: Exclude<ModelKind, 'logreg'>, prep: Preprocessing, network: LayersModel, calibration: Calibration): PathScorer {
  return createScorer(prep, { kind, network }, calibration);
}
