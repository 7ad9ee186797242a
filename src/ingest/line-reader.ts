// Splits a byte stream into physical lines in bulk, checking UTF-8 and line length without buffering a huge line.
import { isUtf8 } from 'node:buffer';

/** A physical line longer than this (in bytes, without its terminator) is not kept: it becomes ROW_TOO_LONG. */
export const MAX_LINE_BYTES = 1024 * 1024;

/** Line flags: 0 = fine. */
export const LINE_INVALID_UTF8 = 1;
export const LINE_TOO_LONG = 2;

/**
 * Consecutive physical lines of one input, without their `\n` (a `\r` before it is kept: the CSV layer decides).
 * `flags[i]` is LINE_INVALID_UTF8 (the text is decoded with U+FFFD replacements, so quotes and commas still
 * show) or LINE_TOO_LONG (the text is empty: the bytes were skipped); `flags` is null when every line is fine.
 */
export interface LineBatch {
  firstLine: number;
  lines: string[];
  flags: Uint8Array | null;
}

const NEWLINE = 10;

/** Yields every physical line of `chunks`; a final line without a terminator counts, an empty tail does not. */
export async function* readLines(chunks: AsyncIterable<Buffer>, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<LineBatch> {
  let nextLine = 1;
  let carry: Buffer | null = null;
  let skipping = false;

  for await (const chunk of chunks) {
    let buf = chunk;
    let start = 0;
    if (skipping) {
      const nl = buf.indexOf(NEWLINE);
      if (nl < 0) continue;
      yield { firstLine: nextLine, lines: [''], flags: Uint8Array.of(LINE_TOO_LONG) };
      nextLine += 1;
      skipping = false;
      start = nl + 1;
    }
    if (carry !== null) {
      buf = Buffer.concat([carry, start === 0 ? buf : buf.subarray(start)]);
      start = 0;
      carry = null;
    }
    const last = buf.lastIndexOf(NEWLINE);
    if (last >= start) {
      const batch = splitComplete(buf, start, last, nextLine, maxLineBytes);
      nextLine += batch.lines.length;
      yield batch;
      start = last + 1;
    }
    const restBytes = buf.length - start;
    if (restBytes > maxLineBytes) {
      skipping = true;
    } else if (restBytes > 0) {
      // Copy so that the (large) chunk is not retained by a small tail.
      carry = Buffer.from(buf.subarray(start));
    }
  }
  if (skipping) {
    yield { firstLine: nextLine, lines: [''], flags: Uint8Array.of(LINE_TOO_LONG) };
  } else if (carry !== null && carry.length > 0) {
    yield splitComplete(Buffer.concat([carry, Buffer.of(NEWLINE)]), 0, carry.length, nextLine, maxLineBytes);
  }
}

/** Lines of buf[start, end) where buf[end] is a newline. */
function splitComplete(buf: Buffer, start: number, end: number, firstLine: number, maxLineBytes: number): LineBatch {
  if (isUtf8(buf.subarray(start, end))) {
    const text = buf.toString('utf8', start, end);
    const lines = text.split('\n');
    // A UTF-16 unit is at most 3 UTF-8 bytes, so only long texts can hold an over-long line.
    if (text.length * 3 <= maxLineBytes) return { firstLine, lines, flags: null };
    let flags: Uint8Array | null = null;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.length * 3 > maxLineBytes && Buffer.byteLength(line) > maxLineBytes) {
        flags ??= new Uint8Array(lines.length);
        flags[i] = LINE_TOO_LONG;
        lines[i] = '';
      }
    }
    return { firstLine, lines, flags };
  }
  // Slow path: find the bad lines one by one. A multi-byte character never contains a newline byte.
  const lines: string[] = [];
  const flagList: number[] = [];
  let pos = start;
  while (pos <= end) {
    let nl = buf.indexOf(NEWLINE, pos);
    if (nl < 0 || nl > end) nl = end;
    const bytes = buf.subarray(pos, nl);
    if (bytes.length > maxLineBytes) {
      lines.push('');
      flagList.push(LINE_TOO_LONG);
    } else {
      lines.push(bytes.toString('utf8'));
      flagList.push(isUtf8(bytes) ? 0 : LINE_INVALID_UTF8);
    }
    pos = nl + 1;
  }
  return { firstLine, lines, flags: Uint8Array.from(flagList) };
}
