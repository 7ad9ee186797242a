// Exponential moving average of a model's weights over the optimizer's steps (Polyak averaging), for
// validation, early stopping and the saved model when TrainConfig.emaDecay > 0. The decay ramps up as
// min(decay, (1 + step) / (10 + step)), the schedule of TensorFlow's ExponentialMovingAverage with num_updates,
// so a run of a few dozen steps (the bundled sample) averages its last few steps, not its random start.
// The average lives in tfjs variables beside the model; swapIn/swapOut exchange the model's weights with it.
import * as tf from '@tensorflow/tfjs';
import type { LayersModel } from '../model/index.js';

type Weights = ReturnType<LayersModel['getWeights']>;

export class WeightAverage {
  private readonly averages: tf.Variable[];
  private live: Weights | null = null;

  /** `initial`: the average to continue from (a resumed run); default the model's current weights. */
  constructor(
    private readonly model: LayersModel,
    readonly decay: number,
    initial?: Weights,
  ) {
    const start = initial ?? model.getWeights();
    this.averages = start.map((w) => {
      const copy = w.mul(1);
      const average = tf.variable(copy, false); // shares the copy's buffer; the copy's handle is not needed
      copy.dispose();
      return average;
    });
  }

  /** The decay used after optimizer step `step` (1-based). */
  static decayAt(decay: number, step: number): number {
    return Math.min(decay, (1 + step) / (10 + step));
  }

  /** Folds the model's current weights in, after optimizer step `step`. */
  update(step: number): void {
    const d = WeightAverage.decayAt(this.decay, step);
    const weights = this.model.weights;
    tf.tidy(() => {
      this.averages.forEach((avg, i) => {
        avg.assign(tf.add(tf.mul(avg, d), tf.mul((weights[i] as (typeof weights)[number]).read(), 1 - d)));
      });
    });
  }

  /** Puts the average into the model, keeping a copy of the trained weights for swapOut. */
  swapIn(): void {
    if (this.live !== null) throw new Error('the average is already swapped in');
    this.live = this.model.getWeights().map((w) => w.mul(1));
    // Copies: setWeights shares the tensors' buffers, and the average keeps moving.
    const copies = this.averages.map((a) => a.mul(1));
    this.model.setWeights(copies);
    for (const t of copies) t.dispose();
  }

  /** Gives the model its trained weights back. */
  swapOut(): void {
    if (this.live === null) throw new Error('the average is not swapped in');
    this.model.setWeights(this.live);
    for (const t of this.live) t.dispose();
    this.live = null;
  }

  /** The average's current values (owned by it: do not dispose). */
  values(): tf.Tensor[] {
    return this.averages;
  }

  dispose(): void {
    if (this.live !== null) this.swapOut();
    for (const v of this.averages) v.dispose();
  }
}
