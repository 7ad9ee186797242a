// Model bundles: write once (temp folder + rename), load with checksums and the input example, score paths.
export { listFiles, readBundleJson } from './files.js';
export { type InputExample, InputExampleSchema } from './input-example.js';
export { checkFiles, type LoadedBundle, loadBundle, readManifest, verifyBundle } from './load.js';
export { createLogregScorer, createScorer, createSequenceScorer } from '../scoring/scorer.js';
export { type BundleContents, CARD_FILE_NAMES, MANIFEST_FILE, type ManifestDraft, writeBundle } from './write.js';
