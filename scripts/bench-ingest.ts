// Benchmark of `servicepath ingest` end to end on generated canonical CSV: events per second and peak RSS of the
// ingest process, with DuckDB's own CSV reader timed on the same events file in the same run for the ratio.
//
//   npm run build && node dist/scripts/bench-ingest.js                    # 1M events
//   npm run build && node dist/scripts/bench-ingest.js --events 37000000  # the Espoo pilot's size (~2 GB in /tmp)
//
// Options: --events N (default 1,000,000), --persons N (default events / 71, the pilot's ratio), --dir DIR (default
// a new folder in the OS temp dir, deleted afterwards unless --keep), --gzip (events.csv.gz), --skip-duckdb,
// --threads N (ingest threads; default: the cores), --formats (also compare shard formats on the store:
// spb1, gzip'd NDJSON and DuckDB-written Parquet read back with hyparquet; the figures in docs/store-format.md).
// Each measured step runs in a child process so that its peak RSS (getrusage maxRSS) is its own.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { PersonHistory } from '../src/schemas/store.js';

const DAY_MS = 86_400_000;
const WINDOW_START = Date.UTC(2002, 0, 1) / DAY_MS;
const EXTRACTION_DATE = '2016-12-31';
const WINDOW_END = Date.UTC(2016, 11, 31) / DAY_MS;
const DOMAINS = ['health', 'mental_health', 'substance_abuse', 'social_work', 'income_support', 'early_education', 'school', 'child_welfare', 'employment'];
const CODES_PER_DOMAIN = 250;

interface ChildResult {
  wallMs: number;
  /** User + system CPU time of the child: steadier than wall time on a shared machine. */
  cpuMs: number;
  maxRssKb: number;
  detail: unknown;
}

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const iso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

