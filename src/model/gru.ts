// Causal GRU layer (PyTorch's gate layout, reset applied after the recurrent product). The input
// projections of all steps are one matmul; the recurrence runs in recurrence.ts.
import * as tf from '@tensorflow/tfjs';
import { type SeededDropout, seededDropout } from './dropout.js';
import { linear } from './linear.js';
import { gruRecurrence } from './recurrence.js';

interface CausalGruArgs {
  units: number;
  seed: number;
  dropout: number;
  name?: string;
}

export class CausalGru extends tf.layers.Layer implements SeededDropout {
  static readonly className = 'SpCausalGru';
  readonly units: number;
  readonly seed: number;
  readonly dropout: number;
  dropoutClock = 0;
  private kernel!: tf.LayerVariable;
  private recurrentKernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;
  private recurrentBias!: tf.LayerVariable;

  constructor(args: CausalGruArgs) {
    super(args.name === undefined ? {} : { name: args.name });
    this.units = args.units;
    this.seed = args.seed;
    this.dropout = args.dropout;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const inputDim = shape[shape.length - 1] as number;
    const h3 = 3 * this.units;
    this.kernel = this.addWeight('kernel', [inputDim, h3], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    this.recurrentKernel = this.addWeight(
      'recurrent_kernel',
      [this.units, h3],
      'float32',
      tf.initializers.orthogonal({ seed: this.seed + 1 }),
    );
    this.bias = this.addWeight('bias', [h3], 'float32', tf.initializers.zeros());
    this.recurrentBias = this.addWeight('recurrent_bias', [h3], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0] ?? null, shape[1] ?? null, this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [batch, steps, inputDim] = x.shape;
      // All steps' input projections at once: one [B*T, D] x [D, 3H] product instead of T small ones.
      const flat = tf.reshape(x, [batch * steps, inputDim]) as tf.Tensor2D;
      const projected = tf
        .reshape(linear(flat, this.kernel.read() as tf.Tensor2D, this.bias.read() as tf.Tensor1D), [batch, steps, 3 * this.units]) as tf.Tensor3D;
      const states = gruRecurrence(projected, this.recurrentKernel.read() as tf.Tensor2D, this.recurrentBias.read() as tf.Tensor1D);
      return seededDropout(states, this.dropout, this.seed, this.dropoutClock, kwargs.training === true);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, seed: this.seed, dropout: this.dropout };
  }
}
tf.serialization.registerClass(CausalGru);
