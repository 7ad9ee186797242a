// Scoring engine for the default sequence model (one minimal-GRU layer + per-step logit), inference only.
// The minimal GRU's gates depend only on the step's own input (token id and step features), never on the
// state. So one scoring call (1) finds the distinct (token, features) steps of all its rows with a hash
// table, (2) computes the gates of those steps only, in one batched tfjs pass (each token's part E W_t + bias
// comes from a per-vocabulary table made once; the pass adds the step features' projection and takes the
// sigmoid), and (3) runs the recurrence and the head in TypedArray loops, O(H) per step, with rows that begin
// like the call's first row taking its states for the shared prefix.
// An intervention query's ~700 variants of one path hold ~46,000 steps but fewer than 1,000 distinct ones.
// Same function as the layers (src/model/min-gru.ts): [z | s] = σ(E[token] W_t + feats W_f + bias),
// c = 2s - 1, h_t = h_{t-1} + z ⊙ (c - h_{t-1}), logit_t = h_t · w + b0; the recurrence runs in float64,
// so it agrees with the tfjs forward pass to float32 rounding (a parity test holds it to 1e-5).
// The wide part (src/model/wide.ts), when the model has one, adds each row's running sum of its weights times
// the log-count increments (wideSteps, the same bookkeeping as the layer).
// Training and evaluation keep tfjs; models of another shape (stacked layers, the full GRU cell, the
// transformer) have no engine and score through tfjs.
import * as tf from '@tensorflow/tfjs';
import { ServicepathError } from '../errors/index.js';
import { linear, product } from './linear.js';
import { type MinGruContext, SpMinGruEmbed } from './min-gru.js';
import { SpWideCounts, wideSteps } from './wide.js';

/** One row: steps [start, end) of a path's encoded arrays; the state starts at zero at `start`. */
export interface EngineRow {
  tokens: Int32Array;
  feats: Float32Array;
  start: number;
  end: number;
}

/**
 * The engine for a model built by buildModel with kind 'gru', cell 'minimal' and one layer; null for any
 * other architecture (the caller then scores through tfjs).
 */
export function minGruEngineOf(model: tf.LayersModel): MinGruEngine | null {
  const body = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const byClass = (name: string) => body.filter((l) => l.getClassName() === name);
  const [cell] = byClass('SpMinGruEmbed');
  const [head] = byClass('SpStepLogit');
  const [wide] = byClass('SpWideCounts');
  if (cell === undefined || head === undefined) return null;
  // Exactly: cell + head, or cell + head + wide part + their sum (buildModel's two minimal-GRU shapes).
  const withWide = wide instanceof SpWideCounts && body.length === 4 && byClass('Add').length === 1;
  if (body.length !== 2 && !withWide) return null;
  const context = cell instanceof SpMinGruEmbed ? cell.context : null;
  if (cell.weights.length !== 4 + (context?.halfLives.length ?? 0) || head.weights.length !== 2) return null;
  const units = (cell.getConfig() as { units: number }).units;
  const featureKernel = cell.weights[2] as tf.LayerVariable;
  const numFeatures = featureKernel.shape[0] as number;
  if (featureKernel.shape[1] !== 2 * units || head.weights[0]?.shape[0] !== units) return null;
  return new MinGruEngine(cell, head, units, numFeatures, withWide ? (wide as SpWideCounts) : null, context);
}

/** Whether a cached table was made from these weights (an assigned weight gets a new dataId). */
function sameIds(now: readonly tf.DataId[], cached: readonly tf.DataId[]): boolean {
  return now.length === cached.length && now.every((id, i) => id === cached[i]);
}

/** Steps per engine chunk: 131,072 x 2H gates is 67 MB at H = 64 (a whole split at once overran the wasm heap). */
const ENGINE_MAX_STEPS = 131_072;

const rowLength = (row: EngineRow): number => row.end - row.start;

/** Distinct steps of one call: open addressing on (token, feature bits). */
class StepTable {
  count = 0;
  tokens: Int32Array;
  feats: Float32Array;
  private featBits: Uint32Array;
  private hashes: Int32Array;
  private slots: Int32Array; // entry + 1; 0 = empty
  private mask: number;
  private readonly scratch = new Float32Array(1);
  private readonly scratchBits = new Uint32Array(this.scratch.buffer);

  constructor(
    private readonly numFeatures: number,
    capacity: number,
  ) {
    this.tokens = new Int32Array(capacity);
    this.feats = new Float32Array(capacity * numFeatures);
    this.featBits = new Uint32Array(this.feats.buffer);
    this.hashes = new Int32Array(capacity);
    this.slots = new Int32Array(2 * capacity);
    this.mask = 2 * capacity - 1;
  }

