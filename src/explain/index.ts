// Intervention points and cohort paths: the library the CLI and the service use (never imports TensorFlow.js).
export { mineCohortPaths } from './cohort-paths.js';
export { type ExplainOptions, explainPath, explanationCost } from './explain-path.js';
