// Reading an events CSV (a whole file, or one byte range of it in a worker thread): lines without a quote try
// the zero-copy path, the rest go through the CSV assembler and the full path of EventPass.
import { type CsvRecord, CsvRecordAssembler } from './csv.js';
import { eventColumns, type EventPass, type RowSink } from './events-pass.js';
import type { LineBatch } from './line-reader.js';
import type { SourceItem } from './sources.js';

/** How to turn a CSV record of one file into a source item (CsvTableSource.item, or the same in a worker). */
type RecordToItem = (rec: CsvRecord) => SourceItem;

interface CsvEventsResult {
  /** Physical lines seen, the header included when it was in the input. */
  lines: number;
  /** False when the input ended inside a quoted field: a byte range that ends so was cut in the wrong place. */
  endedBetweenRecords: boolean;
}

/**
 * Reads events lines into `pass`, counting into `sink`. `skipFirstLine` drops the header (the input starts at
 * the top of the file); line numbers are those of `lines`.
 */
export async function readCsvEvents(
  lines: AsyncIterable<LineBatch>,
  header: readonly string[],
  toItem: RecordToItem,
  skipFirstLine: boolean,
  fi: number,
  pass: EventPass,
  sink: RowSink,
): Promise<CsvEventsResult> {
  const columns = eventColumns(header);
  const assembler = new CsvRecordAssembler();
  const records: CsvRecord[] = [];
  let seen = 0;
  const settle = () => {
    for (const rec of records) {
      sink.read(fi, 1);
      const item = toItem(rec);
      if (item.kind === 'row') pass.row(item.row.fields, fi, item.row.line);
      else sink.quarantine(fi, item.failure.line, item.failure.field ?? '', item.failure.reason, item.failure.detail);
    }
    records.length = 0;
  };
  for await (const batch of lines) {
    const { lines: texts, flags, firstLine } = batch;
    seen += texts.length;
    let fast = 0;
    for (let k = skipFirstLine && firstLine === 1 ? 1 : 0; k < texts.length; k++) {
      const text = texts[k]!;
      const flag = flags === null ? 0 : flags[k]!;
      if (flag === 0 && assembler.idle && text.indexOf('"') < 0 && pass.csvLine(text, columns, fi)) {
        fast += 1;
        continue;
      }
      assembler.push({ firstLine: firstLine + k, lines: [text], flags: flag === 0 ? null : Uint8Array.of(flag) }, records);
      settle();
    }
    sink.read(fi, fast);
  }
  const endedBetweenRecords = assembler.idle;
  assembler.finish(records);
  settle();
  return { lines: seen, endedBetweenRecords };
}