  /** The entry of step (token, feats[at..at+F)), added on first sight. */
  entryOf(token: number, feats: Float32Array, at: number): number {
    const f = this.numFeatures;
    let hash = Math.imul(token ^ 0x9e3779b9, 0x85ebca6b);
    for (let j = 0; j < f; j++) {
      this.scratch[0] = feats[at + j] as number;
      hash = Math.imul(hash ^ (this.scratchBits[0] as number), 0xc2b2ae35);
      hash ^= hash >>> 15;
    }
    let slot = hash & this.mask;
    for (;;) {
      const entry = (this.slots[slot] as number) - 1;
      if (entry < 0) break;
      if (this.tokens[entry] === token && this.sameFeatures(entry, feats, at)) return entry;
      slot = (slot + 1) & this.mask;
    }
    if (this.count === this.tokens.length) {
      this.grow();
      slot = hash & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
    }
    const entry = this.count++;
    this.tokens[entry] = token;
    for (let j = 0; j < f; j++) this.feats[entry * f + j] = feats[at + j] as number;
    this.hashes[entry] = hash;
    this.slots[slot] = entry + 1;
    return entry;
  }

  private sameFeatures(entry: number, feats: Float32Array, at: number): boolean {
    const f = this.numFeatures;
    for (let j = 0; j < f; j++) {
      this.scratch[0] = feats[at + j] as number;
      if (this.featBits[entry * f + j] !== this.scratchBits[0]) return false;
    }
    return true;
  }

  private grow(): void {
    const capacity = 2 * this.tokens.length;
    const tokens = new Int32Array(capacity);
    tokens.set(this.tokens);
    this.tokens = tokens;
    const feats = new Float32Array(capacity * this.numFeatures);
    feats.set(this.feats);
    this.feats = feats;
    this.featBits = new Uint32Array(feats.buffer);
    const hashes = new Int32Array(capacity);
    hashes.set(this.hashes);
    this.hashes = hashes;
    this.slots = new Int32Array(2 * capacity);
    this.mask = 2 * capacity - 1;
    for (let e = 0; e < this.count; e++) {
      let slot = (this.hashes[e] as number) & this.mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask;
      this.slots[slot] = e + 1;
    }
  }
}

export class MinGruEngine {
  constructor(
    private readonly cell: tf.layers.Layer,
    private readonly head: tf.layers.Layer,
    readonly units: number,
    readonly numFeatures: number,
    private readonly wide: SpWideCounts | null = null,
    private readonly context: MinGruContext | null = null,
  ) {}

  /** Whether the layer has the time-decayed context (its steps cost more: src/scoring/cost.ts). */
  get hasContext(): boolean {
    return this.context !== null;
  }

  /** E W_t + bias of every vocabulary token ([V, 2H] float32), kept while the layer's weights stay the same. */
  private tokenPart: { weights: readonly tf.DataId[]; values: Float32Array } | null = null;

  private tokenPreactivations(embeddings: tf.Tensor2D, tokenKernel: tf.Tensor2D, bias: tf.Tensor1D): Float32Array {
    // A weight that is assigned (setWeights, training) gets a new dataId, so a stale table is never used.
    const weights = [embeddings.dataId, tokenKernel.dataId, bias.dataId];
    const cached = this.tokenPart;
    if (cached !== null && sameIds(weights, cached.weights)) return cached.values;
    const table = tf.tidy(() => linear(embeddings, tokenKernel, bias));
    const values = table.dataSync() as Float32Array;
    table.dispose();
    this.tokenPart = { weights, values };
    return values;
  }

  /**
   * σ of the projections of the table's distinct steps: [count, 2H], z then s, through the layer's weights.
   * The token part E[token] W_t + bias is one row of a per-vocabulary table (computed once), so a call only
   * adds the step features' product and takes the sigmoid: 2H x F multiply-adds a step instead of 2H x (E + F).
   */
  private gatesOf(table: StepTable): Float32Array {
    const u = table.count;
    const h2 = 2 * this.units;
    const [embeddings, tokenKernel, featureKernel, bias] = this.cell.weights.slice(0, 4).map((w) => w.read()) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const tokenPart = this.tokenPreactivations(embeddings, tokenKernel, bias);
    const vocab = embeddings.shape[0];
    // Only the rows this call needs are copied (uploading the whole [V, 2H] table each call would cost V, not u);
    // the same vocabulary check as the row-gather kernel (src/model/gather-rows.ts).
    const rows = new Float32Array(u * h2);
    for (let e = 0; e < u; e++) {
      const id = table.tokens[e] as number;
      if (!(id >= 0 && id < vocab)) throw new ServicepathError('MODEL_BATCH_INVALID', { detail: `token id ${id} is outside the vocabulary 0..${vocab - 1}` });
      rows.set(tokenPart.subarray(id * h2, id * h2 + h2), e * h2);
    }
    const gates = tf.tidy(() => {
      const feats = tf.tensor2d(table.feats.subarray(0, u * this.numFeatures), [u, this.numFeatures]);
      const pre = tf.add(tf.tensor2d(rows, [u, h2]), product(feats, featureKernel));
      // With the context the sigmoid waits for each step's context (runChunk adds it).
      return this.context === null ? tf.sigmoid(pre) : pre;
    });
    // Read outside tidy (tidy would walk a returned TypedArray element by element).
    const values = gates.dataSync() as Float32Array;
    gates.dispose();
    return values;
  }

