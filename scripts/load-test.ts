// Load test of the service on 127.0.0.1 with autocannon: /score (with the bare-Fastify ceiling measured in the
// same run), /interventions, a hostile phase (one client sending maximal /interventions requests in a loop while
// /healthz and /score are measured at 10 connections), and a soak run checking errors, tensor count and RSS.
// Prints figures; asserts nothing.
//   npm run build && node dist/scripts/load-test.js --models DIR [--model NAME] [--seconds 10] [--repeat 3] [--soak-seconds 60]
//     [--serve-args="--batch-window-ms 1 --max-batch-paths 32"]   (extra serve options, for tuning; note the =)
//     [--node-args="--max-semi-space-size=32 --min-semi-space-size=32"]   (node flags of the servers: the default is
//     the servicepath binary's own, "" for none)
//   node dist/scripts/load-test.js --stub   (no bundle: a stub scorer, to measure the service's own overhead)
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SERVE_NODE_FLAGS } from '../src/serve/young-generation.js';

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const HOST = '127.0.0.1';
const self = fileURLToPath(import.meta.url);
const mainJs = join(self, '..', '..', 'src', 'cli', 'main.js');

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    model: { type: 'string', default: 'cw' },
    stub: { type: 'boolean' },
    seconds: { type: 'string', default: '10' },
    /** Runs of the /score phase; the median run's figures are printed after them (the machine is noisy). */
    repeat: { type: 'string', default: '3' },
    'soak-seconds': { type: 'string', default: '60' },
    'serve-stub': { type: 'boolean' },
    'serve-bare': { type: 'boolean' },
    /** Extra `servicepath serve` options, space-separated (e.g. "--batch-window-ms 1 --max-batch-paths 32"). */
    'serve-args': { type: 'string', default: '' },
    /** Node flags of both servers (the service and the bare ceiling); default the servicepath binary's (SERVE_NODE_FLAGS). */
    'node-args': { type: 'string', default: SERVE_NODE_FLAGS.join(' ') },
  },
});
const nodeArgs = (values['node-args'] ?? '').split(' ').filter((a) => a !== '');
// Bounded: at most 30 s per phase and 120 s of soak, whatever is asked.
const seconds = Math.min(30, Math.max(1, Number(values.seconds)));
const soakSeconds = Math.min(120, Math.max(0, Number(values['soak-seconds'])));
const repeat = Math.min(9, Math.max(1, Math.floor(Number(values.repeat))));

/** A 64-event path; `variant` moves its index date k days on, so that no two variants share features. */
function path64(variant = 0): unknown {
  const domains = ['health', 'social_work', 'early_education', 'income_support'];
  return {
    indexAgeDays: 20 + 63 * 25 + variant,
    events: Array.from({ length: 64 }, (_, i) => ({ code: `C${i % 17}`, domain: domains[i % 4], relation: i % 5 === 0 ? 'mother' : 'self', ageDays: 20 + i * 25 })),
  };
}

/**
 * The largest path the API takes (512 events over 18 years, the generator's codes, child and mother) with a
 * 20-service catalogue on a quarterly grid: about 2,000 variants, the most costly request the default limit lets
 * through for the default GRU.
 */
function maximalInterventions(): unknown {
  const codes: [string, string, 'self' | 'mother'][] = [
    ['NEUVOLA_VISIT', 'health', 'self'],
    ['MH_ADULT_VISIT', 'mental_health', 'mother'],
    ['INCOME_SUPPORT', 'income_support', 'mother'],
    ['ER_VISIT', 'health', 'self'],
    ['NEUVOLA_NO_SHOW', 'health', 'self'],
    ['SUD_VISIT', 'substance_abuse', 'mother'],
    ['DEV_CONCERN', 'health', 'self'],
    ['CW_NOTIFICATION', 'child_welfare', 'self'],
  ];
  const events = Array.from({ length: 512 }, (_, i) => {
    const [code, domain, relation] = codes[(i * 5) % codes.length]!;
    return { code, domain, relation, ageDays: Math.round((i * 6500) / 511) };
  });
  return {
    path: { indexAgeDays: 6574, events },
    catalogue: {
      services: Array.from({ length: 20 }, (_, i) => ({ code: `SERVICE_${i}`, domain: 'social_work', label: `Service ${i}`, labelFi: `Palvelu ${i}` })),
      insertion: { fromAgeDays: 0, stepDays: 91 },
    },
    topK: 10,
  };
}

