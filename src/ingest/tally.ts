// Per-file counts and the quarantine file, kept together so that no row is counted without its fate.
// The quarantine records where and why, never what: no identifiers, no values.
import { appendFileSync, writeFileSync } from 'node:fs';
import type { TableName } from '../schemas/data-contract.js';
import { ServicepathError } from '../errors/index.js';
import type { CountTotals, InputFile } from '../store/manifest.js';
import { REASON_TEXT } from './reasons.js';
import type { RowSink } from './events-pass.js';
import type { QuarantineReason } from './sources.js';

export const QUARANTINE_FILE = 'quarantine.csv';
const QUARANTINE_HEADER = 'file,line,field,reason_code,reason';

interface FileCounts {
  file: string;
  table: TableName;
  read: number;
  accepted: number;
  quarantined: number;
  duplicates: number;
  byReason: Map<QuarantineReason, number>;
}

function csvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export class Tally implements RowSink {
  private readonly files: FileCounts[] = [];
  private buffer: string[] = [];
  private bufferedChars = 0;

  constructor(private readonly quarantinePath: string) {
    writeFileSync(quarantinePath, `${QUARANTINE_HEADER}\n`);
  }

  /** Registers an input file; returns its index for the other calls. */
  addFile(file: string, table: TableName): number {
    this.files.push({ file, table, read: 0, accepted: 0, quarantined: 0, duplicates: 0, byReason: new Map() });
    return this.files.length - 1;
  }

  fileName(index: number): string {
    return this.files[index]!.file;
  }

  read(index: number, rows: number): void {
    this.files[index]!.read += rows;
  }

  accept(index: number): void {
    this.files[index]!.accepted += 1;
  }

  acceptMany(index: number, rows: number): void {
    this.files[index]!.accepted += rows;
  }

  duplicate(index: number): void {
    this.files[index]!.duplicates += 1;
  }

  /** A row accepted earlier turns out to be a duplicate (found when sorting). */
  acceptedToDuplicate(index: number, rows = 1): void {
    this.files[index]!.accepted -= rows;
    this.files[index]!.duplicates += rows;
  }

  /** Quarantines a row: counted and written with its place and reason. `field` is a column name or ''. */
  quarantine(index: number, line: number, field: string, reason: QuarantineReason, detail?: string): void {
    const f = this.files[index]!;
    f.quarantined += 1;
    f.byReason.set(reason, (f.byReason.get(reason) ?? 0) + 1);
    const record = `${csvCell(f.file)},${line},${csvCell(field)},${reason},${csvCell(detail ?? REASON_TEXT[reason])}\n`;
    this.buffer.push(record);
    this.bufferedChars += record.length;
    if (this.bufferedChars > 1 << 20) this.flush();
  }

  /** A row accepted earlier is quarantined after all (conflicts, cycles: found after the pass). */
  revokeAndQuarantine(index: number, line: number, field: string, reason: QuarantineReason, detail?: string): void {
    this.files[index]!.accepted -= 1;
    this.quarantine(index, line, field, reason, detail);
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    appendFileSync(this.quarantinePath, this.buffer.join(''));
    this.buffer = [];
    this.bufferedChars = 0;
  }

  totals(): CountTotals {
    const t = { read: 0, accepted: 0, quarantined: 0, duplicates: 0 };
    for (const f of this.files) {
      t.read += f.read;
      t.accepted += f.accepted;
      t.quarantined += f.quarantined;
      t.duplicates += f.duplicates;
    }
    return t;
  }

  /** Per-file counts with their checksums; throws INGEST_COUNTS_MISMATCH if any file's rows do not add up. */
  inputs(sha256: readonly string[]): InputFile[] {
    return this.files.map((f, i) => {
      if (f.accepted + f.quarantined + f.duplicates !== f.read || f.accepted < 0) {
        throw new ServicepathError('INGEST_COUNTS_MISMATCH', {
          file: f.file,
          accepted: f.accepted,
          quarantined: f.quarantined,
          duplicates: f.duplicates,
          read: f.read,
        });
      }
      const byReason: Record<string, number> = {};
      for (const reason of [...f.byReason.keys()].sort()) byReason[reason] = f.byReason.get(reason)!;
      return {
        file: f.file,
        table: f.table,
        sha256: sha256[i]!,
        read: f.read,
        accepted: f.accepted,
        quarantined: f.quarantined,
        duplicates: f.duplicates,
        byReason,
      };
    });
  }
}
