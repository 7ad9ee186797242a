// Model bundles: write once (temp folder + rename), load with checksums and the input example, score paths.
export { listFiles, readBundleJson, sha256Hex } from './files.js';
export { frequentTokenPath, INPUT_EXAMPLE_TOLERANCE, type InputExample, InputExampleSchema, inputExamplePaths } from './input-example.js';
export { type BundleProblem, checkFiles, type LoadBundleOptions, type LoadedBundle, loadBundle, readManifest, verifyBundle } from './load.js';
export { createLogregScorer, createScorer, createSequenceScorer, SCORE_BATCH_ROWS, type ScorerModel } from './scorer.js';
export { type BundleContents, CARD_FILE_NAMES, MANIFEST_FILE, type ManifestDraft, nextVersion, type WriteBundleOptions, writeBundle } from './write.js';
