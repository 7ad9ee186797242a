// The planners' web page: GET / and GET /assets/* from src/web/public/ (a tiny static server: fixed
// content types, no directory traversal, no dotfiles). Without the folder, / says the UI is not installed.
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ServicepathError } from '../../errors/index.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

const NOT_INSTALLED = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>servicepath</title></head>
<body><h1>servicepath</h1><p>The web page is not installed. The HTTP API is running: see <a href="/docs">/docs</a>.</p></body></html>\n`;

/** The package root: the nearest folder above this file holding package.json (works from src/ and dist/). */
function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return from;
    dir = up;
  }
  return dir;
}

export function defaultWebRoot(): string {
  return join(packageRoot(), 'src', 'web', 'public');
}

/** Resolves a relative asset name inside root, or null for traversal, dotfiles, odd characters or unknown types. */
export function safeAssetPath(root: string, rel: string): string | null {
  if (!/^[A-Za-z0-9_./-]{1,200}$/.test(rel)) return null;
  if (rel.split('/').some((seg) => seg === '' || seg.startsWith('.'))) return null;
  const full = resolve(root, rel);
  if (!full.startsWith(resolve(root) + sep)) return null;
  const ext = /\.[a-z0-9]+$/i.exec(full)?.[0]?.toLowerCase();
  return ext !== undefined && TYPES[ext] !== undefined ? full : null;
}

async function sendFile(reply: FastifyReply, file: string, cacheControl: string): Promise<FastifyReply | null> {
  const s = await stat(file).catch(() => null);
  if (s === null || !s.isFile()) return null;
  const ext = /\.[a-z0-9]+$/i.exec(file)![0].toLowerCase();
  const body = await readFile(file);
  return reply
    .type(TYPES[ext]!)
    .header('cache-control', cacheControl)
    .header('x-content-type-options', 'nosniff')
    .header('last-modified', s.mtime.toUTCString())
    .send(body);
}

export function registerStaticRoutes(app: FastifyInstance, webRoot: string): void {
  const access = { public: true };
  app.get('/', { config: { access }, schema: { hide: true } }, async (_request, reply) => {
    const sent = await sendFile(reply, join(webRoot, 'index.html'), 'no-cache');
    return sent ?? reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(NOT_INSTALLED);
  });
  app.get<{ Params: { '*': string } }>('/assets/*', { config: { access }, schema: { hide: true } }, async (request, reply) => {
    const rel = request.params['*'];
    // /assets/x.js is public/x.js, or public/assets/x.js when the page keeps its assets in a subfolder.
    let sent: FastifyReply | null = null;
    for (const candidate of [safeAssetPath(webRoot, rel), safeAssetPath(webRoot, `assets/${rel}`)]) {
      if (candidate !== null && sent === null) sent = await sendFile(reply, candidate, 'public, max-age=300');
    }
    if (sent === null) throw new ServicepathError('SERVE_ROUTE_NOT_FOUND', { method: 'GET', url: '/assets/(file)' });
    return sent;
  });
}
