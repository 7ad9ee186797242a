// What an ingest reports: per input file what was read and what became of it, and what the store holds.
import type { CountTotals, InputFile } from '../store/manifest.js';

export interface IngestSummary {
  /** The published store, or null when the reject rate was exceeded. */
  storeDir: string | null;
  /** Where quarantine.csv and summary.json went instead of a store, or null. */
  rejectedDir: string | null;
  quarantineFile: string;
  sourceFormat: 'canonical' | 'omop' | 'meds';
  keySource: 'file' | 'env' | 'demo';
  extractionDate: string;
  /** Why that date (given with --extraction-date, today, or implied by the extract). */
  extractionDateBasis: string;
  maxRejectRate: number;
  /** Quarantined rows / rows read, over all files. */
  rejectRate: number;
  rejected: boolean;
  /** One entry per input file: read = accepted + quarantined + duplicates. */
  inputs: InputFile[];
  totals: CountTotals;
  counts: { persons: number; events: number; links: number; observationPeriods: number; codes: number };
  dateRange: { min: string; max: string } | null;
  eventsByDomain: Record<string, number>;
  shards: number;
  ignoredFiles: string[];
}