  /**
   * The logit after every step of each row, written to `out(rowIndex, step, logit)` for steps at or after
   * `readFrom(rowIndex)` (relative to the row's start).
   */
  run(
    rows: readonly EngineRow[],
    readFrom: (row: number) => number,
    out: (row: number, step: number, logit: number) => void,
    maxSteps = ENGINE_MAX_STEPS,
  ): void {
    // Calls of many rows (evaluating a whole split) go in chunks of whole rows, so the distinct steps' gates
    // ([steps, 2H] float32 on the backend) stay bounded; an intervention query (~46,000 steps) is one chunk.
    let first = 0;
    while (first < rows.length) {
      let last = first;
      let steps = 0;
      while (last < rows.length && (last === first || steps + rowLength(rows[last] as EngineRow) <= maxSteps)) steps += rowLength(rows[last++] as EngineRow);
      const offset = first;
      this.runChunk(rows.slice(first, last), steps, (r) => readFrom(offset + r), (r, step, logit) => out(offset + r, step, logit));
      first = last;
    }
  }

  /** One chunk: `steps` is the sum of its rows' lengths. */
  private runChunk(
    rows: readonly EngineRow[],
    steps: number,
    readFrom: (row: number) => number,
    out: (row: number, step: number, logit: number) => void,
  ): void {
    const h = this.units;
    const f = this.numFeatures;
    const h2 = 2 * h;
    if (steps === 0) return;
    // Pass 1: the distinct steps, and each step's entry.
    const table = new StepTable(f, Math.min(1024, 2 ** Math.ceil(Math.log2(Math.max(16, steps)))));
    const entries = new Int32Array(steps);
    let at = 0;
    for (const row of rows) for (let t = row.start; t < row.end; t++) entries[at++] = table.entryOf(row.tokens[t] as number, row.feats, t * f);
    // Pass 2: their gates, in one batched pass.
    const gates = this.gatesOf(table);
    const headWeights = this.head.weights.map((w) => w.read().dataSync()) as [Float32Array, Float32Array];
    const head = headWeights[0];
    const headBias = headWeights[1][0] as number;
    // The wide part's per-step logit of every row (its running sum), in the rows' step order.
    const wideLogits = this.wideLogits(rows, steps);
    // Pass 3: the recurrence. The first row's entries, states and logits are the reference for shared prefixes.
    const first = rows[0] as EngineRow;
    const refLength = first.end - first.start;
    const refStates = new Float64Array(rows.length > 1 ? refLength * h : 0);
    const refLogits = new Float64Array(refLength);
    const state = new Float64Array(h);
    const ctx = this.context === null ? null : new ContextState(this.context, this.contextTables(), h2, f);
    const refCtx = ctx === null ? null : new Float64Array(rows.length > 1 ? refLength * ctx.width : 0);
    const stepGates = new Float64Array(ctx === null ? 0 : h2);
    at = 0;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as EngineRow;
      const length = row.end - row.start;
      const from = readFrom(r);
      const rowAt = at;
      at += length;
      // Steps shared with the first row's prefix (an intervention variant of it) take its states.
      let step = 0;
      if (r > 0) {
        while (step < length && step < refLength && entries[rowAt + step] === entries[step]) {
          if (step >= from) out(r, step, (refLogits[step] as number) + (wideLogits === null ? 0 : (wideLogits[rowAt + step] as number)));
          step++;
        }
      }
      if (step === 0) state.fill(0);
      else state.set(refStates.subarray((step - 1) * h, step * h));
      if (ctx !== null && step > 0) ctx.restore(refCtx as Float64Array, step - 1);
      for (; step < length; step++) {
        let g: Float32Array | Float64Array = gates;
        let z0 = (entries[rowAt + step] as number) * h2;
        if (ctx !== null) {
          ctx.advance(row, row.start + step);
          ctx.gatesInto(gates, z0, stepGates);
          g = stepGates;
          z0 = 0;
        }
        const s0 = z0 + h;
        let logit = headBias;
        for (let k = 0; k < h; k++) {
          const hp = state[k] as number;
          const hn = hp + (g[z0 + k] as number) * (2 * (g[s0 + k] as number) - 1 - hp);
          state[k] = hn;
          logit += hn * (head[k] as number);
        }
        if (r === 0) {
          refLogits[step] = logit;
          if (rows.length > 1) refStates.set(state, step * h);
          if (ctx !== null && rows.length > 1) ctx.save(refCtx as Float64Array, step);
        }
        if (step >= from) out(r, step, logit + (wideLogits === null ? 0 : (wideLogits[rowAt + step] as number)));
      }
    }
  }

  /** The context tables' values ([V, 2H] each), kept while the layer's weights stay the same. */
  private contextPart: { weights: readonly tf.DataId[]; values: Float32Array[] } | null = null;

  private contextTables(): Float32Array[] {
    const tensors = this.cell.weights.slice(4).map((w) => w.read());
    const ids = tensors.map((t) => t.dataId);
    const cached = this.contextPart;
    if (cached !== null && sameIds(ids, cached.weights)) return cached.values;
    const values = tensors.map((t) => t.dataSync() as Float32Array);
    this.contextPart = { weights: ids, values };
    return values;
  }

  /** Running sums of the wide weights times the log-count increments, per step of the rows in order; null without a wide part. */
  private wideLogits(rows: readonly EngineRow[], steps: number): Float64Array | null {
    const wide = this.wide;
    if (wide === null) return null;
    const weights = wide.weights[0]?.read().dataSync() as Float32Array;
    const ids = new Int32Array(steps);
    const increments = new Float32Array(steps);
    const seen = new Int32Array(weights.length);
    const out = new Float64Array(steps);
    let at = 0;
    for (const row of rows) {
      wideSteps(wide.spec, this.numFeatures, row.tokens, row.feats, row.start, row.end, ids, increments, at, seen);
      let sum = 0;
      for (let t = 0; t < row.end - row.start; t++) {
        sum += (weights[ids[at + t] as number] as number) * (increments[at + t] as number);
        out[at + t] = sum;
      }
      at += row.end - row.start;
    }
    return out;
  }
}

