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
  BUNDLE_PRIVACY_VIOLATION: {
    message: 'Bundle {dir}: {count} published cell(s) break the disclosure rules (k {k}, minimum count {minCount}, rounding {roundTo}); first: {file} {pointer}: {detail}.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description:
      'A published number of the bundle (cohort paths, metrics) is a group below k, an outcome count or complement below the minimum count, or a hidden cell that can be recovered by differencing. The bundle is not loaded or served; run `servicepath privacy-check --bundle DIR` for every finding.',
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
  BUNDLE_EFFECT_MODEL_MISMATCH: {
    message: 'Bundle {dir}: {file} does not match {other}: {detail}',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description:
      "The treatment-aware effect model (effect-model.json) was not fitted for this bundle's catalogue or preprocessing: its services, first insertion age, count weights or markers differ. Its estimates would be read against the wrong services, so the bundle is refused (the service keeps serving the others). Retrain.",
  },
  BUNDLE_VERIFY_FAILED: {
    message: 'Bundle {dir} failed verification ({outcome}): {failures}. First problem: {first}',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description:
      'servicepath verify, or the service loading the bundle (load = verify), found tampering or damage: the message names each failed check with its own codes (`servicepath verify --bundle DIR` prints the report). The service refuses the bundle and keeps serving the others. Do not serve it: retrain or restore it.',
  },
  BUNDLE_UNSIGNED: {
    message: 'Bundle {dir} is not signed; unsigned bundles are accepted only with --allow-unsigned.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description:
      'The manifest has no signature (trained without --signing-key or SERVICEPATH_SIGNING_KEY). Sign it by retraining with a key (`servicepath keys new`), or accept unsigned bundles explicitly with --allow-unsigned (the demo does).',
  },
  BUNDLE_SIGNATURE_UNTRUSTED: {
    message: 'Bundle {dir} is signed with key {keyId}, which is not among the trusted keys ({trusted}); such bundles are accepted only with --allow-unsigned.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description:
      "The manifest's signature names a key that --trusted-keys does not list, so it cannot be checked. Add the trainer's public key (the .pub file of `servicepath keys new`) to --trusted-keys.",
  },
  BUNDLE_SIGNATURE_INVALID: {
    message: 'Bundle {dir}: the manifest signature does not verify with trusted key {keyId}: manifest.json changed after it was signed.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description:
      'The signature names a trusted key but does not match the manifest: a manifest field (a checksum, the id, the version, ...) or the signature was changed after training. The bundle is refused even with --allow-unsigned: retrain or restore it.',
  },
  BUNDLE_SIGNING_KEY_INVALID: {
    message: 'The signing key from {source} is not usable: {detail}.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description:
      'train --signing-key FILE (or SERVICEPATH_SIGNING_KEY) must be an Ed25519 private key in PEM (PKCS#8), as `servicepath keys new` writes it.',
  },
  BUNDLE_TRUSTED_KEYS_INVALID: {
    message: 'Trusted keys {file}: {detail}.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description:
      '--trusted-keys takes Ed25519 public keys in PEM (SPKI), as the .pub file of `servicepath keys new`, or a folder of them (*.pub, *.pem); a private key, another key type or an empty folder is refused.',
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
