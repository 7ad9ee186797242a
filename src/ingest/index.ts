// The ingest area's public face: readers, the validation core, pseudonyms and keys.
export { openCanonicalSources } from './canonical.js';
export { KEY_ENV, resolvePseudonymKey } from './key.js';
export { DEMO_KEY } from './pseudonym.js';
export { DEFAULT_MAX_REJECT_RATE, formatRate, MAX_THREADS, runIngest, todayUtc } from './run-ingest.js';
export * from './sources.js';
export type { IngestSummary } from './summary.js';
export { QUARANTINE_FILE } from './tally.js';