function catalogue10(): unknown {
  return {
    services: Array.from({ length: 10 }, (_, i) => ({ code: `SERVICE_${i}`, domain: 'social_work', label: `Service ${i}`, labelFi: `Palvelu ${i}` })),
    insertion: { fromAgeDays: 0, stepDays: 365 },
  };
}

/** Child-process modes: the trivial Fastify route, or the service with a stub scorer (no model). */
async function serveChild(): Promise<void> {
  if (values['serve-bare'] === true) {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    app.post('/bare', async () => ({ ok: true }));
    console.log(`listening ${await app.listen({ host: HOST, port: 0 })}`);
    return;
  }
  const { startServer } = await import('../src/serve/server.js');
  const { sha256Hex } = await import('../src/util/hash.js');
  const { TaskSpecSchema } = await import('../src/schemas/task.js');
  const estimate = { estimate: 0.5, lower: 0.5, upper: 0.5, replicates: 0 };
  const overall = { auroc: estimate, auprc: estimate, brier: estimate, calibrationSlope: estimate, calibrationIntercept: estimate, ece: estimate };
  const dir = mkdtempSync(join(tmpdir(), 'sp-load-stub-'));
  const models = join(dir, 'models', 'cw', '1');
  (await import('node:fs')).mkdirSync(models, { recursive: true });
  const scorer = {
    modelKind: 'logreg' as const,
    scoreTrajectories: async (paths: readonly { events: unknown[] }[]) => paths.map((p) => new Float64Array(p.events.length).fill(0.1)),
  };
  const server = await startServer({
    host: HOST,
    port: 0,
    modelsDir: join(dir, 'models'),
    loader: async (d) => ({
      dir: d,
      manifest: {
        name: 'cw',
        version: '1',
        id: `sha256:${'0'.repeat(64)}`,
        createdAt: new Date().toISOString(),
        modelKind: 'logreg' as const,
        task: TaskSpecSchema.parse({ name: 'stub', index: { rule: 'age', ageDays: 1096 }, lookbackDays: 1096, outcome: { codes: ['X'] }, horizonDays: 1096 }),
        signature: { input: 'Path' as const, output: 'trajectory' as const },
      },
      scorer,
      preprocessing: { vocab: ['<pad>', '<unk>'] },
      catalogue: catalogue10() as never,
      cohortPaths: { formatVersion: 1, privacy: { k: 10, minCount: 5, roundTo: 5 }, grouping: '', bands: [], sourcePersons: 0, paths: [] },
      metrics: { test: { n: 0, positives: 0, overall } },
      card: { json: {}, markdown: '', html: '' },
      dispose: () => undefined,
    }),
    tokens: [{ id: 'load', role: 'admin', sha256: sha256Hex('load-token') }],
    auditLogFile: join(dir, 'audit.jsonl'),
    rateLimit: false,
    watch: false,
  });
  console.log(`servicepath serving at ${server.url}`);
  await server.closed;
  rmSync(dir, { recursive: true, force: true });
}

function start(args: string[], pattern: RegExp): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
    setTimeout(() => reject(new Error(`server did not start in 120 s: ${err}`)), 120_000).unref();
  });
}

/** CPU time (user + system, ms) a process has used, from /proc (Linux); null elsewhere. */
function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms (USER_HZ 100)
  } catch {
    return null;
  }
}

