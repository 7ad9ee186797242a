// RFC 4180 records from physical lines: quoted commas, doubled quotes and quoted newlines, with a fast path for
// lines that hold no quote at all. Broken records become failures; a record never swallows the rest of a file.
import { LINE_INVALID_UTF8, LINE_TOO_LONG, type LineBatch, MAX_LINE_BYTES } from './line-reader.js';
import type { QuarantineReason } from './sources.js';

const QUOTE = 34;
const COMMA = 44;
const CR = 13;

/** Parse state of one record; `quoted` is the text of a quoted field still open at the end of the input so far. */
interface RecordState {
  fields: string[];
  quoted: string | null;
}

type ScanResult = 'done' | 'open' | 'broken';

/** Continues parsing `text` into `st`. 'open' means a quoted field runs past the end of `text`. */
function scan(text: string, st: RecordState): ScanResult {
  const n = text.length;
  let i = 0;
  for (;;) {
    if (st.quoted !== null) {
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          st.quoted += text.slice(i);
          return 'open';
        }
        if (text.charCodeAt(q + 1) === QUOTE) {
          st.quoted += text.slice(i, q + 1);
          i = q + 2;
          continue;
        }
        st.quoted += text.slice(i, q);
        i = q + 1;
        break;
      }
      st.fields.push(st.quoted);
      st.quoted = null;
      if (i === n) return 'done';
      if (text.charCodeAt(i) !== COMMA) return 'broken';
      i += 1;
    }
    if (i < n && text.charCodeAt(i) === QUOTE) {
      st.quoted = '';
      i += 1;
      continue;
    }
    const comma = text.indexOf(',', i);
    const end = comma < 0 ? n : comma;
    const field = text.slice(i, end);
    if (field.indexOf('"') >= 0) return 'broken';
    st.fields.push(field);
    if (comma < 0) return 'done';
    i = comma + 1;
  }
}

/**
 * Fields of one whole record, taken as it is (quoted newlines kept, no trailing CR removed), or the reason it
 * cannot be read: 'open' when a quoted field never closes, 'broken' for a stray quote. The OMOP and MEDS reader
 * splits its assembled records with this.
 */
export function splitCsvFields(text: string): string[] | 'open' | 'broken' {
  if (text.indexOf('"') < 0) return text.split(',');
  const st: RecordState = { fields: [], quoted: null };
  const r = scan(text, st);
  return r === 'done' ? st.fields : r;
}

/** Fields of a one-line record (no newline inside; a trailing CR dropped), or the reason it cannot be read. */
export function parseCsvLine(line: string): string[] | 'open' | 'broken' {
  return splitCsvFields(line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line);
}

/** One CSV record, or a failure of the physical line(s) it started on. */
export type CsvRecord = { line: number; fields: string[] } | { line: number; failure: QuarantineReason };

interface PendingLine {
  line: number;
  text: string;
  flag: number;
}

/**
 * Turns physical lines into CSV records. A quoted field may span lines; when it is still open at the end of the
 * input or after MAX_LINE_BYTES of text, the record's first line is ROW_BROKEN_QUOTING and the lines after it are
 * read again as records of their own, so one stray quote costs one row, not the rest of the file.
 */
export class CsvRecordAssembler {
  private pending: PendingLine[] = [];
  private state: RecordState = { fields: [], quoted: null };
  private pendingChars = 0;
  private pendingInvalid = false;
  private readonly maxChars: number;

  constructor(maxChars = MAX_LINE_BYTES) {
    this.maxChars = maxChars;
  }

  /** True when no record is open (the next line starts a record). */
  get idle(): boolean {
    return this.pending.length === 0;
  }

  /** Records completed by this batch of lines, in order. */
  push(batch: LineBatch, out: CsvRecord[]): void {
    const { lines, flags, firstLine } = batch;
    for (let k = 0; k < lines.length; k++) {
      const flag = flags === null ? 0 : flags[k]!;
      if (this.pending.length === 0 && flag === 0) {
        // Hot path: a line that starts a record and holds no quote is one whole record.
        const raw = lines[k]!;
        const text = raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1) : raw;
        if (text.indexOf('"') < 0) {
          out.push(text === '' ? { line: firstLine + k, failure: 'ROW_BLANK_LINE' } : { line: firstLine + k, fields: text.split(',') });
          continue;
        }
      }
      this.feed({ line: firstLine + k, text: lines[k]!, flag }, out);
    }
  }

  /** Call once at the end of the input. */
  finish(out: CsvRecord[]): void {
    while (this.pending.length > 0) this.breakPending(out);
  }

  /** Reads `first`, then any lines a broken record hands back (a stack: the next line to read is on top). */
  private feed(first: PendingLine, out: CsvRecord[]): void {
    const stack: PendingLine[] = [first];
    while (stack.length > 0) this.step(stack.pop()!, out, stack);
  }

  private step(item: PendingLine, out: CsvRecord[], stack: PendingLine[]): void {
    if (item.flag === LINE_TOO_LONG) {
      if (this.pending.length > 0) {
        stack.push(item);
        this.pushReversed(stack, this.takeBroken(out));
        return;
      }
      out.push({ line: item.line, failure: 'ROW_TOO_LONG' });
      return;
    }
    const raw = item.text;
    const hasCr = raw.charCodeAt(raw.length - 1) === CR;
    const text = hasCr ? raw.slice(0, -1) : raw;
    const starting = this.pending.length === 0;
    if (starting) {
      this.state = { fields: [], quoted: null };
      this.pendingInvalid = false;
      this.pendingChars = 0;
    } else {
      this.state.quoted += '\n';
    }
    this.pending.push(item);
    this.pendingChars += raw.length + 1;
    if (item.flag === LINE_INVALID_UTF8) this.pendingInvalid = true;
    const result = scan(text, this.state);
    if (result === 'open') {
      if (hasCr) this.state.quoted += '\r';
      if (this.pendingChars > this.maxChars) this.pushReversed(stack, this.takeBroken(out));
      return;
    }
    const line = this.pending[0]!.line;
    this.pending = [];
    if (this.pendingInvalid) out.push({ line, failure: 'ROW_INVALID_UTF8' });
    else if (result === 'broken') out.push({ line, failure: 'ROW_BROKEN_QUOTING' });
    else if (starting && text === '') out.push({ line, failure: 'ROW_BLANK_LINE' });
    else out.push({ line, fields: this.state.fields });
  }

  /** Fails the pending record on its first line; returns the lines after it, to be read again. */
  private takeBroken(out: CsvRecord[]): PendingLine[] {
    const [first, ...rest] = this.pending;
    this.pending = [];
    out.push({ line: first!.line, failure: this.pendingInvalid ? 'ROW_INVALID_UTF8' : 'ROW_BROKEN_QUOTING' });
    return rest;
  }

  private pushReversed(stack: PendingLine[], lines: PendingLine[]): void {
    for (let i = lines.length - 1; i >= 0; i--) stack.push(lines[i]!);
  }

  private breakPending(out: CsvRecord[]): void {
    const rest = this.takeBroken(out);
    for (const item of rest) this.feed(item, out);
  }
}