class ChunkWriter {
  private readonly fd: number;
  private parts: string[] = [];
  constructor(path: string, header: string) {
    this.fd = openSync(path, 'w');
    this.parts.push(`${header}\n`);
  }
  line(text: string): void {
    this.parts.push(text);
    if (this.parts.length >= 65_536) this.flush();
  }
  flush(): void {
    writeSync(this.fd, this.parts.join(''));
    this.parts = [];
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Families of four (mother, father, two children); events spread uniformly over persons and their lifetimes. */
export function generateCanonical(dir: string, persons: number, events: number, seed = 1): void {
  const rand = prng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const birth = new Int32Array(persons);
  const death = new Int32Array(persons).fill(WINDOW_END);
  const ids: string[] = new Array(persons);
  const p = new ChunkWriter(join(dir, 'persons.csv'), 'person_id,birth_date,sex,area,language_group,death_date');
  const l = new ChunkWriter(join(dir, 'links.csv'), 'person_id,related_id,relation,start_date,end_date');
  const o = new ChunkWriter(join(dir, 'observation_periods.csv'), 'person_id,start_date,end_date');
  for (let i = 0; i < persons; i++) {
    ids[i] = `P${(i + 1).toString().padStart(8, '0')}`;
    const role = i % 4;
    if (role === 0) birth[i] = int(Date.UTC(1950, 0, 1) / DAY_MS, Date.UTC(1985, 11, 31) / DAY_MS);
    else if (role === 1) birth[i] = birth[i - 1]! + int(-5 * 365, 5 * 365);
    else birth[i] = Math.min(Math.max(birth[i - role]!, birth[i - role + 1]!) + int(18 * 365, 40 * 365), WINDOW_END - 30);
    const dies = rand() < 0.01;
    if (dies) death[i] = int(Math.max(birth[i]!, WINDOW_START), WINDOW_END);
    const sex = role === 0 ? 'F' : role === 1 ? 'M' : rand() < 0.5 ? 'F' : 'M';
    p.line(`${ids[i]},${iso(birth[i]!)},${sex},area${int(1, 40)},${rand() < 0.8 ? 'fi' : 'other'},${dies ? iso(death[i]!) : ''}\n`);
    o.line(`${ids[i]},${iso(Math.max(birth[i]!, WINDOW_START))},${iso(death[i]!)}\n`);
    if (role === 1 && i >= 1) l.line(`${ids[i]},${ids[i - 1]},partner,,\n`);
    if (role >= 2) {
      const family = i - role;
      l.line(`${ids[i]},${ids[family]},mother,,\n`);
      if (family + 1 < persons) l.line(`${ids[i]},${ids[family + 1]},father,,\n`);
      if (role === 3) l.line(`${ids[i]},${ids[i - 1]},sibling,,\n`);
    }
  }
  p.close();
  l.close();
  o.close();
  const e = new ChunkWriter(join(dir, 'events.csv'), 'person_id,time,domain,code,value,end_time,source');
  const isoCache = new Map<number, string>();
  const day = (d: number) => {
    let s = isoCache.get(d);
    if (s === undefined) {
      s = iso(d);
      isoCache.set(d, s);
    }
    return s;
  };
  for (let k = 0; k < events; k++) {
    const i = Math.floor(rand() * persons);
    const lo = Math.max(birth[i]!, WINDOW_START);
    const d = lo + Math.floor(rand() * (death[i]! - lo + 1));
    const dom = Math.floor(rand() * DOMAINS.length);
    const code = `${DOMAINS[dom]!.slice(0, 3).toUpperCase()}${Math.floor(rand() ** 2 * CODES_PER_DOMAIN)}`;
    const value = rand() < 0.1 ? (rand() * 100).toFixed(1) : '';
    e.line(`${ids[i]},${day(d)},${DOMAINS[dom]},${code},${value},,${rand() < 0.5 ? 'reg' : ''}\n`);
  }
  e.close();
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function runChild(args: string[]): ChildResult {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [self, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] });
  const lastLine = r.stdout.trim().split('\n').pop() ?? '';
  if (r.status !== 0) throw new Error(`child ${args[0]} exited with ${r.status}: ${lastLine}`);
  return JSON.parse(lastLine) as ChildResult;
}

async function childIngest(input: string, out: string, threads: string | undefined): Promise<void> {
  const { runCli } = await import('../src/cli/main.js');
  let stdout = '';
  const io = {
    stdout: (t: string) => {
      stdout += t;
    },
    stderr: (t: string) => {
      process.stderr.write(`${t}\n`);
    },
    isTty: false,
  };
  const t0 = performance.now();
  const threadArgs = threads === undefined ? [] : ['--threads', threads];
  const code = await runCli(['ingest', '--input', input, '--out', out, '--demo-key', '--extraction-date', EXTRACTION_DATE, '--json', ...threadArgs], io);
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`ingest exited with ${code}`);
  const summary = JSON.parse(stdout) as { totals: { read: number }; counts: { events: number; persons: number }; inputs: { table: string; read: number }[] };
  const eventsRead = summary.inputs.filter((f) => f.table === 'events').reduce((s, f) => s + f.read, 0);
  const result: ChildResult = { wallMs, cpuMs: cpuMs(), maxRssKb: process.resourceUsage().maxRSS, detail: { eventsRead, eventsStored: summary.counts.events, persons: summary.counts.persons, rowsRead: summary.totals.read } };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function childDuckdb(file: string): Promise<void> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  const t0 = performance.now();
  const reader = await conn.runAndReadAll(
    `SELECT count(*) AS persons, sum(n) AS events FROM (SELECT person_id, count(*) AS n, min(time), max(code) FROM read_csv('${file.replace(/'/g, "''")}', header = true, all_varchar = true) GROUP BY person_id)`,
  );
  const wallMs = performance.now() - t0;
  const [persons, events] = reader.getRowsJS()[0]!;
  conn.closeSync();
  instance.closeSync();
  process.stdout.write(`${JSON.stringify({ wallMs, cpuMs: cpuMs(), maxRssKb: process.resourceUsage().maxRSS, detail: { persons: Number(persons), events: Number(events) } })}\n`);
}

/**
 * The store's histories in three shard formats: bytes, encode and decode time (one thread). Parquet is written by
 * DuckDB from the events CSV (flat rows, raw ids: only its size and the JavaScript read time compare).
 */
