// Error codes of the model area: MODEL_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const modelCodes = defineCodes({
  MODEL_CONFIG_INVALID: {
    message: 'Invalid sequence model config: {issues}',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: 'The model config failed its schema (unknown key, value out of range, embedDim not divisible by heads); the message lists each field path.',
  },
  MODEL_BACKEND_INVALID: {
    message: 'Unknown TensorFlow.js backend "{backend}" (from {source}); allowed: auto, tensorflow, wasm, cpu.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: 'The --backend option or SERVICEPATH_BACKEND names a backend servicepath does not know.',
  },
  MODEL_BACKEND_UNAVAILABLE: {
    message: 'The TensorFlow.js backend "{backend}" cannot be started here: {reason}',
    httpStatus: 500,
    exitCode: EXIT.model,
    description: 'The requested backend is not installed or failed to initialise (tensorflow needs @tensorflow/tfjs-node); choose another with --backend or SERVICEPATH_BACKEND.',
  },
  MODEL_BATCH_INVALID: {
    message: 'Batch does not match the model: {detail}',
    httpStatus: 400,
    exitCode: EXIT.model,
    description: 'A batch handed to training or prediction has arrays whose sizes disagree with batchSize, seqLen or the model inputs, or a token id outside the model vocabulary.',
  },
  MODEL_ARTIFACTS_INVALID: {
    message: 'Model files in {dir} cannot be read: {detail}',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'model.json, its weight files or the optimizer state are missing, malformed or inconsistent; rewrite the bundle or checkpoint.',
  },
});
