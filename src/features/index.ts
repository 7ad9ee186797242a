// Tokens, vocabulary and step features: the one preprocessing module shared by training and scoring.
export { type Calibration, CalibrationSchema, calibrate, calibrateAll, sigmoid } from './calibration.js';
export { eventFeatures, featureDim, LOGREG_VERSION, type LogregModel, LogregModelSchema, logregTrajectoryLogits, sparseFeatures, windowCount } from './logreg.js';
export {
  type EncodedBatch,
  encodeEvents,
  encodePaths,
  encodeWindows,
  indexAgeOf,
  PAD_ID,
  type Preprocessing,
  PreprocessingSchema,
  RARE_CODE,
  rareKey,
  STEP_FEATURES,
  tokenId,
  tokenKey,
  trajectoryWindows,
  UNK_ID,
} from './preprocessing.js';
export {
  EFFECT_MODEL_VERSION,
  type EffectModel,
  EffectModelSchema,
  type EffectShape,
  effectShape,
  effectTrajectoryLogits,
  splitTreatments,
  type TreatmentSplit,
} from './treatment.js';
export { chooseMaxLen, type FitPreprocessingOptions, fitPreprocessing } from './vocabulary.js';
