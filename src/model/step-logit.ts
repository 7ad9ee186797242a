// The per-step output head: logit_t = h_t w + b for every step, through the fast linear op.
import * as tf from '@tensorflow/tfjs';
import { linear } from './linear.js';

export class SpStepLogit extends tf.layers.Layer {
  static readonly className = 'SpStepLogit';
  readonly seed: number;
  private kernel!: tf.LayerVariable;
  private bias!: tf.LayerVariable;

  constructor(args: { seed: number; name?: string }) {
    super(args.name === undefined ? {} : { name: args.name });
    this.seed = args.seed;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    const width = shape[shape.length - 1] as number;
    this.kernel = this.addWeight('kernel', [width, 1], 'float32', tf.initializers.glorotUniform({ seed: this.seed }));
    this.bias = this.addWeight('bias', [1], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [shape[0] ?? null, shape[1] ?? null, 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor3D;
      const [batch, steps, width] = x.shape;
      const flat = tf.reshape(x, [batch * steps, width]) as tf.Tensor2D;
      return tf.reshape(linear(flat, this.kernel.read() as tf.Tensor2D, this.bias.read() as tf.Tensor1D), [batch, steps, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), seed: this.seed };
  }
}
tf.serialization.registerClass(SpStepLogit);