/**
 * The time-decayed context of one row in the engine (the same recurrence as src/model/context-kernels.ts, in
 * float64): m_t = d_t (m_{t-1} + R[token_{t-1}]) per half-life, added to a step's pre-activations before the sigmoid.
 */
class ContextState {
  readonly width: number;
  private readonly m: Float64Array;
  private readonly rates: Float64Array;

  constructor(
    private readonly spec: MinGruContext,
    private readonly tables: readonly Float32Array[],
    private readonly h2: number,
    private readonly numFeatures: number,
  ) {
    this.width = spec.halfLives.length * h2;
    this.m = new Float64Array(this.width);
    this.rates = Float64Array.from(spec.halfLives, (hl) => -1 / hl);
  }

  /** Moves the context to step t of the row (zero at the row's first step). */
  advance(row: EngineRow, t: number): void {
    const m = this.m;
    if (t === row.start) {
      m.fill(0);
      return;
    }
    const f = this.numFeatures;
    const fi = this.spec.featureIndex;
    const gap = Math.abs((row.feats[t * f + fi] as number) - (row.feats[(t - 1) * f + fi] as number));
    const prev = (row.tokens[t - 1] as number) * this.h2;
    const h2 = this.h2;
    for (let k = 0; k < this.tables.length; k++) {
      const d = 2 ** ((this.rates[k] as number) * gap);
      const table = this.tables[k] as Float32Array;
      const o = k * h2;
      for (let j = 0; j < h2; j++) m[o + j] = d * ((m[o + j] as number) + (table[prev + j] as number));
    }
  }

  /** σ(pre[at..at+2H) + the context) into out. */
  gatesInto(pre: Float32Array, at: number, out: Float64Array): void {
    const h2 = this.h2;
    const m = this.m;
    const layers = this.tables.length;
    for (let j = 0; j < h2; j++) {
      let v = pre[at + j] as number;
      for (let k = 0; k < layers; k++) v += m[k * h2 + j] as number;
      out[j] = 1 / (1 + Math.exp(-v));
    }
  }

  save(into: Float64Array, step: number): void {
    into.set(this.m, step * this.width);
  }

  restore(from: Float64Array, step: number): void {
    this.m.set(from.subarray(step * this.width, (step + 1) * this.width));
  }
}
