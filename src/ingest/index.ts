// The ingest area's public face: readers, the validation core, pseudonyms and keys.
export { checkHeader, openCanonicalSources } from './canonical.js';
export { type KeySource, KEY_ENV, resolvePseudonymKey } from './key.js';
export { DEMO_KEY, keyFingerprint, MIN_KEY_BYTES, PSEUDONYM_HEX_CHARS, pseudonymise } from './pseudonym.js';
export { REASON_TEXT } from './reasons.js';
export { DEFAULT_MAX_REJECT_RATE, formatRate, type IngestOptions, MAX_THREADS, runIngest, SUMMARY_FILE, todayUtc } from './run-ingest.js';
export * from './sources.js';
export type { IngestSummary } from './summary.js';
export { QUARANTINE_FILE, QUARANTINE_HEADER } from './tally.js';
