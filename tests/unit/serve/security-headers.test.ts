// Security headers on the page, the assets, the API and its errors; a path's label limited to a safe character set
// and never shaped like a Finnish personal identity code.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { auth, fakeApp, path, tempDir, writeFakeBundle } from './helpers.js';

const POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function expectHeaders(res: LightMyRequestResponse, what: string, csp: string = POLICY): void {
  expect(res.headers['content-security-policy'], what).toBe(csp);
  expect(res.headers['x-frame-options'], what).toBe('DENY');
  expect(res.headers['x-content-type-options'], what).toBe('nosniff');
  expect(res.headers['referrer-policy'], what).toBe('no-referrer');
}

describe('security headers', () => {
  it('sends CSP, frame, sniffing and referrer headers on the page, the assets, the API and its errors', async () => {
    const t = tempDir();
    writeFakeBundle(join(t.dir, 'models'), 'cw', '1');
    const web = join(t.dir, 'web');
    mkdirSync(web, { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>sp</title>');
    writeFileSync(join(web, 'app.js'), 'export {}');
    const app = await fakeApp(join(t.dir, 'models'), { webRoot: web });
    try {
      expectHeaders(await app.inject({ method: 'GET', url: '/' }), 'page');
      expectHeaders(await app.inject({ method: 'GET', url: '/assets/app.js' }), 'asset');
      expectHeaders(await app.inject({ method: 'GET', url: '/healthz' }), 'healthz');
      expectHeaders(await app.inject({ method: 'GET', url: '/v1/models', headers: auth('planner') }), 'API');
      expectHeaders(await app.inject({ method: 'POST', url: '/v1/models/cw/score', headers: auth('planner'), payload: { paths: [path(['A'])] } }), 'score');
      expectHeaders(await app.inject({ method: 'GET', url: '/v1/models' }), '401');
      expectHeaders(await app.inject({ method: 'GET', url: '/nowhere' }), '404');
      // The card's HTML keeps its own (stricter) policy, with framing refused and the document directives added.
      const card = await app.inject({ method: 'GET', url: '/v1/models/cw/card?format=html', headers: auth('planner') });
      expect(card.statusCode).toBe(200);
      expectHeaders(card, 'card', "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
      // The API docs page (swagger-ui) sets its own policy after ours (its onSend hook runs later): it is kept with
      // framing refused (swagger-ui's own says frame-ancestors 'self'); the other headers stay.
      for (const url of ['/docs', '/docs/static/index.html']) {
        const docs = await app.inject({ method: 'GET', url });
        expect(docs.statusCode, url).toBeLessThan(400);
        const csp = String(docs.headers['content-security-policy']);
        expect(csp, url).toContain("script-src 'self'");
        expect(csp, url).toContain("frame-ancestors 'none'");
        expect(csp, url).not.toContain("frame-ancestors 'self'");
      }
      const docs = await app.inject({ method: 'GET', url: '/docs' });
      expect(docs.headers['x-frame-options']).toBe('DENY');
      expect(docs.headers['referrer-policy']).toBe('no-referrer');
    } finally {
      await app.close();
      t.cleanup();
    }
  });
});

describe('path labels', () => {
  it('accepts letters (Finnish and Swedish ones too), digits and a few marks; refuses the rest and person-id shapes, naming the field', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const app = await fakeApp(t.dir);
    const score = (label: string) =>
      app.inject({ method: 'POST', url: '/v1/models/cw/score', headers: auth('planner'), payload: { paths: [{ ...path(['A']), label }] } });
    try {
      for (const label of ['Äiti ja lapsi: perhetyö (Åland) #2', 'cp-1a2b3c4d5e6f', 'cohort path through 18y+', 'a/b_c.d,e', 'Škoda Žofie é ü ß']) {
        const res = await score(label);
        expect(res.statusCode, label).toBe(200);
        expect(res.json().trajectories[0].label).toBe(label);
      }
      for (const label of ['<script>alert(1)</script>', 'a"b', "it's", 'x\u0000y', 'line\nbreak', 'tab\tx', 'Ωmega', 'smile \u{1F600}', 'a–b', '=HYPERLINK()', 'a;b']) {
        const res = await score(label);
        expect(res.statusCode, label).toBe(400);
        expect(res.json().error).toMatchObject({ code: 'SERVE_VALIDATION', path: 'body/paths/0/label' });
        expect(res.json().error.message).toContain('label may hold only letters, digits');
        // The refused value is never echoed.
        if (label.length > 2) expect(res.body).not.toContain(label);
      }
      for (const label of ['010203A123B', 'child 131052-308T', '311299X9876', 'p:150500+123A', '010120B001Z']) {
        const res = await score(label);
        expect(res.statusCode, label).toBe(400);
        expect(res.json().error).toMatchObject({ code: 'SERVE_VALIDATION', path: 'body/paths/0/label' });
        expect(res.json().error.message).toContain('personal identity code');
        expect(res.body).not.toContain(label);
      }
      const interventions = await app.inject({
        method: 'POST',
        url: '/v1/models/cw/interventions',
        headers: auth('planner'),
        payload: { path: { ...path(['A', 'RISK']), label: '010203-123A' } },
      });
      expect(interventions.statusCode).toBe(400);
      expect(interventions.json().error).toMatchObject({ code: 'SERVE_VALIDATION', path: 'body/path/label' });
      // Too long is still refused by length (200 characters).
      expect((await score('a'.repeat(201))).statusCode).toBe(400);
      expect((await score('a'.repeat(200))).statusCode).toBe(200);
    } finally {
      await app.close();
      t.cleanup();
    }
  });
});
