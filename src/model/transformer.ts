// Small causal transformer pieces: a broadcasting LayerNorm (the stock layer's gradient is slow on 3-D
// input), learned positions, and a pre-norm block whose attention sees only steps <= t.
import * as tf from '@tensorflow/tfjs';
import { type SeededDropout, seededDropout } from './dropout.js';
import { linear } from './linear.js';

function lastDim(inputShape: tf.Shape | tf.Shape[]): number {
  const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
  return shape[shape.length - 1] as number;
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor;
}

/** y = (x - mean) / sqrt(var + eps) * gamma + beta over the last axis, with broadcasting ops only. */
function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), gamma), beta);
}

export class SpLayerNorm extends tf.layers.Layer {
  static readonly className = 'SpLayerNorm';
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const dim = lastDim(inputShape);
    this.gamma = this.addWeight('gamma', [dim], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [dim], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => layerNorm(single(inputs), this.gamma.read(), this.beta.read()));
  }
}
tf.serialization.registerClass(SpLayerNorm);

/** Adds a learned vector per position 0..maxLen-1 (sliced to the batch's length). */
export class SpPositionEmbedding extends tf.layers.Layer {
  static readonly className = 'SpPositionEmbedding';
  readonly maxLen: number;
  readonly seed: number;
  private positions!: tf.LayerVariable;

  constructor(args: { maxLen: number; seed: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.maxLen = args.maxLen;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const init = tf.initializers.randomNormal({ mean: 0, stddev: 0.02, seed: this.seed });
    this.positions = this.addWeight('positions', [this.maxLen, lastDim(inputShape)], 'float32', init);
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const steps = x.shape[1] as number;
      return tf.add(x, tf.slice(this.positions.read(), [0, 0], [steps, -1]));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), maxLen: this.maxLen, seed: this.seed };
  }
}
tf.serialization.registerClass(SpPositionEmbedding);

interface TransformerBlockArgs {
  heads: number;
  ffnDim: number;
  dropout: number;
  seed: number;
  name?: string;
}

/** Pre-norm block: x + Attn(LN(x)), then x + FFN(LN(x)); attention masked to earlier and equal steps. */
export class SpTransformerBlock extends tf.layers.Layer implements SeededDropout {
  static readonly className = 'SpTransformerBlock';
  readonly heads: number;
  readonly ffnDim: number;
  readonly dropout: number;
  readonly seed: number;
  dropoutClock = 0;
  private w: Record<string, tf.LayerVariable> = {};

  constructor(args: TransformerBlockArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.heads = args.heads;
    this.ffnDim = args.ffnDim;
    this.dropout = args.dropout;
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const d = lastDim(inputShape);
    const glorot = (k: number) => tf.initializers.glorotUniform({ seed: this.seed + k });
    const add = (name: string, shape: number[], init: ReturnType<typeof tf.initializers.zeros>) => {
      this.w[name] = this.addWeight(name, shape, 'float32', init);
    };
    add('ln1_gamma', [d], tf.initializers.ones());
    add('ln1_beta', [d], tf.initializers.zeros());
    add('qkv_kernel', [d, 3 * d], glorot(1));
    add('qkv_bias', [3 * d], tf.initializers.zeros());
    add('out_kernel', [d, d], glorot(2));
    add('out_bias', [d], tf.initializers.zeros());
    add('ln2_gamma', [d], tf.initializers.ones());
    add('ln2_beta', [d], tf.initializers.zeros());
    add('ffn1_kernel', [d, this.ffnDim], glorot(3));
    add('ffn1_bias', [this.ffnDim], tf.initializers.zeros());
    add('ffn2_kernel', [this.ffnDim, d], glorot(4));
    add('ffn2_bias', [d], tf.initializers.zeros());
    this.built = true;
  }

  private v(name: string): tf.Tensor {
    return (this.w[name] as tf.LayerVariable).read();
  }

  private dense(x: tf.Tensor, name: string): tf.Tensor2D {
    return linear(x as tf.Tensor2D, this.v(`${name}_kernel`) as tf.Tensor2D, this.v(`${name}_bias`) as tf.Tensor1D);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const training = kwargs.training === true;
      const x = single(inputs) as tf.Tensor3D;
      const [batch, steps, d] = x.shape;
      const dh = d / this.heads;
      const rows = batch * steps;
      const flat = tf.reshape(x, [rows, d]);
      const normed = layerNorm(flat, this.v('ln1_gamma'), this.v('ln1_beta'));
      const qkv = this.dense(normed, 'qkv');
      // [rows, 3d] -> [3, B, heads, T, dh]: one transpose for q, k and v together.
      const split = tf.transpose(tf.reshape(qkv, [batch, steps, 3, this.heads, dh]), [2, 0, 3, 1, 4]);
      const [q, k, v] = tf.unstack(split, 0) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), causalMask(steps));
      const attended = tf.matMul(tf.softmax(scores), v); // [B, heads, T, dh]
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [rows, d]);
      const attnOut = this.dense(merged, 'out');
      const h1 = tf.add(flat, seededDropout(attnOut, this.dropout, this.seed, this.dropoutClock, training));
      const normed2 = layerNorm(h1, this.v('ln2_gamma'), this.v('ln2_beta'));
      const hidden = tf.relu(this.dense(normed2, 'ffn1'));
      const ffnOut = this.dense(hidden, 'ffn2');
      const h2 = tf.add(h1, seededDropout(ffnOut, this.dropout, this.seed + 17, this.dropoutClock, training));
      return tf.reshape(h2, [batch, steps, d]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), heads: this.heads, ffnDim: this.ffnDim, dropout: this.dropout, seed: this.seed };
  }
}
tf.serialization.registerClass(SpTransformerBlock);

/** Additive mask [T, T]: 0 where key step <= query step, a large negative number after it. */
function causalMask(steps: number): tf.Tensor2D {
  const allowed = tf.linalg.bandPart(tf.ones([steps, steps]), -1, 0);
  return tf.mul(tf.sub(1, allowed), -1e9) as tf.Tensor2D;
}
