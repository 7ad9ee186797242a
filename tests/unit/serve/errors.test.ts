// Errors follow the catalogue: 4xx name the code and the bad field's path; 5xx say little; no person ids.
import { describe, expect, it } from 'vitest';
import { ServicepathError } from '../../../src/errors/index.js';
import { MAX_PATH_EVENTS } from '../../../src/schemas/path.js';
import type { Path } from '../../../src/schemas/path.js';
import { auth, fakeApp, fakeLoader, path, tempDir, writeFakeBundle } from './helpers.js';

async function withApp(fn: (app: Awaited<ReturnType<typeof fakeApp>>) => Promise<void>, extra = {}) {
  const t = tempDir();
  writeFakeBundle(t.dir, 'cw', '1');
  const app = await fakeApp(t.dir, extra);
  try {
    await fn(app);
  } finally {
    await app.close();
    t.cleanup();
  }
}

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url,
  headers: { ...auth('planner'), ...headers },
  payload: payload as string,
});

describe('errors', () => {
  it('refuses a person_id anywhere in a body, naming the field', async () => {
    await withApp(async (app) => {
      for (const [url, body, at] of [
        ['/v1/models/cw/score', { paths: [path(['A'])], person_id: 'p1' }, 'body/person_id'],
        ['/v1/models/cw/score', { paths: [{ ...path(['A']), person_id: 'p1' }] }, 'body/paths/0/person_id'],
        ['/v1/models/cw/interventions', { path: { events: [{ ...path(['A']).events[0], person_id: 'p' }] } }, 'body/path/events/0/person_id'],
      ] as const) {
        const res = await app.inject(post(url, body));
        expect(res.statusCode).toBe(400);
        expect(res.json().error).toMatchObject({ code: 'SERVE_VALIDATION', path: at });
        expect(res.body).not.toContain('p1');
      }
    });
  });

  it('names the path of the bad field: body/paths/0/events/3/code', async () => {
    await withApp(async (app) => {
      const p = path(['A', 'B', 'C', 'D']) as unknown as { events: Record<string, unknown>[] };
      p.events[3]!.code = 42;
      const res = await app.inject(post('/v1/models/cw/score', { paths: [p] }));
      expect(res.json().error.path).toBe('body/paths/0/events/3/code');
      expect(typeof res.json().error.requestId).toBe('string');
      const order = path(['A', 'B']);
      order.events[1]!.ageDays = 1;
      const res2 = await app.inject(post('/v1/models/cw/score', { paths: [order] }));
      expect(res2.json().error.path).toBe('body/paths/0/events/1/ageDays');
    });
  });

  it('limits path length, paths per request and catalogue size', async () => {
    await withApp(async (app) => {
      const long = path(Array.from({ length: MAX_PATH_EVENTS + 1 }, (_, i) => `C${i}`));
      expect((await app.inject(post('/v1/models/cw/score', { paths: [long] }))).json().error.path).toBe('body/paths/0/events');
      const many = Array.from({ length: 65 }, () => path(['A']));
      expect((await app.inject(post('/v1/models/cw/score', { paths: many }))).json().error.path).toBe('body/paths');
      const service = { code: 'S', domain: 'd', label: 'l', labelFi: 'l' };
      const catalogue = { services: Array.from({ length: 21 }, (_, i) => ({ ...service, code: `S${i}` })) };
      const r = await app.inject(post('/v1/models/cw/interventions', { path: path(['A']), catalogue }));
      expect(r.json().error).toMatchObject({ code: 'SERVE_VALIDATION', path: 'body/catalogue/services' });
      const sub = await app.inject(post('/v1/models/cw/interventions', { path: path(['A']), services: ['NOT_IN_CATALOGUE'] }));
      expect(sub.json().error).toMatchObject({ code: 'SERVE_VALIDATION', path: 'body/services/0' });
    });
  });

  it('maps Fastify errors: bad JSON, empty body, 415, 413, 404', async () => {
    await withApp(
      async (app) => {
        const bad = await app.inject({ ...post('/v1/models/cw/score', '{"paths": ['), headers: { ...auth('planner'), 'content-type': 'application/json' } });
        expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'SERVE_BAD_REQUEST']);
        const empty = await app.inject({ ...post('/v1/models/cw/score', ''), headers: { ...auth('planner'), 'content-type': 'application/json' } });
        expect([empty.statusCode, empty.json().error.code]).toEqual([400, 'SERVE_BAD_REQUEST']);
        const text = await app.inject({ ...post('/v1/models/cw/score', 'hello'), headers: { ...auth('planner'), 'content-type': 'text/plain' } });
        expect([text.statusCode, text.json().error.code]).toEqual([415, 'SERVE_UNSUPPORTED_MEDIA_TYPE']);
        const big = await app.inject(post('/v1/models/cw/score', { paths: [path(Array.from({ length: 200 }, (_, i) => `LONGCODE${i}`))] }));
        expect([big.statusCode, big.json().error.code]).toEqual([413, 'SERVE_BODY_TOO_LARGE']);
        const proto = await app.inject({ ...post('/v1/models/cw/score', '{"__proto__": {"x": 1}}'), headers: { ...auth('planner'), 'content-type': 'application/json' } });
        expect([proto.statusCode, proto.json().error.code]).toEqual([400, 'SERVE_BAD_REQUEST']);
        const nf = await app.inject({ method: 'GET', url: '/v2/nothing' });
        expect([nf.statusCode, nf.json().error.code]).toEqual([404, 'SERVE_ROUTE_NOT_FOUND']);
      },
      { bodyLimitBytes: 4096 },
    );
  });

  it('answers a 5xx with a generic message and the request id; the log has the cause', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const logLines: string[] = [];
    const failing = async (dir: string) => {
      const b = await fakeLoader(dir);
      return { ...b, scorer: { modelKind: 'logreg' as const, scoreTrajectories: async (_p: readonly Path[]) => Promise.reject(new Error('secret internal detail')) } };
    };
    const app = await fakeApp(t.dir, { loader: failing, logger: { level: 'info', stream: { write: (l: string) => logLines.push(l) } } });
    const res = await app.inject(post('/v1/models/cw/score', { paths: [path(['A'])] }));
    expect(res.statusCode).toBe(500);
    const err = res.json().error;
    expect(err.code).toBe('INTERNAL_ERROR');
    expect(err.message).toContain(err.requestId);
    expect(res.body).not.toContain('secret');
    expect(logLines.join('\n')).toContain('secret internal detail');
    expect(logLines.join('\n')).toContain(err.requestId);
    await app.close();
    t.cleanup();
  });

  it('rate-limits per token, not per address', async () => {
    await withApp(
      async (app) => {
        const get = (role: 'planner' | 'auditor') => app.inject({ method: 'GET', url: '/v1/models', headers: auth(role) });
        expect((await get('planner')).statusCode).toBe(200);
        expect((await get('planner')).statusCode).toBe(200);
        const limited = await get('planner');
        expect([limited.statusCode, limited.json().error.code]).toEqual([429, 'SERVE_RATE_LIMITED']);
        expect(limited.headers['retry-after']).toBeDefined();
        expect((await get('auditor')).statusCode).toBe(200);
      },
      { rateLimit: { max: 2, windowMs: 60_000 } },
    );
  });

  it('keeps catalogued errors thrown by handlers', () => {
    expect(new ServicepathError('SERVE_MODEL_NOT_FOUND', { model: 'x' }).httpStatus).toBe(404);
  });
});