/** Resident set size (bytes) of a process, from /proc (Linux); null elsewhere. */
function rssBytes(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * One autocannon phase. Besides throughput and latency it prints the machine's 1-minute load average and the
 * server's CPU time per request: on a shared machine the latter moves far less with the neighbours' load.
 */
async function cannon(name: string, opts: Record<string, unknown>, server?: ChildProcess): Promise<CannonResult> {
  const load = loadavg()[0]!.toFixed(1);
  const cpuBefore = cpuMs(server?.pid);
  const r = await autocannon({ method: 'POST', headers: { 'content-type': 'application/json' }, ...opts });
  const cpuAfter = cpuMs(server?.pid);
  const perRequest = cpuBefore === null || cpuAfter === null || r.requests.total === 0 ? '' : `  server CPU ${((1000 * (cpuAfter - cpuBefore)) / r.requests.total).toFixed(0)} us/req`;
  console.log(
    `${name.padEnd(34)} ${r.requests.average.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  max ${r.latency.max} ms  errors ${r.errors}  timeouts ${r.timeouts}  non2xx ${r.non2xx}  (load ${load})${perRequest}`,
  );
  return r;
}

async function gauges(url: string, token: string): Promise<{ rss: number; tensors: number | null }> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
  const read = (name: string) => {
    const m = new RegExp(`^${name}(?:\\{\\})? (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  return { rss: read('servicepath_process_resident_memory_bytes') ?? Number.NaN, tensors: read('servicepath_tensors') };
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'sp-load-'));
  try {
    let service: { child: ChildProcess; url: string };
    let token = 'load-token';
    const model = values.stub === true ? 'cw' : values.model!;
    if (values.stub === true) {
      service = await start([self, '--serve-stub'], /serving at (http:\/\/\S+)/);
    } else {
      if (values.models === undefined) throw new Error('give --models DIR (a folder of bundles) or --stub');
      const { createHash, randomBytes } = await import('node:crypto');
      token = randomBytes(24).toString('base64url');
      const tokens = join(dir, 'tokens.json');
      writeFileSync(tokens, JSON.stringify({ tokens: [{ id: 'load', role: 'admin', sha256: createHash('sha256').update(token).digest('hex') }] }));
      // A keyed audit log, as in production: the figures include each entry's MAC and the checkpoints.
      const keys = join(dir, 'keys');
      execFileSync(process.execPath, [mainJs, 'keys', 'audit', '--out', keys], { stdio: 'ignore' });
      service = await start(
        [mainJs, 'serve', '--models', values.models, '--host', HOST, '--port', '0', '--tokens', tokens, '--rate-limit', '0', '--audit-log', join(dir, 'audit.jsonl'), '--audit-key', join(keys, 'audit.key'), '--no-watch', '--allow-unsigned', ...(values['serve-args'] ?? '').split(' ').filter((a) => a !== '')],
        /serving at (http:\/\/\S+)/,
      );
    }
    children.push(service.child);
    const bare = await start([self, '--serve-bare'], /listening (http:\/\/\S+)/);
    children.push(bare.child);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const scoreBody = JSON.stringify({ paths: [path64()] });
    // Every /score request carries a different path (512 variants in turn): identical bodies would let the
    // micro-batcher's and the treatment-aware scorer's sharing of equal histories flatter the figures.
    const scoreBodies = Array.from({ length: 512 }, (_, k) => JSON.stringify({ paths: [path64(k)] }));
    let nextBody = 0;
    const variedScore = [{ method: 'POST', setupRequest: (req: Record<string, unknown>) => ({ ...req, body: scoreBodies[nextBody++ % scoreBodies.length] }) }];
    console.log(`servicepath load test on ${HOST} (${values.stub === true ? 'stub scorer, no model' : `bundle ${model} from ${values.models}`}); ${seconds} s per phase`);
    console.log(`Figures are noisy: the server, the bare server and autocannon share the machine. Node flags of the servers: ${nodeArgs.join(' ') || '(none)'}`);

    await cannon('warm-up /score (2 s)', { url: `${service.url}/v1/models/${model}/score`, headers: auth, body: scoreBody, connections: 10, duration: 2 });
    const ceiling = await cannon('bare Fastify POST, 50 conn', { url: `${bare.url}/bare`, body: scoreBody, connections: 50, duration: seconds }, bare.child);
    const runs: CannonResult[] = [];
    for (let r = 1; r <= repeat; r++) {
      runs.push(
        await cannon(
          `POST /score 64 events, 50 conn${repeat > 1 ? ` (${r}/${repeat})` : ''}`,
          { url: `${service.url}/v1/models/${model}/score`, headers: auth, requests: variedScore, connections: 50, duration: seconds },
          service.child,
        ),
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] as number;
    const rate = median(runs.map((r) => r.requests.average));
    console.log(
      `  median of ${repeat}: ${rate.toFixed(0)} req/s, p99 ${median(runs.map((r) => r.latency.p99))} ms; score / bare ceiling = ${((100 * rate) / ceiling.requests.average).toFixed(1)}%  (target >= 2000 req/s, p99 < 25 ms)`,
    );
    const ivBody = JSON.stringify({ path: path64(), catalogue: catalogue10(), topK: 5 });
    await cannon(
      'POST /interventions 10 svc, 10 conn',
      { url: `${service.url}/v1/models/${model}/interventions`, headers: auth, body: ivBody, connections: 10, duration: seconds },
      service.child,
    );
    console.log('  (target p99 < 150 ms)');

    // Hostile: one client sends maximal /interventions requests back to back while 10 connections measure /healthz,
    // then /score. Sliced scoring keeps the event loop turning between slices of the long request.
    const hostileBody = JSON.stringify(maximalInterventions());
    const probe = await fetch(`${service.url}/v1/models/${model}/interventions`, { method: 'POST', headers: auth, body: hostileBody });
    const probeBody = (await probe.json()) as { variantsScored?: number; error?: { code: string; message: string } };
    console.log(
      `hostile request: 512 events, 20 services, quarterly grid: ${probe.status} ${probe.status === 200 ? `(${probeBody.variantsScored} variants scored)` : `${probeBody.error?.code}: ${probeBody.error?.message}`}`,
    );
    for (const target of ['healthz', 'score'] as const) {
      const hostile = cannon(
        `  hostile /interventions, 1 conn`,
        { url: `${service.url}/v1/models/${model}/interventions`, headers: auth, body: hostileBody, connections: 1, duration: seconds },
        service.child,
      );
      const measured =
        target === 'healthz'
          ? cannon('  beside it: GET /healthz, 10 conn', { method: 'GET', url: `${service.url}/healthz`, headers: {}, connections: 10, duration: seconds })
          : cannon('  beside it: POST /score, 10 conn', { url: `${service.url}/v1/models/${model}/score`, headers: auth, requests: variedScore, connections: 10, duration: seconds });
      await Promise.all([hostile, measured]);
    }
    console.log('  (target: /healthz p99 < 50 ms and /score p99 < 50 ms beside the hostile client)');

    if (soakSeconds > 0) {
      const before = await gauges(service.url, token);
      // RSS once a second from /proc during the soak: one reading before and one after land wherever V8's heap is in
      // its collection cycle (they moved by -5% to +23% between runs of servers whose RSS did not trend), so growth is judged on the
      // trend, the median of the soak's last quarter against that of its first quarter.
      const samples: number[] = [];
      const sampler = setInterval(() => {
        const rss = rssBytes(service.child.pid);
        if (rss !== null) samples.push(rss);
      }, 1000);
      const soak = await cannon(
        `soak /score, 100 conn, ${soakSeconds} s`,
        { url: `${service.url}/v1/models/${model}/score`, headers: auth, requests: variedScore, connections: 100, duration: soakSeconds },
        service.child,
      );
      clearInterval(sampler);
      const after = await gauges(service.url, token);
      const mib = (b: number) => (b / 2 ** 20).toFixed(0);
      const pointGrowth = (100 * (after.rss - before.rss)) / before.rss;
      console.log(`  errors ${soak.errors + soak.timeouts + soak.non2xx}; tensors ${before.tensors} -> ${after.tensors}; RSS before and after ${mib(before.rss)} -> ${mib(after.rss)} MiB (${pointGrowth.toFixed(1)}%)`);
      const quarter = Math.floor(samples.length / 4);
      if (quarter >= 2) {
        const first = median(samples.slice(0, quarter));
        const last = median(samples.slice(samples.length - quarter));
        const growth = (100 * (last - first)) / first;
        console.log(
          `  RSS during the soak (${samples.length} readings, ${mib(Math.min(...samples))}-${mib(Math.max(...samples))} MiB): median of the first quarter ${mib(first)} MiB, of the last ${mib(last)} MiB (${growth.toFixed(1)}%; target < 10%)`,
        );
      }
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (values['serve-stub'] === true || values['serve-bare'] === true) {
  serveChild().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
} else {
  main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
