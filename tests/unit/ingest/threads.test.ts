// Worker threads read large events files in byte ranges and build shards; the store and the summary must be
// exactly those of one thread. Workers run compiled JavaScript, so this test transpiles the ingest sources into
// test-artifacts/ and runs them in a child process.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFiles, cleanup, EVENTS_HEADER, EXTRACTION_DATE, id, PERSONS_HEADER, writeInput } from './fixtures.js';

const FOLDERS = ['src/errors', 'src/schemas', 'src/store', 'src/ingest'];
let build = '';
const dirs: string[] = [];

beforeAll(() => {
  mkdirSync('test-artifacts', { recursive: true });
  build = mkdtempSync(join('test-artifacts', 'threads-'));
  dirs.push(build);
  for (const file of FOLDERS.flatMap((folder) => allFiles(folder)).filter((f) => f.endsWith('.ts'))) {
    const out = ts.transpileModule(readFileSync(file, 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(build, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
});
afterAll(() => cleanup(...dirs));

/** Runs ingest in a child process with 1 and with 3 threads; returns both summaries and the workers started. */
function ingestBothWays(input: string): { summaries: Record<string, unknown>[]; stores: string[]; workers: number[] } {
  const out = mkdtempSync(join('test-artifacts', 'threads-out-'));
  dirs.push(out);
  const script = `
    let workers = 0;
    process.on('worker', () => { workers += 1; });
    const { openCanonicalSources, runIngest } = await import(${JSON.stringify(`file://${join(process.cwd(), build, 'src/ingest/index.js')}`)});
    const results = [];
    for (const threads of [1, 3]) {
      workers = 0;
      const summary = await runIngest({
        sources: await openCanonicalSources(${JSON.stringify(input)}),
        outDir: ${JSON.stringify(out)} + '/store-' + threads,
        key: Buffer.from('k'.repeat(40)),
        keySource: 'file',
        extractionDate: ${JSON.stringify(EXTRACTION_DATE)},
        maxRejectRate: 1,
        threads,
        parallelMinBytes: 1,
      });
      results.push({ summary, workers });
    }
    process.stdout.write(JSON.stringify(results));
  `;
  const scriptFile = join(out, 'run.mjs');
  writeFileSync(scriptFile, script);
  const r = spawnSync(process.execPath, [scriptFile], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  const results = JSON.parse(r.stdout) as { summary: Record<string, unknown>; workers: number }[];
  return {
    summaries: results.map((x) => ({ ...x.summary, storeDir: null, quarantineFile: null })),
    stores: [join(out, 'store-1'), join(out, 'store-3')],
    workers: results.map((x) => x.workers),
  };
}

function expectSameStore(a: string, b: string): void {
  const list = (d: string) => allFiles(d).map((f) => relative(d, f)).sort();
  expect(list(b)).toEqual(list(a));
  for (const f of list(a)) expect(readFileSync(join(b, f)).equals(readFileSync(join(a, f))), f).toBe(true);
}

function events(count: number, extra: (i: number) => string | null): string[] {
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    rows.push(extra(i) ?? `${id(i % 300)},20${String(10 + (i % 7)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10},health,C${i % 37},${i % 5 === 0 ? i : ''},,${i % 3 === 0 ? 'reg' : ''}`);
  }
  return rows;
}

const persons = Array.from({ length: 300 }, (_, i) => `${id(i)},1990-01-01,F,,,`);

describe('ingest with worker threads', () => {
  it('gives the same store, quarantine and summary as one thread', () => {
    const rows = events(30_000, (i) => {
      if (i % 997 === 0) return `${id(i % 300)},2019-02-30,health,BAD,,,`;
      if (i % 1999 === 0) return `rid-nobody,2012-01-01,health,X,,,`;
      if (i % 1501 === 0) return `${id(i % 300)},2012-01-01,health,"MULTI\nLINE",,,`;
      if (i % 2500 === 0) return `${id(1)},2012-05-05,health,SAME,,,`; // exact repeats in both halves
      return null;
    });
    const input = writeInput({}, { 'persons.csv': `${PERSONS_HEADER}\n${persons.join('\n')}\n`, 'events.csv': `${EVENTS_HEADER}\n${rows.join('\n')}\n` });
    dirs.push(input);
    const { summaries, stores, workers } = ingestBothWays(input);
    expect(workers[0]).toBe(0);
    expect(workers[1]).toBeGreaterThanOrEqual(3);
    expect(summaries[1]).toEqual(summaries[0]);
    expectSameStore(stores[0]!, stores[1]!);
  }, 120_000);

  it('falls back to one thread for a file whose range cut lands inside a quoted field', () => {
    // One quoted field over thousands of lines sits across the middle of the file.
    const long = Array.from({ length: 5000 }, (_, k) => `part ${k}`).join('\n');
    const rows = events(2000, (i) => (i === 1000 ? `${id(5)},2012-01-01,health,"${long}",,,` : null));
    const input = writeInput({}, { 'persons.csv': `${PERSONS_HEADER}\n${persons.join('\n')}\n`, 'events.csv': `${EVENTS_HEADER}\n${rows.join('\n')}\n` });
    dirs.push(input);
    const { summaries, stores } = ingestBothWays(input);
    expect(summaries[1]).toEqual(summaries[0]);
    expectSameStore(stores[0]!, stores[1]!);
  }, 120_000);
});
