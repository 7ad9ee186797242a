// The service on real bundles: a logreg and a small GRU trained by the CLI on data-samples/, served through
// loadBundleForServing. Covers the refusal of a tampered version while the good one serves, readiness, reload
// (admin route, SIGHUP and the folder watch), aliases, the input example through the API, k-suppression on a
// real cohort-paths file, the catalogue route and a flat tensor count under repeated scoring; signed bundles:
// served as signed with the trusted key, unsigned and untrusted ones refused without --allow-unsigned.
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type InputExample, InputExampleSchema } from '../../../src/bundle/index.js';
import { readTrustedKeys } from '../../../src/bundle/signing.js';
import { runCli } from '../../../src/cli/main.js';
import { CatalogueSchema } from '../../../src/schemas/catalogue.js';
import { CohortPathsFileSchema } from '../../../src/schemas/cohort-paths.js';
import { buildApp } from '../../../src/serve/app.js';
import { loadBundleForServing, servingLoader, tensorCounter } from '../../../src/serve/default-loader.js';
import { startServer } from '../../../src/serve/server.js';
import { auth, TOKEN_ENTRIES } from './helpers.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
let root: string;
/** Freshly trained bundles, copied into each test's own models folder (cw2, cw3: versions 2 and 3 of cw). */
let trained: { logreg: string; cw2: string; cw3: string; gru: string; signed: string };
/** keys/signing.key signed trained.signed; keys/other.pub is a key that signed nothing. */
let keys: { dir: string; keyId: string; other: string };

async function cli(argv: string[]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTty: false });
  if (code !== 0) throw new Error(`servicepath ${argv.join(' ')} exited ${code}:\n${err.join('\n')}\n${out.join('\n')}`);
  return out.join('\n');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sp-serve-real-'));
  const store = join(root, 'store');
  const out = join(root, 'trained');
  const task = join(REPO, 'data-samples', 'task.json');
  await cli(['ingest', '--input', join(REPO, 'data-samples'), '--format', 'canonical', '--out', store, '--demo-key', '--extraction-date', '2024-01-01']);
  await cli(['train', '--store', store, '--task', task, '--model', 'logreg', '--out', out, '--name', 'cw', '--seed', '7', '--json']);
  // Default backend (auto); the GRU trains without TRAIN_DIVERGED here, so no --backend cpu is needed.
  await cli(['train', '--store', store, '--task', task, '--model', 'gru', '--epochs', '1', '--batch-size', '32', '--out', out, '--name', 'cwgru', '--seed', '7', '--json']);
  const keysDir = join(root, 'keys');
  const { keyId } = JSON.parse(await cli(['keys', 'new', '--out', keysDir, '--json'])) as { keyId: string };
  await cli(['keys', 'new', '--out', join(root, 'other-keys'), '--name', 'other']);
  keys = { dir: keysDir, keyId, other: join(root, 'other-keys', 'other.pub') };
  await cli(['train', '--store', store, '--task', task, '--model', 'logreg', '--out', out, '--name', 'cwsigned', '--seed', '7', '--signing-key', join(keysDir, 'signing.key'), '--json']);
  // Versions 2 and 3 of cw: a bundle serves only from the folder its manifest names (cw/<version>).
  for (const seed of ['8', '9']) await cli(['train', '--store', store, '--task', task, '--model', 'logreg', '--out', out, '--name', 'cw', '--seed', seed, '--json']);
  trained = { logreg: join(out, 'cw', '1'), cw2: join(out, 'cw', '2'), cw3: join(out, 'cw', '3'), gru: join(out, 'cwgru', '1'), signed: join(out, 'cwsigned', '1') };
  // Whatever its split (cw@3's validation split has one or two outcomes), a trained bundle passes its own privacy audit.
  for (const dir of Object.values(trained)) await cli(['privacy-check', '--bundle', dir]);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A models folder for one test: cw/1 good, cw/2 (version 2 of cw) with one byte of its weights flipped. */
