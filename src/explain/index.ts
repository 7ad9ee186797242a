// Intervention points and cohort paths: the library the CLI and the service use (never imports TensorFlow.js).
export { type AdjustmentExample, type AdjustmentKind, type AdjustmentOptions, computeAdjustmentWeights } from './adjustment.js';
export { AGE_BANDS, bandIndexOf, coarsenPath, GROUPING_DESCRIPTION, groupOf } from './coarsen.js';
export {
  type CohortExample,
  type CohortIndex,
  indexCohortPaths,
  type MineOptions,
  mineCohortPaths,
  roundCount,
  supportFor,
} from './cohort-paths.js';
export { type ChildEffects, type EffectsEvaluation, evaluateEffects, type EvaluateEffectsOptions, summariseEffects } from './evaluate-effects.js';
export { type ExplainOptions, explainPath, scoreChecked } from './explain-path.js';
export { parsePath } from './parse-path.js';
export { spearman, topKHit } from './stats.js';
export { insertEvent, insertionVariants, type InsertionVariant } from './variants.js';
