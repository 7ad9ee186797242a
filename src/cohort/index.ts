// Task -> labelled examples at the index date, and family-aware splits.
export { type BuildExamplesOptions, buildExamples, type Example, type ExampleCounts, judgePerson, type PersonSource, type Subgroups, windowEvents } from './examples.js';
export { FamilyUnion } from './family.js';
export { type SplitCount, type SplitFractions, type SplitName, SPLIT_NAMES, type SplitOptions, type Splits, splitExamples } from './split.js';
export { loadTaskSpec, parseConfigText, parseTaskSpec, readConfigFile } from './task-spec.js';
