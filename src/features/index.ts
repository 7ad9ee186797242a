// Path -> tokens, step features and count features; the vocabulary's fit. Shared by training and scoring.
export { featureDim, sparseFeatures } from './counts.js';
export { encodeEvents, encodePaths, tokenId, trajectoryWindows } from './preprocessing.js';
export { fitPreprocessing } from './vocabulary.js';
