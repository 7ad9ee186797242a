// The training step: weighted binary cross-entropy of every valid step's logit against the example's
// outcome (each prefix learns P(outcome | prefix): the risk trajectory), minimised with Adam.
import * as tf from '@tensorflow/tfjs';
import { checkBatch, featureCount, inputTensors, type SequenceBatch, stepCoefficients } from './batch.js';
import { hasSeededDropout, type SeededDropout } from './dropout.js';

interface TrainerOptions {
  learningRate: number;
  seed: number;
  /** Extra weight on each example's last valid step (the risk at the index date); 1 = all steps equal. */
  lastStepWeight?: number;
}

interface Trainer {
  /** One Adam step on the batch; returns the loss before the update. */
  step(batch: SequenceBatch): number;
  readonly optimizer: tf.Optimizer;
  /** Adam's step size from the next step on (its moments are kept). */
  setLearningRate(rate: number): void;
  dispose(): void;
}

/** Numerically stable BCE with logits: max(z,0) - z*y + log(1 + exp(-|z|)). */
function weightedStepLoss(model: tf.LayersModel, batch: SequenceBatch, training: boolean, lastStepWeight: number): tf.Scalar {
  const { batchSize: b, seqLen: t } = batch;
  const [tokens, feats] = inputTensors(batch, featureCount(model));
  const z = tf.reshape(model.apply([tokens, feats], { training }) as tf.Tensor, [b, t]);
  const y = tf.tensor2d(batch.labels, [b, 1]);
  const perStep = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  return tf.sum(tf.mul(perStep, tf.tensor2d(stepCoefficients(batch, lastStepWeight), [b, t])));
}

export function evaluateLoss(model: tf.LayersModel, batch: SequenceBatch, lastStepWeight = 1): number {
  checkBatch(model, batch);
  return tf.tidy(() => weightedStepLoss(model, batch, false, lastStepWeight).dataSync()[0] as number);
}

export function createTrainer(model: tf.LayersModel, opts: TrainerOptions): Trainer {
  const optimizer = tf.train.adam(opts.learningRate);
  const lastStepWeight = opts.lastStepWeight ?? 1;
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const dropoutLayers: SeededDropout[] = model.layers.flatMap((l) => (hasSeededDropout(l) ? [l] : []));
  return {
    optimizer,
    step(batch: SequenceBatch): number {
      checkBatch(model, batch);
      // Dropout masks follow (trainer seed, optimizer step), so a resumed run draws the same masks.
      const clock = opts.seed * 1_000_033 + optimizer.iterations;
      for (const layer of dropoutLayers) layer.dropoutClock = clock;
      const loss = optimizer.minimize(() => weightedStepLoss(model, batch, true, lastStepWeight), true, variables);
      if (loss === null) throw new Error('optimizer.minimize returned no loss');
      const value = loss.dataSync()[0] as number;
      loss.dispose();
      return value;
    },
    setLearningRate(rate: number): void {
      // AdamOptimizer reads this.learningRate at every step; the typings keep it protected.
      (optimizer as unknown as { learningRate: number }).learningRate = rate;
    },
    dispose(): void {
      optimizer.dispose();
    },
  };
}
