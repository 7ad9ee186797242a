// RFC 4180 records: the hot path and the quoted path, records over several lines, broken quoting that costs one
// row only, blank lines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvRecord, CsvRecordAssembler, parseCsvLine, splitCsvFields } from '../../../src/ingest/csv.js';
import { LINE_INVALID_UTF8, LINE_TOO_LONG } from '../../../src/ingest/line-reader.js';

function records(lines: string[], flags: number[] | null = null, maxChars?: number): CsvRecord[] {
  const asm = new CsvRecordAssembler(maxChars);
  const out: CsvRecord[] = [];
  asm.push({ firstLine: 1, lines, flags: flags === null ? null : Uint8Array.from(flags) }, out);
  asm.finish(out);
  return out;
}

/** RFC 4180 writing of one field. */
function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

describe('parseCsvLine', () => {
  it('splits plain and quoted fields', () => {
    expect(parseCsvLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(parseCsvLine('"a,b","say ""hi""",""')).toEqual(['a,b', 'say "hi"', '']);
    expect(parseCsvLine('x,"y"\r')).toEqual(['x', 'y']);
    expect(parseCsvLine('a,')).toEqual(['a', '']);
  });

  it('tells broken from open quoting', () => {
    expect(parseCsvLine('ab"c,d')).toBe('broken');
    expect(parseCsvLine('"ab"c,d')).toBe('broken');
    expect(parseCsvLine('"abc,d')).toBe('open');
  });
});

describe('splitCsvFields', () => {
  it('splits a whole record as it is: quoted newlines kept, a trailing CR kept', () => {
    expect(splitCsvFields('a,"one\ntwo",b')).toEqual(['a', 'one\ntwo', 'b']);
    expect(splitCsvFields('a,b\r')).toEqual(['a', 'b\r']);
    expect(splitCsvFields('')).toEqual(['']);
  });

  it('reads quoting exactly as parseCsvLine does (one splitter behind both readers)', () => {
    for (const text of ['a"b"', '"a"b', 'x,"a""', '"a,b","say ""hi""",""']) expect(splitCsvFields(text)).toEqual(parseCsvLine(text));
    expect(splitCsvFields('a"b"')).toBe('broken');
  });
});

describe('CsvRecordAssembler', () => {
  it('joins a quoted field over several lines and numbers the next record by its own first line', () => {
    const out = records(['a,"one', 'two', 'three",b', 'c,d']);
    expect(out).toEqual([
      { line: 1, fields: ['a', 'one\ntwo\nthree', 'b'] },
      { line: 4, fields: ['c', 'd'] },
    ]);
  });

  it('keeps CRLF inside a quoted field and drops it at the end of a record', () => {
    expect(records(['a,"x\r', 'y"\r', 'b\r'])).toEqual([
      { line: 1, fields: ['a', 'x\r\ny'] },
      { line: 3, fields: ['b'] },
    ]);
  });

  it('an unterminated quote at the end fails its first line; the lines after it are read again', () => {
    expect(records(['ok,1', 'bad,"open', 'next,2', 'last,3'])).toEqual([
      { line: 1, fields: ['ok', '1'] },
      { line: 2, failure: 'ROW_BROKEN_QUOTING' },
      { line: 3, fields: ['next', '2'] },
      { line: 4, fields: ['last', '3'] },
    ]);
  });

  it('a quote left open past the size limit fails the same way without waiting for the end', () => {
    const out = records(['bad,"open', 'x'.repeat(30), 'y'.repeat(30), 'z,1'], null, 50);
    expect(out[0]).toEqual({ line: 1, failure: 'ROW_BROKEN_QUOTING' });
    expect(out.slice(1)).toEqual([
      { line: 2, fields: ['x'.repeat(30)] },
      { line: 3, fields: ['y'.repeat(30)] },
      { line: 4, fields: ['z', '1'] },
    ]);
  });

  it('reports blank lines, too-long lines and invalid UTF-8 once each', () => {
    expect(records(['a', '', 'b', '', 'c'], [0, 0, LINE_INVALID_UTF8, LINE_TOO_LONG, 0])).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, failure: 'ROW_BLANK_LINE' },
      { line: 3, failure: 'ROW_INVALID_UTF8' },
      { line: 4, failure: 'ROW_TOO_LONG' },
      { line: 5, fields: ['c'] },
    ]);
  });

  it('reads back any table written with RFC 4180 quoting', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é') });
    const table = fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(table, (rows) => {
        // One record per row; a row whose only content is empty fields still has its commas.
        const text = rows.map((r) => r.map(quote).join(',')).join('\n');
        const out = records(text.split('\n'));
        expect(out.map((r) => ('fields' in r ? r.fields : r.failure))).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});
