// The model layer's public API: the only door to TensorFlow.js for the rest of servicepath.
export type { LayersModel } from '@tensorflow/tfjs';
export { type BackendInfo, type BackendPreference, selectBackend, tensorCount } from './backend.js';
export type { SequenceBatch } from './batch.js';
export { buildModel } from './build.js';
export { resolveModelConfig, SEQUENCE_KINDS, type SequenceModelConfig } from './config.js';
export { loadModelArtifacts, loadOptimizerState, saveModelArtifacts, saveOptimizerState } from './io.js';
export { type EngineRow, MinGruEngine, minGruEngineOf } from './min-gru-engine.js';
export { predictLogits } from './predict.js';
export { initialiseWideFromLogreg } from './wide.js';
export { createTrainer, evaluateLoss } from './train.js';
