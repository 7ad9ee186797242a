// Physical lines from byte chunks: boundaries anywhere, a final line without newline, over-long lines skipped
// without being kept, invalid UTF-8 flagged.
import { describe, expect, it } from 'vitest';
import { LINE_INVALID_UTF8, LINE_TOO_LONG, type LineBatch, readLines } from '../../../src/ingest/line-reader.js';

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(bytes: Buffer, size: number, max?: number): Promise<{ line: number; text: string; flag: number }[]> {
  const out: { line: number; text: string; flag: number }[] = [];
  const batches: LineBatch[] = [];
  for await (const b of readLines(chunked(bytes, size), max)) batches.push(b);
  for (const b of batches) {
    b.lines.forEach((text, k) => {
      out.push({ line: b.firstLine + k, text, flag: b.flags === null ? 0 : b.flags[k]! });
    });
  }
  return out;
}

describe('readLines', () => {
  it('gives the same lines whatever the chunk size', async () => {
    const text = 'a,b\nccc\n\nd\r\néü,ß\nlast';
    for (const size of [1, 2, 3, 5, 7, 64]) {
      const lines = await collect(Buffer.from(text), size);
      expect(lines.map((l) => l.text)).toEqual(['a,b', 'ccc', '', 'd\r', 'éü,ß', 'last']);
      expect(lines.map((l) => l.line)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(lines.every((l) => l.flag === 0)).toBe(true);
    }
  });

  it('does not invent a line after a final newline', async () => {
    expect((await collect(Buffer.from('x\ny\n'), 4)).map((l) => l.text)).toEqual(['x', 'y']);
    expect(await collect(Buffer.alloc(0), 4)).toEqual([]);
  });

  it('skips a line over the limit and keeps counting lines after it', async () => {
    const long = 'x'.repeat(100);
    for (const size of [3, 16, 1000]) {
      const lines = await collect(Buffer.from(`ok\n${long}\nafter\n${long}`), size, 50);
      expect(lines).toEqual([
        { line: 1, text: 'ok', flag: 0 },
        { line: 2, text: '', flag: LINE_TOO_LONG },
        { line: 3, text: 'after', flag: 0 },
        { line: 4, text: '', flag: LINE_TOO_LONG },
      ]);
    }
  });

  it('flags only the lines with invalid UTF-8, keeping their quotes and commas visible', async () => {
    const bytes = Buffer.concat([Buffer.from('good\n"a",'), Buffer.from([0xff, 0xfe]), Buffer.from('\nfine é\n')]);
    const lines = await collect(bytes, 5);
    expect(lines.map((l) => l.flag)).toEqual([0, LINE_INVALID_UTF8, 0]);
    expect(lines[1]!.text.startsWith('"a",')).toBe(true);
    expect(lines[2]!.text).toBe('fine é');
  });

  it('keeps a multi-byte character split across chunks intact', async () => {
    const lines = await collect(Buffer.from('å,ö\n€\n'), 1);
    expect(lines.map((l) => [l.text, l.flag])).toEqual([
      ['å,ö', 0],
      ['€', 0],
    ]);
  });
});
