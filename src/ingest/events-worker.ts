// Worker thread of EventWorkers: reads the byte ranges it is sent into its own spill parts (see event-workers.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { isServicepathError } from '../errors/index.js';
import { EventSpill } from '../store/spill.js';
import { csvRecordItem, rangeLines, rowBuilder } from './canonical.js';
import { readCsvEvents } from './csv-events.js';
import { EventPass } from './events-pass.js';
import { type RangeJob, RecordingSink, type WorkerInit } from './event-workers.js';
import { TextTable } from './text-table.js';

const init = workerData as WorkerInit;
const personIds = new TextTable(init.personKeys.length);
for (const key of init.personKeys) personIds.add(key);

// One EventPass for the worker's life, so that its code and source ids stay the same across ranges; the rows
// of each range are counted by that range's own sink.
let rangeSink: RecordingSink | null = null;
const pass = new EventPass({
  sink: {
    read: (fi, rows) => rangeSink!.read(fi, rows),
    accept: (fi) => rangeSink!.accept(fi),
    quarantine: (fi, line, field, reason, detail) => rangeSink!.quarantine(fi, line, field, reason, detail),
  },
  extractionDay: init.extractionDay,
  domains: init.domains,
  persons: init.persons,
  personIds,
});

async function runJob(job: RangeJob) {
  const sink = new RecordingSink(job.quarantinePath);
  rangeSink = sink;
  const spill = new EventSpill(job.partDir, init.shardCount, init.spillBudgetBytes);
  pass.spillTo(spill);
  pass.minDay = Number.POSITIVE_INFINITY;
  pass.maxDay = Number.NEGATIVE_INFINITY;
  const build = rowBuilder(job.header);
  const result = await readCsvEvents(
    rangeLines(job.path, job.file, job.start, job.end),
    job.header,
    (rec) => csvRecordItem(rec, job.file, job.header, build),
    job.start === 0,
    job.fileIndex,
    pass,
    sink,
  );
  spill.finish();
  sink.flush();
  return { ...result, read: sink.rows, accepted: sink.accepted, minDay: pass.minDay, maxDay: pass.maxDay };
}

parentPort!.on('message', (message: { type: 'job'; job: RangeJob } | { type: 'tables' }) => {
  if (message.type === 'tables') {
    parentPort!.postMessage({ type: 'tables', tables: { codes: pass.codes.keys, sources: pass.sources.keys } });
    return;
  }
  runJob(message.job).then(
    (result) => parentPort!.postMessage({ type: 'done', result }),
    (err: unknown) =>
      parentPort!.postMessage(
        isServicepathError(err) ? { type: 'error', message: err.message, code: err.code, params: err.params } : { type: 'error', message: String((err as Error)?.stack ?? err) },
      ),
  );
});
