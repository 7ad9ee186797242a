// Reference models for scripts/bench-train only: the stock tfjs GRU layer at the same inputs and outputs.
import * as tf from '@tensorflow/tfjs';
import { resolveModelConfig, type SequenceModelConfig } from './config.js';

export function buildStockGruModel(input: SequenceModelConfig): tf.LayersModel {
  const config = resolveModelConfig(input);
  const tokens = tf.input({ shape: [null], dtype: 'int32', name: 'tokens' });
  const feats = tf.input({ shape: [null, config.numFeatures], dtype: 'float32', name: 'feats' });
  const embedded = tf.layers.embedding({ inputDim: config.vocabSize, outputDim: config.embedDim }).apply(tokens) as tf.SymbolicTensor;
  const x = tf.layers.concatenate({ axis: -1 }).apply([embedded, feats]) as tf.SymbolicTensor;
  const h = tf.layers.gru({ units: config.hiddenDim, returnSequences: true }).apply(x) as tf.SymbolicTensor;
  const logits = tf.layers.dense({ units: 1 }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: [tokens, feats], outputs: logits, name: 'stock_gru' });
}
