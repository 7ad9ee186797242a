// Model bundles: write once (temp folder + rename), load with checksums and the input example, score paths.
export { type InputExample, InputExampleSchema } from './input-example.js';
export { type LoadedBundle, loadBundle, verifyBundle } from './load.js';
export { createLogregScorer, createScorer, createSequenceScorer } from '../scoring/scorer.js';
export { type BundleContents, type ManifestDraft, writeBundle } from './write.js';
