// The model layer's public API: the only door to TensorFlow.js for the rest of servicepath.
export type { LayersModel, Optimizer } from '@tensorflow/tfjs';
export { type BackendInfo, type BackendName, type BackendPreference, selectBackend, tensorCount } from './backend.js';
export type { InputBatch, SequenceBatch } from './batch.js';
export { buildModel } from './build.js';
export {
  GRU_CELLS,
  type GruCell,
  resolveModelConfig,
  SEQUENCE_KINDS,
  type SequenceKind,
  type SequenceModelConfig,
  type SequenceModelConfigInput,
  SequenceModelConfigSchema,
} from './config.js';
export { loadModelArtifacts, loadOptimizerState, saveModelArtifacts, saveOptimizerState } from './io.js';
export { type EngineRow, MinGruEngine, minGruEngineOf } from './min-gru-engine.js';
export { predictLogits } from './predict.js';
export { initialiseWideFromLogreg } from './wide.js';
export { createTrainer, evaluateLoss, type Trainer, type TrainerOptions } from './train.js';
