// The minimal GRU ("minGRU", Feng et al. 2024, "Were RNNs All We Needed?"): gates depend only on the
// current step's input, so the projections of all steps are one matmul and the recurrence is a linear,
// elementwise scan over time (min-gru-kernels.ts: one op forward, one op backward, O(B·T·H)).
//   z_t = σ(W_z x_t + b_z), c_t = tanh((W_c x_t + b_c) / 2), h_t = (1 - z_t) ⊙ h_{t-1} + z_t ⊙ c_t.
// (tanh(b/2) = 2σ(b) - 1, so one vectorised sigmoid over [B,T,2H] serves both gates.)
// Causal by construction. The first layer owns the token embedding: when the vocabulary is no larger
// than the batch's rows it projects the embedding table once (E W: [V,2H]) and gathers projected rows,
// which is the same function as gather-then-project at a fraction of the cost. Later layers are residual.
import * as tf from '@tensorflow/tfjs';
import { contextScanOf } from './context-kernels.js';
import { type SeededDropout, seededDropout } from './dropout.js';
import { gatherRows } from './gather-rows.js';
import { linear, product } from './linear.js';
import { MIN_GRU_SCAN, MIN_GRU_SCAN_GRAD } from './min-gru-kernels.js';

/** projected [B,T,2H] ([z | candidate] pre-activations) -> states [B,T,H]. */
export function minGruScan(projected: tf.Tensor3D): tf.Tensor3D {
  const fused = tf.getKernel(MIN_GRU_SCAN, tf.getBackend()) !== undefined;
  return fused ? (fusedScan(projected) as tf.Tensor3D) : minGruScanOps(projected);
}

const fusedScan = tf.customGrad((...args: unknown[]) => {
  const [projected, save] = args as [tf.Tensor3D, tf.GradSaveFunc];
  const gates = tf.sigmoid(projected);
  const states = tf.engine().runKernel(MIN_GRU_SCAN, { gates }) as tf.Tensor3D;
  save([gates, states]);
  return {
    value: states,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const [g, s] = saved as [tf.Tensor, tf.Tensor];
      return [tf.engine().runKernel(MIN_GRU_SCAN_GRAD, { dStates: dy as tf.Tensor, gates: g, states: s }) as tf.Tensor];
    },
  };
});

/** Reference scan with stock ops and autodiff; used where the fused kernels are not registered. */
export function minGruScanOps(projected: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, steps, h2] = projected.shape;
    const units = h2 / 2;
    const [a, b] = tf.split(projected, 2, 2) as [tf.Tensor3D, tf.Tensor3D];
    const zs = tf.unstack(tf.sigmoid(a), 1);
    const cs = tf.unstack(tf.tanh(tf.mul(b, 0.5)), 1);
    let h: tf.Tensor = tf.zeros([batch, units]);
    const states: tf.Tensor[] = [];
    for (let t = 0; t < steps; t++) {
      h = tf.add(h, tf.mul(zs[t] as tf.Tensor, tf.sub(cs[t] as tf.Tensor, h)));
      states.push(h);
    }
    return tf.stack(states, 1) as tf.Tensor3D;
  });
}

function shapeOf(inputShape: tf.Shape | tf.Shape[], index: number): tf.Shape {
  return (Array.isArray(inputShape[0]) ? inputShape[index] : inputShape) as tf.Shape;
}

/**
 * The time-decayed context (context-kernels.ts): at each step the gates also see, per half-life, the sum of a
 * learned row per earlier token weighed by 2^(-elapsed / halfLife). So a step's gates depend on what happened
 * shortly before it, in time: "A then B within weeks" and bursts of contacts become visible to one layer.
 */
export interface MinGruContext {
  /** Half-lives in the units of the time step feature. */
  halfLives: number[];
  /** The step feature that holds each step's time (its differences are the elapsed times). */
  featureIndex: number;
}

interface MinGruEmbedArgs {
  vocabSize: number;
  embedDim: number;
  units: number;
  seed: number;
  dropout: number;
  context?: MinGruContext | null;
  name?: string;
}

