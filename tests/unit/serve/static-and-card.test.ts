// The web page's static route (content types, no traversal) and the model card's three formats.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cardFormat } from '../../../src/serve/routes/models.js';
import { safeAssetPath } from '../../../src/serve/routes/static.js';
import { auth, fakeApp, tempDir, writeFakeBundle } from './helpers.js';

describe('static web page', () => {
  it('serves index.html and assets with their types and refuses traversal', async () => {
    const t = tempDir();
    const web = join(t.dir, 'web');
    mkdirSync(join(web, 'assets'), { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><title>sp</title>');
    writeFileSync(join(web, 'app.js'), 'console.log(1)');
    writeFileSync(join(web, 'assets', 'style.css'), 'body{}');
    writeFileSync(join(t.dir, 'secret.js'), 'TOP-SECRET-CONTENT');
    const app = await fakeApp(join(t.dir, 'models'), { webRoot: web });
    const index = await app.inject({ method: 'GET', url: '/' });
    expect([index.statusCode, index.headers['content-type'], index.body]).toEqual([200, 'text/html; charset=utf-8', '<!doctype html><title>sp</title>']);
    const js = await app.inject({ method: 'GET', url: '/assets/app.js' });
    expect([js.statusCode, js.headers['content-type']]).toEqual([200, 'text/javascript; charset=utf-8']);
    expect(js.headers['cache-control']).toContain('max-age');
    expect((await app.inject({ method: 'GET', url: '/assets/style.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    for (const url of ['/assets/../secret.js', '/assets/%2e%2e/secret.js', '/assets/..%2fsecret.js', '/assets/.hidden.js', '/assets/app.exe']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(404);
      expect(r.body).not.toContain('TOP-SECRET-CONTENT');
    }
    expect(safeAssetPath('/root', '../x.js')).toBeNull();
    expect(safeAssetPath('/root', 'a//b.js')).toBeNull();
    await app.close();
    t.cleanup();
  });

  it('says the UI is not installed when the folder is missing', async () => {
    const t = tempDir();
    const app = await fakeApp(t.dir);
    const r = await app.inject({ method: 'GET', url: '/' });
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('not installed');
    await app.close();
    t.cleanup();
  });
});

describe('model card', () => {
  it('answers JSON, Markdown or HTML by ?format= or Accept, and 406 otherwise', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const app = await fakeApp(t.dir);
    const get = (url: string, accept?: string) =>
      app.inject({ method: 'GET', url, headers: { ...auth('planner'), ...(accept === undefined ? {} : { accept }) } });
    expect((await get('/v1/models/cw/card')).json()).toEqual({ model_details: { name: 'cw' } });
    const md = await get('/v1/models/cw/card?format=md');
    expect([md.headers['content-type'], md.body]).toEqual(['text/markdown; charset=utf-8', '# cw\n']);
    const html = await get('/v1/models/cw/card', 'text/html,application/xhtml+xml');
    expect([html.headers['content-type'], html.body]).toEqual(['text/html; charset=utf-8', '<h1>cw</h1>']);
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    const no = await get('/v1/models/cw/card', 'image/png');
    expect([no.statusCode, no.json().error.code]).toEqual([406, 'SERVE_NOT_ACCEPTABLE']);
    expect((await get('/v1/models/cw/card?format=pdf')).json().error.path).toBe('query/format');
    expect(cardFormat(undefined, 'text/markdown;q=0.9')).toBe('md');
    await app.close();
    t.cleanup();
  });
});
