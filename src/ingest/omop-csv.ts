// Streaming CSV records for the OMOP and MEDS importers: BOM, CRLF, RFC 4180 quoting, 1 MiB line cap, UTF-8 check.
// Each physical line ends up in exactly one record or one failure, so importers can keep the conservation rule.
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { splitCsvFields } from './csv.js';
// The same cap as the canonical reader's: the longest physical line (and multi-line quoted record) we accept.
import { MAX_LINE_BYTES } from './line-reader.js';
import type { QuarantineReason } from './sources.js';

/** A quoted field may span lines; past this many lines an open quote is taken as broken quoting. */
const MAX_RECORD_LINES = 1000;

type CsvItem =
  | { kind: 'record'; line: number; values: string[] }
  | { kind: 'failure'; line: number; reason: QuarantineReason };

type PhysicalLine = { line: number; text: string } | { line: number; reason: QuarantineReason };

/** Splits a byte stream into physical lines (LF or CRLF), checking length and UTF-8 per line. */
async function* physicalLines(path: string): AsyncGenerator<PhysicalLine> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflow = false;
  let lineNo = 1;
  const finish = (piece: Buffer): PhysicalLine => {
    const line = lineNo++;
    if (overflow || pendingBytes + piece.length > MAX_LINE_BYTES) return { line, reason: 'ROW_TOO_LONG' };
    let bytes = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (!isUtf8(bytes)) return { line, reason: 'ROW_INVALID_UTF8' };
    let text = bytes.toString('utf8');
    if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { line, text };
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) {
        const rest = chunk.subarray(start);
        if (!overflow && pendingBytes + rest.length > MAX_LINE_BYTES) {
          overflow = true;
          pending = [];
        } else if (!overflow && rest.length > 0) {
          pending.push(rest);
        }
        pendingBytes += rest.length;
        break;
      }
      yield finish(chunk.subarray(start, nl));
      pending = [];
      pendingBytes = 0;
      overflow = false;
      start = nl + 1;
    }
  }
  if (pendingBytes > 0 || overflow) yield finish(Buffer.alloc(0));
}

function countQuotes(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) n++;
  return n;
}

/**
 * Every record of a CSV file, header included (line 1). A record whose quotes stay open joins the following
 * lines (a quoted newline); if it never closes, its first line fails as broken quoting and the rest are re-read.
 */
export async function* csvItems(path: string): AsyncGenerator<CsvItem> {
  const queue: PhysicalLine[] = [];
  const source = physicalLines(path);
  let exhausted = false;
  const next = async (): Promise<PhysicalLine | undefined> => {
    const queued = queue.shift();
    if (queued !== undefined || exhausted) return queued;
    const r = await source.next();
    if (r.done === true) {
      exhausted = true;
      return undefined;
    }
    return r.value;
  };
  try {
    yield* assembleRecords(next, queue);
  } finally {
    // Closing early (a header read) must also close the file stream underneath.
    await source.return(undefined);
  }
}

async function* assembleRecords(next: () => Promise<PhysicalLine | undefined>, queue: PhysicalLine[]): AsyncGenerator<CsvItem> {
  for (;;) {
    const first = await next();
    if (first === undefined) return;
    if (!('text' in first)) {
      yield { kind: 'failure', line: first.line, reason: first.reason };
      continue;
    }
    if (first.text === '' && first.line > 1) {
      // A blank line is still a physical row: it fails rather than vanishing from the counts.
      yield { kind: 'failure', line: first.line, reason: 'ROW_BLANK_LINE' };
      continue;
    }
    let text = first.text;
    const taken: PhysicalLine[] = [];
    let bytes = Buffer.byteLength(text);
    let broken = false;
    while (countQuotes(text) % 2 === 1) {
      const more = await next();
      if (more === undefined || !('text' in more) || taken.length >= MAX_RECORD_LINES) {
        if (more !== undefined) taken.push(more);
        broken = true;
        break;
      }
      taken.push(more);
      bytes += Buffer.byteLength(more.text) + 1;
      if (bytes > MAX_LINE_BYTES) {
        broken = true;
        break;
      }
      text += `\n${more.text}`;
    }
    if (broken) {
      queue.unshift(...taken);
      yield { kind: 'failure', line: first.line, reason: 'ROW_BROKEN_QUOTING' };
      continue;
    }
    const values = splitCsvFields(text);
    // Balanced quotes can still be misplaced (`a"b"`): any reason the record cannot be split is broken quoting.
    if (typeof values === 'string') yield { kind: 'failure', line: first.line, reason: 'ROW_BROKEN_QUOTING' };
    else yield { kind: 'record', line: first.line, values };
  }
}

/** The header of a CSV file (first record), or null when the file is empty or its first line is unusable. */
export async function readCsvHeader(path: string): Promise<string[] | null> {
  const items = csvItems(path);
  try {
    const first = await items.next();
    if (first.done === true || first.value.kind !== 'record') return null;
    return first.value.values.map((h) => h.trim());
  } finally {
    await items.return(undefined);
  }
}

/** SHA-256 (hex) of a file's bytes, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}