/** First layer: [tokens [B,T] int32, feats [B,T,F]] -> states [B,T,H]; owns the token embedding. */
export class SpMinGruEmbed extends tf.layers.Layer implements SeededDropout {
  static readonly className = 'SpMinGruEmbed';
  readonly vocabSize: number;
  readonly embedDim: number;
  readonly units: number;
  readonly seed: number;
  readonly dropout: number;
  readonly context: MinGruContext | null;
  dropoutClock = 0;
  private contextTables: tf.LayerVariable[] = [];
  private embeddings!: tf.LayerVariable;
  private tokenKernel!: tf.LayerVariable;
  private featureKernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: MinGruEmbedArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.vocabSize = args.vocabSize;
    this.embedDim = args.embedDim;
    this.units = args.units;
    this.seed = args.seed;
    this.dropout = args.dropout;
    this.context = args.context === undefined || args.context === null || args.context.halfLives.length === 0 ? null : args.context;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const feats = shapeOf(inputShape, 1);
    const numFeatures = feats[feats.length - 1] as number;
    const h2 = 2 * this.units;
    // Same initial scales as Embedding + a Glorot kernel over the concatenated [embedding ++ feats] input.
    const limit = Math.sqrt(6 / (this.embedDim + numFeatures + h2));
    const uniform = (seed: number) => tf.initializers.randomUniform({ minval: -limit, maxval: limit, seed });
    this.embeddings = this.addWeight(
      'embeddings',
      [this.vocabSize, this.embedDim],
      'float32',
      tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: this.seed }),
    );
    this.tokenKernel = this.addWeight('token_kernel', [this.embedDim, h2], 'float32', uniform(this.seed + 1));
    this.featureKernel = this.addWeight('feature_kernel', [numFeatures, h2], 'float32', uniform(this.seed + 2));
    this.bias = this.addWeight('bias', [h2], 'float32', tf.initializers.zeros());
    // Zero at the start: the layer begins as the context-free cell and learns what the recent path adds.
    this.contextTables = (this.context?.halfLives ?? []).map((_, k) => this.addWeight(`context_${k}`, [this.vocabSize, h2], 'float32', tf.initializers.zeros()));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const tokens = shapeOf(inputShape, 0);
    return [tokens[0] ?? null, tokens[1] ?? null, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const [tokens, feats] = inputs as [tf.Tensor2D, tf.Tensor3D];
      const [batch, steps] = tokens.shape;
      const numFeatures = feats.shape[2];
      const rows = batch * steps;
      const ids = tf.reshape(tf.cast(tokens, 'int32'), [rows]) as tf.Tensor1D;
      const e = this.embeddings.read() as tf.Tensor2D;
      const w = this.tokenKernel.read() as tf.Tensor2D;
      const b = this.bias.read() as tf.Tensor1D;
      const tokenPart =
        this.vocabSize <= rows
          ? gatherRows(linear(e, w, b), ids) // project the table once, gather projected rows
          : linear(gatherRows(e, ids), w, b);
      const featPart = product(tf.reshape(feats, [rows, numFeatures]) as tf.Tensor2D, this.featureKernel.read() as tf.Tensor2D);
      let projected = tf.reshape(tf.add(tokenPart, featPart), [batch, steps, 2 * this.units]) as tf.Tensor3D;
      if (this.context !== null) {
        const times = tf.reshape(tf.slice(feats, [0, 0, this.context.featureIndex], [batch, steps, 1]), [batch, steps]) as tf.Tensor2D;
        const tables = this.contextTables.map((w) => w.read() as tf.Tensor2D);
        const table = tables.length === 1 ? (tables[0] as tf.Tensor2D) : (tf.concat(tables, 1) as tf.Tensor2D);
        const rowsOf = tf.reshape(gatherRows(table, ids), [batch, steps, tables.length * 2 * this.units]) as tf.Tensor3D;
        projected = tf.add(projected, contextScanOf(rowsOf, times, this.context.halfLives));
      }
      return seededDropout(minGruScan(projected), this.dropout, this.seed, this.dropoutClock, kwargs.training === true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      vocabSize: this.vocabSize,
      embedDim: this.embedDim,
      units: this.units,
      seed: this.seed,
      dropout: this.dropout,
      ...(this.context === null ? {} : { context: { halfLives: [...this.context.halfLives], featureIndex: this.context.featureIndex } }),
    };
  }
}
tf.serialization.registerClass(SpMinGruEmbed);

interface MinGruArgs {
  seed: number;
  dropout: number;
  name?: string;
}

/** Later layers: x [B,T,H] -> x + minGRU(x) (width kept, so the residual needs no projection). */
export class SpMinGru extends tf.layers.Layer implements SeededDropout {
  static readonly className = 'SpMinGru';
  readonly seed: number;
  readonly dropout: number;
  dropoutClock = 0;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: MinGruArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.seed = args.seed;
    this.dropout = args.dropout;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = shapeOf(inputShape, 0);
    const units = shape[shape.length - 1] as number;
    this.kernel = this.addWeight('kernel', [units, 2 * units], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    this.bias = this.addWeight('bias', [2 * units], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [batch, steps, units] = x.shape;
      const flat = tf.reshape(x, [batch * steps, units]) as tf.Tensor2D;
      const projected = tf.reshape(linear(flat, this.kernel.read() as tf.Tensor2D, this.bias.read() as tf.Tensor1D), [
        batch,
        steps,
        2 * units,
      ]) as tf.Tensor3D;
      const states = seededDropout(minGruScan(projected), this.dropout, this.seed, this.dropoutClock, kwargs.training === true);
      return tf.add(x, states);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed, dropout: this.dropout };
  }
}
tf.serialization.registerClass(SpMinGru);