async function compareFormats(storeDir: string, eventsFile: string, dir: string): Promise<void> {
  const { openStore } = await import('../src/store/reader.js');
  const { decodeShard, encodeShard } = await import('../src/store/shard-codec.js');
  const { gunzipSync, gzipSync } = await import('node:zlib');
  const store = await openStore(storeDir);
  const shards: PersonHistory[][] = [];
  for (let i = 0; i < store.shardCount; i++) shards.push(await store.readShard(i));
  const events = shards.flat().reduce((n, p) => n + p.events.length, 0);
  const per = (ms: number) => `${((ms / events) * 1e6).toFixed(0)} ns/event`;
  // Best of three: the first run pays for compilation, and the machine is shared.
  const time = <T>(f: () => T): [T, number] => {
    let best = Number.POSITIVE_INFINITY;
    let v: T | undefined;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      v = f();
      best = Math.min(best, performance.now() - t0);
    }
    return [v as T, best];
  };
  const [spb, spbEnc] = time(() => shards.map((s) => encodeShard(s)));
  const [, spbDec] = time(() => spb.map((b) => decodeShard(b)));
  const report = (name: string, bytes: number, enc: number, dec: number) =>
    console.log(`  ${name.padEnd(28)} ${(bytes / 2 ** 20).toFixed(1).padStart(7)} MiB  encode ${per(enc).padStart(14)}  decode ${per(dec).padStart(14)}`);
  console.log(`shard formats on ${events.toLocaleString('en-US')} events:`);
  report('spb1 (chosen)', spb.reduce((n, b) => n + b.length, 0), spbEnc, spbDec);
  for (const level of [1, 6]) {
    const [gz, enc] = time(() => shards.map((s) => gzipSync(s.map((p) => JSON.stringify(p)).join('\n'), { level })));
    const [, dec] = time(() => gz.map((b) => gunzipSync(b).toString('utf8').split('\n').map((l) => JSON.parse(l))));
    report(`NDJSON + gzip ${level}`, gz.reduce((n, b) => n + b.length, 0), enc, dec);
  }
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  const parquet = join(dir, 'events.parquet');
  const [, pqEnc] = await (async () => {
    const t0 = performance.now();
    await conn.run(`COPY (SELECT * FROM read_csv('${eventsFile}', header = true, all_varchar = true) ORDER BY person_id, time) TO '${parquet}' (FORMAT parquet)`);
    return [null, performance.now() - t0] as const;
  })();
  conn.closeSync();
  instance.closeSync();
  const { asyncBufferFromFile, parquetReadObjects } = await import('hyparquet');
  let pqDec = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await parquetReadObjects({ file: await asyncBufferFromFile(parquet) });
    pqDec = Math.min(pqDec, performance.now() - t0);
  }
  report('Parquet (DuckDB, hyparquet)', statSync(parquet).size, pqEnc, pqDec);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s`;

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child-ingest') return childIngest(args[1]!, args[2]!, args[3]);
  if (args[0] === '--child-duckdb') return childDuckdb(args[1]!);

  const events = Number(option(args, 'events') ?? 1_000_000);
  const persons = Number(option(args, 'persons') ?? Math.max(100, Math.round(events / 71)));
  const dir = option(args, 'dir') ?? mkdtempSync(join(tmpdir(), 'sp-bench-ingest-'));
  const input = join(dir, 'input');
  rmSync(input, { recursive: true, force: true });
  rmSync(join(dir, 'store'), { recursive: true, force: true });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(input, { recursive: true });
  try {
    let t = performance.now();
    generateCanonical(input, persons, events);
    if (args.includes('--gzip')) {
      await pipeline(createReadStream(join(input, 'events.csv')), createGzip({ level: 6 }), createWriteStream(join(input, 'events.csv.gz')));
      rmSync(join(input, 'events.csv'));
    }
    const eventsFile = join(input, args.includes('--gzip') ? 'events.csv.gz' : 'events.csv');
    const bytes = statSync(eventsFile).size;
    console.log(`generated ${persons.toLocaleString('en-US')} persons, ${events.toLocaleString('en-US')} events (${(bytes / 2 ** 20).toFixed(0)} MiB ${eventsFile.endsWith('.gz') ? 'gzip' : 'CSV'}) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    t = performance.now();
    const threads = option(args, 'threads');
    const ingest = runChild(['--child-ingest', input, join(dir, 'store'), ...(threads === undefined ? [] : [threads])]);
    const detail = ingest.detail as { eventsRead: number; eventsStored: number; rowsRead: number };
    console.log(
      `servicepath ingest: ${(ingest.wallMs / 1000).toFixed(1)} s wall (${(ingest.cpuMs / 1000).toFixed(1)} s CPU), ${rate(detail.eventsRead, ingest.wallMs)} events end to end ` +
        `(${rate(detail.rowsRead, ingest.wallMs)} rows of all tables), peak RSS ${mb(ingest.maxRssKb)}, ${detail.eventsStored.toLocaleString('en-US')} events stored`,
    );
    const storeBytes = spawnSync('du', ['-sb', join(dir, 'store')], { encoding: 'utf8' }).stdout.split('\t')[0];
    console.log(`store size: ${(Number(storeBytes) / 2 ** 20).toFixed(0)} MiB`);
    if (!args.includes('--skip-duckdb')) {
      const duck = runChild(['--child-duckdb', eventsFile]);
      console.log(
        `DuckDB read_csv + group by person (2 threads): ${(duck.wallMs / 1000).toFixed(1)} s wall (${(duck.cpuMs / 1000).toFixed(1)} s CPU), ${rate(events, duck.wallMs)} rows, peak RSS ${mb(duck.maxRssKb)}; ` +
          `ingest takes ${(ingest.wallMs / duck.wallMs).toFixed(1)}x DuckDB's time`,
      );
    }
    if (args.includes('--formats')) await compareFormats(join(dir, 'store'), eventsFile, dir);
    console.log(`wall time of the whole benchmark: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  } finally {
    if (!args.includes('--keep') && option(args, 'dir') === undefined) rmSync(dir, { recursive: true, force: true });
    else if (!args.includes('--keep')) {
      rmSync(input, { recursive: true, force: true });
      rmSync(join(dir, 'store'), { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
