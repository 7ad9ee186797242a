// Error codes of the store area: STORE_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const storeCodes = defineCodes({
  STORE_NOT_FOUND: {
    message: 'No event store at {dir} (manifest.json missing).',
    httpStatus: 404,
    exitCode: EXIT.input,
    description: 'The --store path is not a store written by `servicepath ingest` (a `.rejected` folder holds no store).',
  },
  STORE_INVALID: {
    message: 'Event store {dir} is invalid: {detail}',
    httpStatus: 422,
    exitCode: EXIT.input,
    description: 'The manifest fails its schema, a shard checksum differs, or a shard cannot be decoded; ingest the data again.',
  },
});
