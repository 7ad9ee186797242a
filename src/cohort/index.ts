// Task -> labelled examples at the index date, and family-aware splits.
export { buildExamples, judgePerson } from './examples.js';
export { splitExamples } from './split.js';
export { loadTaskSpec, parseConfigText, readConfigFile } from './task-spec.js';