function modelsFolder(opts: { tampered?: boolean; gru?: boolean } = {}): string {
  const models = mkdtempSync(join(root, 'models-'));
  cpSync(trained.logreg, join(models, 'cw', '1'), { recursive: true });
  if (opts.tampered === true) {
    const dir = join(models, 'cw', '2');
    cpSync(trained.cw2, dir, { recursive: true });
    const weights = join(dir, 'logreg.json');
    const bytes = readFileSync(weights);
    const at = bytes.indexOf('.') + 1; // a digit after the first decimal point: still valid JSON
    bytes[at] = bytes[at] === 0x31 ? 0x32 : 0x31;
    writeFileSync(weights, bytes);
  }
  if (opts.gru === true) cpSync(trained.gru, join(models, 'cwgru', '1'), { recursive: true });
  return models;
}

/** Drops a bundle in the way writeBundle does: a temporary folder (skipped by the registry), then one rename. */
function dropVersion(models: string, name: string, version: string, from: string): void {
  const tmp = join(models, name, `.tmp-${version}`);
  cpSync(from, tmp, { recursive: true });
  renameSync(tmp, join(models, name, version));
}

/** The service's log lines, parsed (pino JSON). */
function logSink(): { lines: Record<string, unknown>[]; logger: { level: string; stream: { write: (s: string) => void } } } {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: { level: 'info', stream: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } } };
}

async function realApp(models: string, extra: Partial<Parameters<typeof buildApp>[0]> = {}): Promise<FastifyInstance> {
  return buildApp({ modelsDir: models, loader: loadBundleForServing, tokens: TOKEN_ENTRIES, rateLimit: false, tensorCount: tensorCounter(), ...extra });
}

function inputExample(dir: string): InputExample {
  return InputExampleSchema.parse(JSON.parse(readFileSync(join(dir, 'input-example.json'), 'utf8')));
}

async function versionStatus(app: FastifyInstance, name: string): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'GET', url: `/v1/models/${name}`, headers: auth('planner') });
  if (res.statusCode !== 200) return {};
  return Object.fromEntries((res.json().versions as { version: string; status: string }[]).map((v) => [v.version, v.status]));
}

