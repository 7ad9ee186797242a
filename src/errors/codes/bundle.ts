// Error codes of the bundle area: BUNDLE_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const bundleCodes = defineCodes({
  BUNDLE_NOT_FOUND: {
    message: 'No model bundle at {dir} (manifest.json is missing).',
    httpStatus: 404,
    exitCode: EXIT.bundle,
    description: 'The folder is not a bundle: it has no manifest.json. Bundles live at models/<name>/<version>/.',
  },
  BUNDLE_INVALID: {
    message: 'Bundle {dir}: {file} is invalid: {issues}',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'A bundle file (manifest, preprocessing, calibration, metrics, ...) does not match its schema. Bundles are never edited: retrain.',
  },
  BUNDLE_FILE_MISSING: {
    message: 'Bundle {dir}: file {file} listed in the manifest is missing.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'A file named in manifest.json is not in the bundle folder; the bundle was damaged or copied incompletely.',
  },
  BUNDLE_CHECKSUM_MISMATCH: {
    message: 'Bundle {dir}: file {file} does not match its checksum in the manifest.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'A bundle file changed after it was written; bundles are immutable, so it is refused.',
  },
  BUNDLE_INPUT_EXAMPLE_MISMATCH: {
    message: 'Bundle {dir}: the input example scores {got} at step {step} of example {example}, expected {expected}.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'The saved input example does not reproduce its saved risks at load time: the model, preprocessing or backend misbehaves.',
  },
  BUNDLE_FILE_UNLISTED: {
    message: 'Bundle {dir}: file {file} is in the bundle folder but not listed in the manifest.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'A file was added to a bundle after it was written (servicepath verify); bundles are never edited, so remove it or retrain.',
  },
  BUNDLE_MANIFEST_MISMATCH: {
    message: 'Bundle {dir}: manifest.json disagrees with {evidence}: {detail}',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'A manifest field was changed after the bundle was written: its id, the model card or metrics.json (all checksummed) no longer match it (servicepath verify).',
  },
  BUNDLE_VERIFY_FAILED: {
    message: 'Bundle {dir} failed {failed} of {checks} verification checks: {codes}.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'servicepath verify found tampering or damage; the report above the error lists each failed check with its own code. Do not serve the bundle: retrain or restore it.',
  },
  BUNDLE_REPRODUCE_DATA_MISMATCH: {
    message: 'Store {store} is not the data bundle {dir} was trained on: {detail}.',
    httpStatus: 400,
    exitCode: EXIT.reproduce,
    description: 'servicepath reproduce compares the store with the manifest\'s data fingerprint (input file hashes, row counts, persons, events, date range) before retraining; pass the store the bundle was trained on.',
  },
  BUNDLE_REPRODUCE_MISMATCH: {
    message: 'Reproducing bundle {dir} gave different results: {metrics} outside tolerance.',
    httpStatus: 500,
    exitCode: EXIT.reproduce,
    description: 'Retraining from the manifest\'s resolved config, seed, task and catalogue on the same data did not give the stored metrics within the documented tolerances (docs/bundle-format.md).',
  },
});
