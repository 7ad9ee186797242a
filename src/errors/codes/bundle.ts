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
});
