// The "wide" part of a sequence model: a learned weight per (token, window of time before the index) on the
// log1p count of that token in that window so far, summed into every step's logit (the logistic-regression
// baseline's features, src/features/counts.ts, learnt jointly with the recurrent part: wide & deep).
// A recurrent state is bounded, so it tells "no notification" from "one" far better than "three" from "ten";
// the counts carry that. Causal: step t's wide logit counts only steps <= t of its own row (window).
//   wide_t = Σ_{i <= t} v[id_i] · (log1p(c_i + 1) - log1p(c_i)),  id = token · W + window, c_i = earlier steps of id_i
// The per-step ids and log-count increments are integer bookkeeping with no gradient, computed in TypeScript
// from the inputs (wideSteps, shared with the scoring engine); the weights' gradient flows through a gather and
// a cumulative sum (stock ops with gradients on every backend).
import * as tf from '@tensorflow/tfjs';
import { logStep, windowOfDays } from '../features/counts.js';

/** Where the window of a step comes from: the step feature holding the time before the index, and its scale. */
interface WideSpec {
  /** Window edges in days before the index (ascending), as in Preprocessing.countWindowsDays. */
  windowEdgesDays: number[];
  /** Index of the `yearsBeforeIndex` step feature in feats. */
  featureIndex: number;
  /** That feature times this = days before the index (Preprocessing.scales.beforeIndexDays). */
  daysPerUnit: number;
}

/**
 * Per-step wide ids and log-count increments of rows [start, end) of encoded arrays (padding token 0 gives id 0
 * and increment 0). `seen` is scratch of length vocabSize · W, all zero on entry and on return.
 */
export function wideSteps(
  spec: WideSpec,
  numFeatures: number,
  tokens: ArrayLike<number>,
  feats: ArrayLike<number>,
  start: number,
  end: number,
  ids: Int32Array,
  increments: Float32Array,
  at: number,
  seen: Int32Array,
): void {
  const windows = spec.windowEdgesDays.length + 1;
  for (let t = start; t < end; t++) {
    const token = tokens[t] as number;
    const o = at + t - start;
    if (token === 0) {
      ids[o] = 0;
      increments[o] = 0;
      continue;
    }
    const days = Math.round((feats[t * numFeatures + spec.featureIndex] as number) * spec.daysPerUnit);
    // The baseline's window rule and log-count step (src/features/counts.ts), on whole days.
    const id = token * windows + windowOfDays(spec.windowEdgesDays, days);
    ids[o] = id;
    increments[o] = logStep(seen[id] as number);
    seen[id] = (seen[id] as number) + 1;
  }
  for (let t = start; t < end; t++) {
    const o = at + t - start;
    seen[ids[o] as number] = 0;
  }
}

interface WideCountsArgs extends WideSpec {
  vocabSize: number;
  name?: string;
  /** False: the weights are not trained (tfjs leaves the layer out of trainableWeights; saved in its config). */
  trainable?: boolean;
}

/** [tokens [B,T] int32, feats [B,T,F]] -> wide logit [B,T,1]. Weights start at zero. */
export class SpWideCounts extends tf.layers.Layer {
  static readonly className = 'SpWideCounts';
  readonly vocabSize: number;
  readonly spec: WideSpec;
  private kernel!: tf.LayerVariable;

  constructor(args: WideCountsArgs) {
    super({ ...(args.name === undefined ? {} : { name: args.name }), ...(args.trainable === undefined ? {} : { trainable: args.trainable }) });
    this.vocabSize = args.vocabSize;
    this.spec = { windowEdgesDays: [...args.windowEdgesDays], featureIndex: args.featureIndex, daysPerUnit: args.daysPerUnit };
  }

  get windows(): number {
    return this.spec.windowEdgesDays.length + 1;
  }

  override build(): void {
    this.kernel = this.addWeight('kernel', [this.vocabSize * this.windows], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const tokens = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tf.Shape;
    return [tokens[0] ?? null, tokens[1] ?? null, 1];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const [tokens, feats] = inputs as [tf.Tensor2D, tf.Tensor3D];
    const [batch, steps] = tokens.shape;
    const numFeatures = feats.shape[2];
    const tokenValues = tokens.dataSync();
    const featValues = feats.dataSync();
    const ids = new Int32Array(batch * steps);
    const increments = new Float32Array(batch * steps);
    const seen = new Int32Array(this.vocabSize * this.windows);
    for (let b = 0; b < batch; b++) {
      // Row b of the flat arrays: steps [b·T, (b+1)·T) with features at the same flat step index.
      wideSteps(this.spec, numFeatures, tokenValues, featValues, b * steps, (b + 1) * steps, ids, increments, b * steps, seen);
    }
    return tf.tidy(() => {
      const perStep = tf.mul(tf.gather(this.kernel.read(), tf.tensor1d(ids, 'int32')), tf.tensor1d(increments));
      return tf.reshape(tf.cumsum(tf.reshape(perStep, [batch, steps]), 1), [batch, steps, 1]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), vocabSize: this.vocabSize, ...this.spec };
  }
}
tf.serialization.registerClass(SpWideCounts);

/**
 * Starts a built model's wide part from a fitted logistic regression on the same features (weights in the
 * baseline's layout: token id x windows + window) and its per-step head's bias from the regression's bias, so the
 * sequence model starts where the baseline ends. With `zeroDeep` the head's kernel starts at zero too, so the
 * model's logits start exactly at the regression's (the deep part then learns only what it adds: the residual).
 * Throws when the model has no wide part or the lengths differ.
 */
export function initialiseWideFromLogreg(model: tf.LayersModel, weights: readonly number[], bias: number, opts: { zeroDeep?: boolean } = {}): void {
  const wide = model.layers.find((l): l is SpWideCounts => l instanceof SpWideCounts);
  if (wide === undefined) throw new Error('the model has no wide part');
  const length = wide.vocabSize * wide.windows;
  if (weights.length !== length) throw new Error(`logreg has ${weights.length} weights, the wide part ${length}`);
  tf.tidy(() => wide.setWeights([tf.tensor1d(Float32Array.from(weights))]));
  const head = model.layers.find((l) => l.getClassName() === 'SpStepLogit');
  if (head === undefined) return;
  tf.tidy(() => {
    const kernel = head.getWeights()[0] as tf.Tensor;
    head.setWeights([opts.zeroDeep === true ? tf.zerosLike(kernel) : kernel, tf.tensor1d([bias])]);
  });
}