describe('the service on real bundles', () => {
  it('refuses the tampered cw@2 with a clear log line while cw@1 serves scores and interventions', async () => {
    const sink = logSink();
    const app = await realApp(modelsFolder({ tampered: true }), { logger: sink.logger });
    try {
      const refused = sink.lines.filter((l) => l.level === 50 && String(l.msg).startsWith('bundle refused: cw@2'));
      expect(refused).toHaveLength(1);
      expect(refused[0]!.msg).toContain('BUNDLE_VERIFY_FAILED');
      expect(refused[0]!.msg).toContain('files (BUNDLE_CHECKSUM_MISMATCH)');
      expect(refused[0]!.msg).toContain('logreg.json');
      expect(sink.lines.some((l) => String(l.msg) === 'model cw@1 loaded')).toBe(true);

      const model = await app.inject({ method: 'GET', url: '/v1/models/cw', headers: auth('planner') });
      const versions = model.json().versions as Record<string, unknown>[];
      expect(versions.map((v) => [v.version, v.status])).toEqual([
        ['2', 'refused'],
        ['1', 'ready'],
      ]);
      const good = versions[1]!;
      const manifest = JSON.parse(readFileSync(join(trained.logreg, 'manifest.json'), 'utf8'));
      const metrics = JSON.parse(readFileSync(join(trained.logreg, 'metrics.json'), 'utf8'));
      expect(good).toMatchObject({ id: manifest.id, modelKind: 'logreg', createdAt: manifest.createdAt, signature: { input: 'Path', output: 'trajectory' }, signed: false, signingKeyId: null });
      expect((good.task as { name: string }).name).toBe('cw-care-after-age-3');
      expect(good.headlineMetrics).toEqual({
        split: 'test',
        n: metrics.test.n,
        positives: metrics.test.positives,
        auroc: metrics.test.overall.auroc,
        auprc: metrics.test.overall.auprc,
        brier: metrics.test.overall.brier,
        calibrationSlope: metrics.test.overall.calibrationSlope,
        ece: metrics.test.overall.ece,
      });
      expect(versions[0]).toMatchObject({ id: null, headlineMetrics: null, signed: null, error: { code: 'BUNDLE_VERIFY_FAILED', message: expect.stringContaining('files (BUNDLE_CHECKSUM_MISMATCH)') } });

      const path = inputExample(trained.logreg).examples[0]!.path;
      const bad = await app.inject({ method: 'POST', url: '/v1/models/cw@2/score', headers: auth('planner'), payload: { paths: [path] } });
      expect(bad.statusCode).toBe(503);
      expect(bad.json().error.code).toBe('SERVE_MODEL_UNAVAILABLE');
      // A bare name falls back to the newest version that loaded.
      const score = await app.inject({ method: 'POST', url: '/v1/models/cw/score', headers: auth('planner'), payload: { paths: [path] } });
      expect(score.statusCode).toBe(200);
      expect(score.json()).toMatchObject({ model: 'cw', version: '1', modelKind: 'logreg' });
      const iv = await app.inject({ method: 'POST', url: '/v1/models/cw@1/interventions', headers: auth('planner'), payload: { path, topK: 3 } });
      expect(iv.statusCode).toBe(200);
      const body = iv.json();
      expect(body).toMatchObject({ model: 'cw', version: '1' });
      expect(body.candidates.length).toBeGreaterThan(0);
      expect(body.candidates.length).toBeLessThanOrEqual(3);
      expect(body.trajectory).toHaveLength(path.events.length);
      expect(body.caveat.length).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  it('serves a bundle signed with a trusted key as signed; refuses unsigned and untrusted ones unless unsigned are allowed', async () => {
    const models = mkdtempSync(join(root, 'models-'));
    cpSync(trained.signed, join(models, 'cwsigned', '1'), { recursive: true });
    cpSync(trained.logreg, join(models, 'cw', '1'), { recursive: true });
    const path = inputExample(trained.logreg).examples[0]!.path;
    const trusted = await readTrustedKeys([keys.dir]);
    const other = await readTrustedKeys([keys.other]);
    type Summary = { name: string; versions: { status: string; signed: boolean | null; signingKeyId: string | null; error: { code: string; message: string } | null }[] };
    const summaries = async (app: FastifyInstance) => {
      const res = await app.inject({ method: 'GET', url: '/v1/models', headers: auth('planner') });
      expect(res.statusCode).toBe(200);
      return Object.fromEntries((res.json().models as Summary[]).map((m) => [m.name, m.versions[0]!]));
    };
    const scoreStatus = async (app: FastifyInstance, name: string) =>
      (await app.inject({ method: 'POST', url: `/v1/models/${name}/score`, headers: auth('planner'), payload: { paths: [path] } })).statusCode;

    // serve --trusted-keys keys/: the signed bundle serves as signed, the unsigned one is refused.
    const strict = await realApp(models, { loader: servingLoader({ trustedKeys: trusted, allowUnsigned: false }) });
    try {
      const s = await summaries(strict);
      expect(s.cwsigned).toMatchObject({ status: 'ready', signed: true, signingKeyId: keys.keyId, error: null });
      expect(s.cw).toMatchObject({ status: 'refused', signed: null, error: { code: 'BUNDLE_VERIFY_FAILED', message: expect.stringContaining('signature (BUNDLE_UNSIGNED)') } });
      expect(await scoreStatus(strict, 'cwsigned')).toBe(200);
      expect(await scoreStatus(strict, 'cw@1')).toBe(503);
    } finally {
      await strict.close();
    }
    // serve --trusted-keys other.pub: the bundle's key is not trusted.
    const untrusted = await realApp(models, { loader: servingLoader({ trustedKeys: other, allowUnsigned: false }) });
    try {
      const s = await summaries(untrusted);
      expect(s.cwsigned).toMatchObject({ status: 'refused', error: { code: 'BUNDLE_VERIFY_FAILED', message: expect.stringContaining('signature (BUNDLE_SIGNATURE_UNTRUSTED)') } });
      expect(s.cw!.status).toBe('refused');
    } finally {
      await untrusted.close();
    }
    // serve --trusted-keys other.pub --allow-unsigned: both serve, shown as not signed by a trusted key.
    const allowed = await realApp(models, { loader: servingLoader({ trustedKeys: other, allowUnsigned: true }) });
    try {
      const s = await summaries(allowed);
      expect(s.cwsigned).toMatchObject({ status: 'ready', signed: false, signingKeyId: keys.keyId });
      expect(s.cw).toMatchObject({ status: 'ready', signed: false, signingKeyId: null });
      expect(await scoreStatus(allowed, 'cw')).toBe(200);
    } finally {
      await allowed.close();
    }
  });

  it('is not ready while a version is refused, and ready after it is removed and the admin reload runs', async () => {
    const models = modelsFolder({ tampered: true });
    const app = await realApp(models);
    try {
      const before = await app.inject({ method: 'GET', url: '/readyz' });
      expect(before.statusCode).toBe(503);
      expect(before.json().error.code).toBe('SERVE_NOT_READY');
      expect(before.json().error.message).toContain('cw@2');
      rmSync(join(models, 'cw', '2'), { recursive: true });
      const reload = await app.inject({ method: 'POST', url: '/v1/admin/reload', headers: auth('admin') });
      expect(reload.json()).toEqual({ ready: true, detail: '1 bundle(s) ready' });
      const after = await app.inject({ method: 'GET', url: '/readyz' });
      expect(after.statusCode).toBe(200);
      expect(after.json().status).toBe('ready');
    } finally {
      await app.close();
    }
  });

  it('refuses a genuine bundle copied into another version or name folder, naming both; the others serve', async () => {
    const models = modelsFolder();
    cpSync(trained.logreg, join(models, 'cw', '7'), { recursive: true });
    cpSync(trained.logreg, join(models, 'other', '1'), { recursive: true });
    const app = await realApp(models);
    try {
      const listed = (await app.inject({ method: 'GET', url: '/v1/models', headers: auth('planner') })).json() as {
        models: { name: string; versions: { version: string; status: string; error: { code: string; message: string } | null }[] }[];
      };
      const version = (name: string, v: string) => listed.models.find((m) => m.name === name)!.versions.find((x) => x.version === v)!;
      expect(version('cw', '1').status).toBe('ready');
      expect(version('cw', '7').status).toBe('refused');
      expect(version('cw', '7').error?.code).toBe('BUNDLE_MANIFEST_MISMATCH');
      expect(version('cw', '7').error?.message).toContain('the manifest names cw@1, the folder cw/7');
      expect(version('other', '1').error?.message).toContain('the manifest names cw@1, the folder other/1');
    } finally {
      await app.close();
    }
  });

  it('reloads on SIGHUP: a repaired version becomes ready', async () => {
    const models = modelsFolder({ tampered: true });
    const server = await startServer({ host: '127.0.0.1', port: 0, modelsDir: models, loader: loadBundleForServing, tokens: TOKEN_ENTRIES, watch: false });
    try {
      expect(server.app.registry.readiness().ready).toBe(false);
      rmSync(join(models, 'cw', '2'), { recursive: true });
      dropVersion(models, 'cw', '2', trained.cw2);
      const reloadsBefore = server.app.registry.reloads;
      process.emit('SIGHUP', 'SIGHUP');
      await vi.waitFor(() => expect(server.app.registry.reloads).toBeGreaterThan(reloadsBefore), { timeout: 30_000, interval: 20 });
      expect(await versionStatus(server.app, 'cw')).toEqual({ '1': 'ready', '2': 'ready' });
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('hot-reloads a version dropped into the watched folder', async () => {
    const models = modelsFolder();
    const app = await realApp(models, { watch: true, reloadDebounceMs: 50 });
    try {
      expect(await versionStatus(app, 'cw')).toEqual({ '1': 'ready' });
      dropVersion(models, 'cw', '3', trained.cw3);
      await vi.waitFor(async () => expect(await versionStatus(app, 'cw')).toEqual({ '1': 'ready', '3': 'ready' }), { timeout: 30_000, interval: 50 });
      const score = await app.inject({ method: 'POST', url: '/v1/models/cw/score', headers: auth('planner'), payload: { paths: [inputExample(trained.logreg).examples[0]!.path] } });
      expect(score.json().version).toBe('3');
    } finally {
      await app.close();
    }
  });

  it.each(['logreg', 'gru'] as const)('scores the %s bundle\'s input example through the API as stored', async (kind) => {
    const app = await realApp(modelsFolder({ gru: true }));
    try {
      const name = kind === 'logreg' ? 'cw' : 'cwgru';
      const example = inputExample(trained[kind]);
      const res = await app.inject({ method: 'POST', url: `/v1/models/${name}@1/score`, headers: auth('planner'), payload: { paths: example.examples.map((e) => e.path) } });
      expect(res.statusCode).toBe(200);
      expect(res.json().modelKind).toBe(kind);
      const trajectories = res.json().trajectories as { risks: number[]; finalRisk: number }[];
      expect(trajectories).toHaveLength(example.examples.length);
      example.examples.forEach((e, i) => {
        const got = trajectories[i]!.risks;
        expect(got).toHaveLength(e.expected.length);
        for (const [step, r] of got.entries()) expect(Math.abs(r - e.expected[step]!)).toBeLessThanOrEqual(example.tolerance);
        expect(trajectories[i]!.finalRisk).toBe(got[got.length - 1]);
      });
    } finally {
      await app.close();
    }
  });

  it('resolves versions and aliases (cw@1, cw@production, a bare name follows production)', async () => {
    const models = modelsFolder();
    dropVersion(models, 'cw', '2', trained.cw2);
    writeFileSync(join(models, 'cw', 'aliases.json'), JSON.stringify({ production: '1', candidate: '2' }));
    const app = await realApp(models);
    try {
      const path = inputExample(trained.logreg).examples[0]!.path;
      const versionOf = async (ref: string) => (await app.inject({ method: 'POST', url: `/v1/models/${ref}/score`, headers: auth('planner'), payload: { paths: [path] } })).json().version;
      expect(await versionOf('cw@1')).toBe('1');
      expect(await versionOf('cw@2')).toBe('2');
      expect(await versionOf('cw@production')).toBe('1');
      expect(await versionOf('cw@candidate')).toBe('2');
      expect(await versionOf('cw')).toBe('1');
      const missing = await app.inject({ method: 'POST', url: '/v1/models/cw@staging/score', headers: auth('planner'), payload: { paths: [path] } });
      expect(missing.statusCode).toBe(404);
      expect(missing.json().error.code).toBe('SERVE_MODEL_NOT_FOUND');
      const model = await app.inject({ method: 'GET', url: '/v1/models/cw', headers: auth('planner') });
      expect(model.json()).toMatchObject({ aliases: { production: '1', candidate: '2' }, defaultVersion: '1' });
    } finally {
      await app.close();
    }
  });

  it('keeps groups under k suppressed in the cohort-path route on the real file', async () => {
    const app = await realApp(modelsFolder());
    try {
      const file = CohortPathsFileSchema.parse(JSON.parse(readFileSync(join(trained.logreg, 'cohort-paths.json'), 'utf8')));
      const { k } = file.privacy;
      const suppressedInFile = file.paths.flatMap((p) => p.followedBy).filter((f) => 'suppressed' in f.received || 'suppressed' in f.notReceived);
      expect(suppressedInFile.length).toBeGreaterThan(0); // the sample is small: most followed-by groups are under k
      const res = await app.inject({ method: 'GET', url: '/v1/models/cw/cohort-paths?limit=200', headers: auth('planner') });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { privacy: { k: number }; total: number; paths: typeof file.paths };
      expect(body.privacy.k).toBe(k);
      expect(body.total).toBe(file.paths.filter((p) => p.persons >= k).length);
      expect(body.paths.length).toBeGreaterThan(0);
      let suppressed = 0;
      for (const p of body.paths) {
        expect(p.persons).toBeGreaterThanOrEqual(k);
        for (const f of p.followedBy) {
          const sides = [f.received, f.notReceived];
          if (sides.some((s) => 'suppressed' in s)) {
            expect(sides).toMatchObject([{ suppressed: true }, { suppressed: true }]);
            suppressed++;
          } else {
            for (const s of sides) expect((s as { persons: number }).persons).toBeGreaterThanOrEqual(k);
          }
        }
      }
      expect(suppressed).toBe(suppressedInFile.length);
      // Filtering by a service whose groups are suppressed still shows them suppressed.
      const service = suppressedInFile[0]!.code;
      const filtered = await app.inject({ method: 'GET', url: `/v1/models/cw/cohort-paths?service=${encodeURIComponent(service)}`, headers: auth('planner') });
      for (const p of filtered.json().paths as typeof file.paths) {
        for (const f of p.followedBy.filter((x) => x.code === service)) {
          if ('suppressed' in f.received || 'suppressed' in f.notReceived) expect(f.received).toMatchObject({ suppressed: true });
        }
      }
    } finally {
      await app.close();
    }
  });

  it('lists the catalogue and the known codes of the real vocabulary, without counts or rare buckets', async () => {
    const app = await realApp(modelsFolder());
    try {
      const res = await app.inject({ method: 'GET', url: '/v1/models/cw/catalogue', headers: auth('planner') });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { model: string; version: string; catalogue: unknown; knownCodes: Record<string, unknown>[] };
      expect(body.catalogue).toEqual(CatalogueSchema.parse(JSON.parse(readFileSync(join(trained.logreg, 'catalogue.json'), 'utf8'))));
      const vocab = JSON.parse(readFileSync(join(trained.logreg, 'preprocessing.json'), 'utf8')).vocab as string[];
      const expected = vocab.filter((t) => t.split('|').length === 3 && !t.endsWith('|<rare>'));
      expect(expected.length).toBeGreaterThan(0);
      expect(body.knownCodes.map((c) => `${c.relation}|${c.domain}|${c.code}`).sort()).toEqual([...expected].sort());
      for (const c of body.knownCodes) expect(Object.keys(c).sort()).toEqual(['code', 'domain', 'relation']);
      const who = await app.inject({ method: 'GET', url: '/v1/whoami', headers: auth('auditor') });
      expect(who.json()).toEqual({ tokenId: 'auditor-1', role: 'auditor' });
    } finally {
      await app.close();
    }
  });

  it('keeps the tensor count flat across many score requests to the GRU', async () => {
    const app = await realApp(modelsFolder({ gru: true }));
    try {
      const count = tensorCounter();
      const paths = inputExample(trained.gru).examples.map((e) => e.path);
      const score = () => app.inject({ method: 'POST', url: '/v1/models/cwgru/score', headers: auth('planner'), payload: { paths } });
      expect((await score()).statusCode).toBe(200); // warm-up
      const before = count();
      expect(before).toBeGreaterThan(0); // the GRU's weights are live tensors: the count measures something
      for (let round = 0; round < 10; round++) {
        const results = await Promise.all(Array.from({ length: 20 }, score));
        for (const r of results) expect(r.statusCode).toBe(200);
      }
      expect(count()).toBe(before);
      const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: auth('admin') });
      expect(metrics.body).toContain(`servicepath_tensors ${before}`);
    } finally {
      await app.close();
    }
  });
});
