// PathScorers over a bundle's model: the calibrated risk after every step of each path, in batched passes.
// Sequence models read windows of at most maxLen events (features/preprocessing trajectoryWindows).
import { type Calibration, calibrate } from '../features/calibration.js';
import { type LogregModel, logregTrajectoryLogits } from '../features/logreg.js';
import { encodeEvents, encodeWindows, type Preprocessing, trajectoryWindows } from '../features/preprocessing.js';
import { type LayersModel, predictLogits } from '../model/index.js';
import type { Path } from '../schemas/path.js';
import type { ModelKind, PathScorer } from '../schemas/scoring.js';

/** Rows per forward pass when scoring. */
export const SCORE_BATCH_ROWS = 256;

export function createLogregScorer(prep: Preprocessing, model: LogregModel, calibration: Calibration): PathScorer {
  return {
    modelKind: 'logreg',
    scoreTrajectories: async (paths: readonly Path[]) =>
      paths.map((path) => Float64Array.from(logregTrajectoryLogits(prep, model, path), (z) => calibrate(calibration, z))),
  };
}

interface Row {
  path: Path;
  start: number;
  end: number;
  /** Output position -> step of the path. */
  readFrom: number;
  pathIndex: number;
  encoded: { tokens: Int32Array; feats: Float32Array };
}

export function createSequenceScorer(kind: Exclude<ModelKind, 'logreg'>, prep: Preprocessing, network: LayersModel, calibration: Calibration): PathScorer {
  return {
    modelKind: kind,
    async scoreTrajectories(paths: readonly Path[]): Promise<Float64Array[]> {
      const out = paths.map((p) => new Float64Array(p.events.length));
      const rows: Row[] = [];
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
          for (let pos = r.readFrom; pos < r.end - r.start; pos++) {
            target[r.start + pos] = calibrate(calibration, logits[i * batch.seqLen + pos] as number);
          }
        });
      }
      return out;
    },
  };
}
