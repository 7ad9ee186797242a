// The store's root manifest (manifest.json): what was read, what was kept, and how to read the shards back.
import { z } from 'zod';
import { parseIsoDate } from '../schemas/dates.js';

export const STORE_FORMAT = 'servicepath-event-store';
export const MANIFEST_FILE = 'manifest.json';
/** The code dictionary, present only when the source had code names. */
export const CODES_FILE = 'codes.ndjson';
export const STORE_SCHEMA_VERSION = 1;

const IsoDateSchema = z.string().refine((v) => parseIsoDate(v) !== null, 'not a valid date (YYYY-MM-DD)');
const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 hex digest');
const Count = z.number().int().nonnegative();

/** Counts for one input file. accepted + quarantined + duplicates = read, always. */
const InputFileSchema = z
  .object({
    file: z.string(),
    table: z.enum(['persons', 'links', 'events', 'observation_periods']),
    sha256: Sha256Schema,
    read: Count,
    accepted: Count,
    quarantined: Count,
    duplicates: Count,
    /** Quarantined rows per reason code. */
    byReason: z.record(z.string(), Count),
  })
  .strict()
  .refine((f) => f.accepted + f.quarantined + f.duplicates === f.read, 'accepted + quarantined + duplicates must equal read');
export type InputFile = z.infer<typeof InputFileSchema>;

const CountTotalsSchema = z
  .object({ read: Count, accepted: Count, quarantined: Count, duplicates: Count })
  .strict();
export type CountTotals = z.infer<typeof CountTotalsSchema>;

const StoredFileSchema = z.object({ file: z.string(), sha256: Sha256Schema, bytes: Count }).strict();

const ShardFileSchema = StoredFileSchema.extend({ persons: Count, events: Count }).strict();
export type ShardFile = z.infer<typeof ShardFileSchema>;

export const StoreManifestSchema = z
  .object({
    format: z.literal(STORE_FORMAT),
    schemaVersion: z.literal(STORE_SCHEMA_VERSION),
    /** How the rows got here: the --format of ingest. */
    sourceFormat: z.enum(['canonical', 'omop', 'meds']),
    pseudonym: z
      .object({
        algorithm: z.literal('HMAC-SHA256'),
        hexChars: z.number().int().positive(),
        keySource: z.enum(['file', 'env', 'demo']),
        /** HMAC of a fixed text under the key: equal for stores made with the same key, reveals nothing. */
        keyFingerprint: z.string().regex(/^[0-9a-f]{16}$/),
      })
      .strict(),
    /** Events after this date were quarantined (ROW_FUTURE_EVENT). */
    extractionDate: IsoDateSchema,
    /** Why that date: given, today, or what an OMOP extract implies (absent in stores made before it was recorded). */
    extractionDateBasis: z.string().optional(),
    /** The configured domain list used for validation. */
    domains: z.array(z.string()),
    maxRejectRate: z.number().min(0).max(1),
    rejectRate: z.number().min(0).max(1),
    inputs: z.array(InputFileSchema),
    totals: CountTotalsSchema,
    counts: z
      .object({ persons: Count, events: Count, links: Count, observationPeriods: Count, codes: Count })
      .strict(),
    /** First and last accepted event date (null when there are no events). */
    dateRange: z.object({ min: IsoDateSchema, max: IsoDateSchema }).strict().nullable(),
    eventsByDomain: z.record(z.string(), Count),
    shards: z
      .object({
        format: z.literal('spb1'),
        /** A person's shard is the top `bits` bits of the pseudonym; count = 2^bits. */
        bits: z.number().int().min(0).max(16),
        files: z.array(ShardFileSchema),
      })
      .strict(),
    /** Other files of the store with their checksums (quarantine, code dictionary). */
    files: z.array(StoredFileSchema),
  })
  .strict()
  .refine((m) => m.shards.files.length === 2 ** m.shards.bits, 'shard count must be 2^bits');
export type StoreManifest = z.infer<typeof StoreManifestSchema>;
