// /openapi.json documents the error body ({error: {code, message, path?, requestId}}) under every 4xx/5xx status
// each route can answer, and the statuses the service really answers are among those documented.
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOGUE } from '../../../src/errors/index.js';
import { API_ERROR_STATUSES, ErrorResponseSchema } from '../../../src/serve/api-schemas.js';
import { toJsonSchema } from '../../../src/serve/validation.js';
import { auth, fakeApp, path, tempDir, writeFakeBundle } from './helpers.js';

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }> }>> };

const MODEL = [404, 503];
const BODY = [413, 415];
// Behind a token every route is audited: 503 AUDIT_UNAVAILABLE while the audit log cannot be written.
const TOKEN = [401, 503];
const ROLE = [401, 403, 503];

/** Each documented operation and its error statuses: 400, 429 and 500 everywhere, then by route. */
const EXPECTED: Record<string, number[]> = {
  'GET /healthz': [],
  'GET /readyz': [503],
  'GET /v1/whoami': TOKEN,
  'GET /v1/models': TOKEN,
  'GET /v1/models/{name}': [...TOKEN, 404],
  'GET /v1/models/{name}/catalogue': [...TOKEN, ...MODEL],
  'GET /v1/models/{name}/card': [...TOKEN, 406, ...MODEL],
  'GET /v1/models/{name}/cohort-paths': [...TOKEN, ...MODEL],
  // 422: over the scoring cost limit (--max-request-cost); 503 also when scoring passes the deadline.
  'POST /v1/models/{name}/score': [...TOKEN, 422, ...MODEL, ...BODY],
  'POST /v1/models/{name}/interventions': [...TOKEN, 422, ...MODEL, ...BODY],
  'GET /v1/audit': ROLE,
  'GET /v1/audit/verify': ROLE,
  'GET /metrics': ROLE,
  'POST /v1/admin/reload': [...ROLE, ...BODY],
};
const expectedStatuses = (op: string) => [...new Set([400, 429, 500, ...EXPECTED[op]!])].sort((a, b) => a - b);

