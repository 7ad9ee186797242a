// Every route x every role, no token and a wrong token: the role matrix of docs/api.md, enforced.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeApp, path, TOKENS, tempDir, writeFakeBundle } from './helpers.js';

type Who = 'planner' | 'auditor' | 'admin' | 'none' | 'wrong';
const ALL: Who[] = ['planner', 'auditor', 'admin'];

const ROUTES: { method: 'GET' | 'POST'; url: string; body?: unknown; allowed: Who[] | 'public' }[] = [
  { method: 'GET', url: '/healthz', allowed: 'public' },
  { method: 'GET', url: '/readyz', allowed: 'public' },
  { method: 'GET', url: '/openapi.json', allowed: 'public' },
  { method: 'GET', url: '/docs', allowed: 'public' },
  { method: 'GET', url: '/', allowed: 'public' },
  { method: 'GET', url: '/v1/models', allowed: ALL },
  { method: 'GET', url: '/v1/models/cw', allowed: ALL },
  { method: 'POST', url: '/v1/models/cw/score', body: { paths: [path(['A'])] }, allowed: ALL },
  { method: 'POST', url: '/v1/models/cw@1/interventions', body: { path: path(['A', 'RISK']) }, allowed: ALL },
  { method: 'GET', url: '/v1/models/cw/cohort-paths', allowed: ALL },
  { method: 'GET', url: '/v1/models/cw/card', allowed: ALL },
  { method: 'GET', url: '/v1/models/cw/catalogue', allowed: ALL },
  { method: 'GET', url: '/v1/whoami', allowed: ALL },
  { method: 'GET', url: '/v1/audit', allowed: ['auditor', 'admin'] },
  { method: 'GET', url: '/v1/audit/verify', allowed: ['auditor', 'admin'] },
  { method: 'GET', url: '/metrics', allowed: ['admin'] },
  { method: 'POST', url: '/v1/admin/reload', allowed: ['admin'] },
];

function headers(who: Who): Record<string, string> {
  if (who === 'none') return {};
  if (who === 'wrong') return { authorization: 'Bearer not-a-token' };
  return { authorization: `Bearer ${TOKENS[who]}` };
}

describe('role matrix', () => {
  let app: FastifyInstance;
  const t = tempDir();
  beforeAll(async () => {
    writeFakeBundle(t.dir, 'cw', '1');
    app = await fakeApp(t.dir);
  });
  afterAll(async () => {
    await app.close();
    t.cleanup();
  });

  const cases = ROUTES.flatMap((r) => (['planner', 'auditor', 'admin', 'none', 'wrong'] as Who[]).map((who) => ({ ...r, who })));
  it.each(cases)('$method $url as $who', async ({ method, url, body, allowed, who }) => {
    const res = await app.inject({ method, url, headers: headers(who), ...(body === undefined ? {} : { payload: body as object }) });
    if (allowed === 'public' || allowed.includes(who)) {
      expect(res.statusCode).toBe(200);
      if (url === '/v1/whoami') expect(res.json()).toEqual({ tokenId: `${who}-1`, role: who });
    } else if (who === 'none' || who === 'wrong') {
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('SERVE_UNAUTHORIZED');
    } else {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('SERVE_FORBIDDEN');
    }
  });

  it('lists every non-public route in this matrix (a new route must join it)', () => {
    const key = (m: string, u: string) => `${m} ${u}`;
    const inMatrix = new Set(
      ROUTES.filter((r) => r.allowed !== 'public').map((r) => key(r.method, r.url.replace(/^\/v1\/models\/cw(@1)?/, '/v1/models/:name'))),
    );
    const registered = app.routeAccess.filter((r) => r.method !== 'HEAD' && r.access?.public !== true).map((r) => key(r.method, r.url));
    expect(new Set(registered)).toEqual(inMatrix);
  });

  it('publishes every non-public route of the matrix in /openapi.json, with its response schema', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
    for (const r of ROUTES.filter((x) => x.allowed !== 'public' && x.url !== '/metrics')) {
      const url = r.url.replace(/^\/v1\/models\/cw(@1)?/, '/v1/models/{name}');
      expect(doc.paths[url]?.[r.method.toLowerCase()], `${r.method} ${url}`).toBeDefined();
    }
    const catalogue = doc.paths['/v1/models/{name}/catalogue']!.get!.responses!['200'] as { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
    expect(Object.keys(catalogue.content['application/json'].schema.properties).sort()).toEqual(['catalogue', 'knownCodes', 'model', 'version']);
    const whoami = doc.paths['/v1/whoami']!.get!.responses!['200'] as { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } };
    expect(Object.keys(whoami.content['application/json'].schema.properties).sort()).toEqual(['role', 'tokenId']);
  });

  it('closes a route that declares no access to every role (fails closed)', async () => {
    const t2 = tempDir();
    const app2 = await fakeApp(t2.dir);
    app2.get('/v1/undeclared', async () => ({ leaked: true }));
    const res = await app2.inject({ method: 'GET', url: '/v1/undeclared', headers: headers('admin') });
    expect(res.statusCode).toBe(403);
    await app2.close();
    t2.cleanup();
  });
});
