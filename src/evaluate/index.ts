// Evaluation metrics for binary risk models: pure TypeScript, no TensorFlow. Definitions: docs/evaluation.md.
export { bootstrapCi, createRng, resampleIndices } from './bootstrap.js';
export { brier, calibrationCurve, calibrationSlopeIntercept, ece } from './calibration.js';
export { auprc, prCurve, rocCurve } from './discrimination.js';
export { auroc } from '../util/rank.js';
export { evaluateBinary } from './evaluate-binary.js';
export { membershipAttack } from './membership.js';
export { thresholdTable } from './thresholds.js';
export { COMPARED_METRICS, comparePaired, type PairedComparison } from './compare.js';
