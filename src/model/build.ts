// buildModel(config): tokens [B,T] int32 + feats [B,T,F] -> per-step logits [B,T,1], causal. Uncompiled.
import * as tf from '@tensorflow/tfjs';
import { resolveModelConfig, type SequenceModelConfig } from './config.js';
import { CausalGru } from './gru.js';
import { type MinGruContext, SpMinGru, SpMinGruEmbed } from './min-gru.js';
import { SpStepLogit } from './step-logit.js';
import { SpLayerNorm, SpPositionEmbedding, SpTransformerBlock } from './transformer.js';
import { SpWideCounts } from './wide.js';

/** The per-step logits, plus the wide part's when the config has one. */
function withWide(config: SequenceModelConfig, tokens: tf.SymbolicTensor, feats: tf.SymbolicTensor, logits: tf.SymbolicTensor): tf.SymbolicTensor {
  if (config.wide === null) return logits;
  const { trainable, ...spec } = config.wide;
  const wide = new SpWideCounts({ vocabSize: config.vocabSize, ...spec, trainable, name: 'wide_counts' }).apply([tokens, feats]) as tf.SymbolicTensor;
  return tf.layers.add({ name: 'wide_and_deep' }).apply([logits, wide]) as tf.SymbolicTensor;
}

/** The context's half-lives in the units of its time feature, as the layer reads them. */
function layerContext(context: SequenceModelConfig['context']): MinGruContext | null {
  if (context === null) return null;
  const { halfLivesDays, featureIndex, daysPerUnit } = context;
  return { halfLives: halfLivesDays.map((d) => d / daysPerUnit), featureIndex };
}

export function buildModel(input: SequenceModelConfig): tf.LayersModel {
  const config = resolveModelConfig(input);
  const { seed } = config;
  // Time is left open so a short path runs with T = its own length (cheaper scoring).
  const tokens = tf.input({ shape: [null], dtype: 'int32', name: 'tokens' });
  const feats = tf.input({ shape: [null, config.numFeatures], dtype: 'float32', name: 'feats' });
  if (config.kind === 'gru' && config.cell === 'minimal') {
    // The first layer owns the embedding (it projects the table once rather than every step's row).
    const first = new SpMinGruEmbed({
      vocabSize: config.vocabSize,
      embedDim: config.embedDim,
      units: config.hiddenDim,
      seed: seed + 100,
      dropout: config.dropout,
      context: layerContext(config.context),
      name: 'min_gru_0',
    });
    let h = first.apply([tokens, feats]) as tf.SymbolicTensor;
    for (let l = 1; l < config.layers; l++) {
      h = new SpMinGru({ seed: seed + 100 * (l + 1), dropout: config.dropout, name: `min_gru_${l}` }).apply(h) as tf.SymbolicTensor;
    }
    const out = new SpStepLogit({ seed: seed + 3, name: 'step_logit' }).apply(h) as tf.SymbolicTensor;
    return tf.model({ inputs: [tokens, feats], outputs: withWide(config, tokens, feats, out), name: 'servicepath_gru_minimal' });
  }
  const embedded = tf.layers
    .embedding({
      inputDim: config.vocabSize,
      outputDim: config.embedDim,
      embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed }),
      name: 'token_embedding',
    })
    .apply(tokens) as tf.SymbolicTensor;
  let x = tf.layers.concatenate({ axis: -1, name: 'step_inputs' }).apply([embedded, feats]) as tf.SymbolicTensor;

  if (config.kind === 'gru') {
    for (let l = 0; l < config.layers; l++) {
      const layer = new CausalGru({ units: config.hiddenDim, seed: seed + 100 * (l + 1), dropout: config.dropout, name: `gru_${l}` });
      x = layer.apply(x) as tf.SymbolicTensor;
    }
  } else {
    x = tf.layers
      .dense({ units: config.embedDim, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }), name: 'input_projection' })
      .apply(x) as tf.SymbolicTensor;
    x = new SpPositionEmbedding({ maxLen: config.maxLen, seed: seed + 2, name: 'positions' }).apply(x) as tf.SymbolicTensor;
    for (let l = 0; l < config.layers; l++) {
      const block = new SpTransformerBlock({
        heads: config.heads,
        ffnDim: config.hiddenDim,
        dropout: config.dropout,
        seed: seed + 100 * (l + 1),
        name: `block_${l}`,
      });
      x = block.apply(x) as tf.SymbolicTensor;
    }
    x = new SpLayerNorm({ name: 'final_norm' }).apply(x) as tf.SymbolicTensor;
  }
  const logits = new SpStepLogit({ seed: seed + 3, name: 'step_logit' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: [tokens, feats], outputs: withWide(config, tokens, feats, logits), name: `servicepath_${config.kind}` });
}