describe('OpenAPI error responses', () => {
  let app: FastifyInstance;
  let doc: Doc;
  const t = tempDir();
  beforeAll(async () => {
    writeFakeBundle(t.dir, 'cw', '1');
    writeFakeBundle(t.dir, 'bad', '1', true);
    app = await fakeApp(t.dir, {
      bodyLimitBytes: 4096,
      explain: async () => {
        throw new Error('explain failed (test)');
      },
    });
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
  });
  afterAll(async () => {
    await app.close();
    t.cleanup();
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([url, methods]) => Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${url}`, op })));

  it('documents exactly the routes of the table (a new route must join it)', () => {
    expect(operations().map((o) => o.key).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.keys(EXPECTED))('%s: the error body under each of its 4xx/5xx statuses, the 2xx kept', (key) => {
    const op = operations().find((o) => o.key === key)!.op;
    const statuses = Object.keys(op.responses).map(Number);
    expect(statuses.filter((s) => s >= 400)).toEqual(expectedStatuses(key));
    expect(statuses.filter((s) => s >= 200 && s < 300)).toEqual([200]);
    const body = toJsonSchema(ErrorResponseSchema, 'output');
    for (const status of expectedStatuses(key)) {
      const r = op.responses[String(status)]!;
      const spec = API_ERROR_STATUSES[status as keyof typeof API_ERROR_STATUSES];
      expect(r.description.startsWith(`${spec.codes.join(' or ')}: `), `${key} ${status}: ${r.description}`).toBe(true);
      const schema = r.content?.['application/json']?.schema as Record<string, unknown>;
      expect({ ...schema, description: undefined }, `${key} ${status}`).toEqual({ ...body, description: undefined });
    }
  });

  it('names, for each status, catalogue codes of that HTTP status', () => {
    for (const [status, spec] of Object.entries(API_ERROR_STATUSES)) {
      for (const code of spec.codes) expect(CATALOGUE[code].httpStatus, code).toBe(Number(status));
    }
  });

  it('documents the text routes\' 200 with their media types', () => {
    const metrics = doc.paths['/metrics']!.get!.responses['200']!;
    expect(Object.keys(metrics.content ?? {})).toEqual(['text/plain']);
    const card = doc.paths['/v1/models/{name}/card']!.get!.responses['200']!;
    expect(Object.keys(card.content ?? {}).sort()).toEqual(['application/json', 'text/html', 'text/markdown']);
  });

  const json = { 'content-type': 'application/json' };
  const answers: { name: string; op: string; status: number; code: string; request: InjectOptions }[] = [
    { name: 'invalid body', op: 'POST /v1/models/{name}/score', status: 400, code: 'SERVE_VALIDATION', request: { method: 'POST', url: '/v1/models/cw/score', headers: auth('planner'), payload: { paths: [] } } },
    { name: 'malformed JSON', op: 'POST /v1/models/{name}/score', status: 400, code: 'SERVE_BAD_REQUEST', request: { method: 'POST', url: '/v1/models/cw/score', headers: { ...auth('planner'), ...json }, payload: '{"paths": [' } },
    { name: 'no token', op: 'GET /v1/whoami', status: 401, code: 'SERVE_UNAUTHORIZED', request: { method: 'GET', url: '/v1/whoami' } },
    { name: 'planner on metrics', op: 'GET /metrics', status: 403, code: 'SERVE_FORBIDDEN', request: { method: 'GET', url: '/metrics', headers: auth('planner') } },
    { name: 'unknown model', op: 'GET /v1/models/{name}', status: 404, code: 'SERVE_MODEL_NOT_FOUND', request: { method: 'GET', url: '/v1/models/nope', headers: auth('planner') } },
    { name: 'unknown model ref', op: 'GET /v1/models/{name}/catalogue', status: 404, code: 'SERVE_MODEL_NOT_FOUND', request: { method: 'GET', url: '/v1/models/nope/catalogue', headers: auth('planner') } },
    { name: 'card as PNG', op: 'GET /v1/models/{name}/card', status: 406, code: 'SERVE_NOT_ACCEPTABLE', request: { method: 'GET', url: '/v1/models/cw/card', headers: { ...auth('planner'), accept: 'image/png' } } },
    { name: 'body too large', op: 'POST /v1/models/{name}/score', status: 413, code: 'SERVE_BODY_TOO_LARGE', request: { method: 'POST', url: '/v1/models/cw/score', headers: { ...auth('planner'), ...json }, payload: JSON.stringify({ paths: Array.from({ length: 60 }, () => path(['A', 'B', 'C'])) }) } },
    { name: 'reload with a text body', op: 'POST /v1/admin/reload', status: 415, code: 'SERVE_UNSUPPORTED_MEDIA_TYPE', request: { method: 'POST', url: '/v1/admin/reload', headers: { ...auth('admin'), 'content-type': 'text/plain' }, payload: 'now' } },
    { name: 'handler failure', op: 'POST /v1/models/{name}/interventions', status: 500, code: 'INTERNAL_ERROR', request: { method: 'POST', url: '/v1/models/cw/interventions', headers: auth('planner'), payload: { path: path(['A', 'RISK']) } } },
    { name: 'refused bundle', op: 'GET /v1/models/{name}/cohort-paths', status: 503, code: 'SERVE_MODEL_UNAVAILABLE', request: { method: 'GET', url: '/v1/models/bad@1/cohort-paths', headers: auth('planner') } },
    { name: 'not ready', op: 'GET /readyz', status: 503, code: 'SERVE_NOT_READY', request: { method: 'GET', url: '/readyz' } },
  ];
  it.each(answers)('$op answers $status ($name) with the documented error body', async ({ op, status, code, request }) => {
    expect(expectedStatuses(op)).toContain(status);
    const res = await app.inject(request);
    expect(res.statusCode).toBe(status);
    const body = ErrorResponseSchema.parse(res.json());
    expect(body.error.code).toBe(code);
  });

  it('answers 429 with the documented error body once the rate limit is spent', async () => {
    const t2 = tempDir();
    const limited = await fakeApp(t2.dir, { rateLimit: { max: 1, windowMs: 60_000 } });
    try {
      expect((await limited.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      const res = await limited.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(429);
      expect(expectedStatuses('GET /healthz')).toContain(429);
      expect(ErrorResponseSchema.parse(res.json()).error.code).toBe('SERVE_RATE_LIMITED');
    } finally {
      await limited.close();
      t2.cleanup();
    }
  });
});
