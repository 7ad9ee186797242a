// Error codes of the ingest area: INGEST_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const ingestCodes = defineCodes({
  INGEST_KEY_MISSING: {
    message: 'No pseudonymisation key: pass --key-file FILE, set SERVICEPATH_PSEUDONYM_KEY, or use --demo-key for synthetic samples only.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: 'Ingest refuses to run without a secret key for the keyed pseudonyms (docs/data-contract.md, pseudonymisation).',
  },
  INGEST_KEY_WEAK: {
    message: 'The pseudonymisation key from {source} has {bytes} bytes; at least {min} bytes of secret are required.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: 'The key file or SERVICEPATH_PSEUDONYM_KEY is too short to be a secret; generate one with `openssl rand -hex 32 > key`.',
  },
  INGEST_KEY_CONFLICT: {
    message: 'Give one key source only: {detail}.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: '--key-file and --demo-key were both given; pick the one meant for this run.',
  },
  INGEST_TABLE_MISSING: {
    message: 'No {table} table in {dir} (looked for {patterns}).{hint}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'A required canonical table (persons, events) has no file in the input folder; docs/data-contract.md lists the file names.',
  },
  INGEST_HEADER_INVALID: {
    message: '{file}: {problems}. Expected columns: {expected}.',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'A CSV header has a missing required column, an unknown column or a repeated column (or no header at all); nothing was written.',
  },
  INGEST_INPUT_UNREADABLE: {
    message: '{file} could not be read: {detail}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'An input file is not readable as declared (for example a .gz file that is not gzip, or truncated); nothing was written.',
  },
  INGEST_REJECT_RATE: {
    message: '{quarantined} of {read} rows ({rate}) were quarantined, above --max-reject-rate {max}. Quarantine and summary: {dir}.',
    httpStatus: 422,
    exitCode: EXIT.rejectRate,
    description: 'Too many rows failed validation; the store was not published. Read the quarantine file, fix the extract, and run again.',
  },
  INGEST_FORMAT_UNAVAILABLE: {
    message: 'The {format} importer could not be loaded: {detail}',
    httpStatus: 500,
    exitCode: EXIT.internal,
    description: 'The importer module for this --format is missing from this build.',
  },
  INGEST_PSEUDONYM_COLLISION: {
    message: 'Two different person ids map to the same pseudonym; use a different key.',
    httpStatus: 500,
    exitCode: EXIT.internal,
    description: 'Practically impossible with 128-bit pseudonyms; the run stops rather than merge two people.',
  },
  INGEST_COUNTS_MISMATCH: {
    message: '{file}: accepted {accepted} + quarantined {quarantined} + duplicates {duplicates} differs from rows read {read}.',
    httpStatus: 500,
    exitCode: EXIT.internal,
    description: 'The conservation check failed (a bug in ingest); nothing was published. Please report it.',
  },
});
