// Evaluation metrics for binary risk models: pure TypeScript, no TensorFlow. Definitions: docs/evaluation.md.
export { bootstrapCi, type BootstrapCiOptions, type ConfidenceInterval, createRng, deriveSeed, percentileInterval, resampleIndices } from './bootstrap.js';
export { type BinStrategy, brier, type CalibrationBin, type CalibrationFit, calibrationCurve, calibrationSlopeIntercept, ece, logit } from './calibration.js';
export { auprc, MAX_CURVE_POINTS, prCurve, rocCurve } from './discrimination.js';
export { auroc } from '../util/rank.js';
export { type EvaluateBinaryInput, evaluateBinary, pointMetrics } from './evaluate-binary.js';
export { DEFAULT_K, DEFAULT_ROUND_TO, isSuppressed, roundCount } from './privacy.js';
export { DEFAULT_ALERT_RATES, type ThresholdResult, thresholdTable } from './thresholds.js';
export { COMPARED_METRICS, type ComparedMetric, comparePaired, HIGHER_IS_BETTER, type PairedComparison, type PairedInput, type PairedVerdict } from './compare.js';
