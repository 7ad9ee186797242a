// The seam between readers (canonical CSV/NDJSON, OMOP, MEDS) and the shared validation/quarantine core.
import type { TableName } from '../schemas/data-contract.js';

/** Row-level quarantine reasons. The ingest core may add more; docs/ingest.md lists each with its meaning. */
export const QUARANTINE_REASONS = [
  'ROW_FIELD_COUNT', // wrong number of fields for the header
  'ROW_BROKEN_QUOTING', // unterminated or stray quote
  'ROW_TOO_LONG', // a physical line over 1 MiB
  'ROW_INVALID_UTF8', // bytes that are not valid UTF-8
  'ROW_INVALID_JSON', // an NDJSON line that is not a JSON object
  'ROW_MISSING_FIELD', // a required field is empty
  'ROW_EMPTY_CODE', // event code is empty
  'ROW_INVALID_VALUE', // a field fails its schema (enum, length)
  'ROW_DATE_INVALID', // malformed or impossible date (2019-02-30)
  'ROW_FUTURE_EVENT', // after the extraction date
  'ROW_BEFORE_BIRTH', // event before the person's birth
  'ROW_AFTER_DEATH', // event after the person's death
  'ROW_UNKNOWN_PERSON', // person_id not in persons
  'ROW_UNKNOWN_DOMAIN', // domain not in the configured list
  'ROW_PERSON_CONFLICT', // two different rows for the same person_id
  'ROW_LINK_UNKNOWN_PERSON', // link to a person not in persons
  'ROW_SELF_LINK', // person linked to themself
  'ROW_FAMILY_CYCLE', // impossible family structure (e.g. a person their own ancestor)
  'ROW_PERIOD_INVALID', // observation period ending before it starts
  'ROW_BLANK_LINE', // an empty line (no fields at all)
  'ROW_PARENT_YOUNGER', // a mother, father or guardian born on or after the person
  'ROW_BIRTH_TOO_EARLY', // a birth date before 1850 (a valid date, not a plausible living resident)
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

/** One input row as text, before validation. `line` is 1-based in the source file (header = line 1). */
export interface RawRow {
  file: string;
  line: number;
  fields: Record<string, string | undefined>;
}

/** A row the reader could not even split into fields (quoting, encoding, length). */
interface RowFailure {
  file: string;
  line: number;
  field?: string;
  reason: QuarantineReason;
  /** Readable detail for the quarantine file; never the row's values or identifiers. */
  detail?: string;
}

export type SourceItem = { kind: 'row'; row: RawRow } | { kind: 'failure'; failure: RowFailure };

export interface TableSource {
  table: TableName;
  /** Display name of the input (relative path), used in quarantine records and the manifest. */
  file: string;
  /** SHA-256 (hex) of the input bytes, for the data fingerprint. */
  sha256(): Promise<string>;
  /** Every physical row of the input, in order: each becomes exactly one row or one failure. */
  items(): AsyncIterable<SourceItem>;
  /**
   * Optional fast path: the same items as items(), in order, in arrays. Readers that parse in bulk offer it
   * to spare one promise per row; the ingest core prefers it when present.
   */
  batches?(): AsyncIterable<SourceItem[]>;
  /** Rough size of the rows in bytes (uncompressed), if known before reading; only sizes the store's shards. */
  sizeHint?: number;
}

export interface CodeDictionaryEntry {
  code: string;
  domain?: string;
  name: string;
}

export interface IngestSources {
  format: 'canonical' | 'omop' | 'meds';
  tables: TableSource[];
  /** Optional code names (OMOP concept.csv); written into the store's code dictionary. */
  codeDictionary?: () => AsyncIterable<CodeDictionaryEntry>;
  /** The event domains this source writes; runIngest validates against them unless told otherwise. */
  domains?: readonly string[];
  /** Files in the input folder that matched no table and were not read (shown in the summary). */
  ignoredFiles?: string[];
}
