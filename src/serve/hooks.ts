// Per-request bookkeeping after the answer: one audit line and the request metrics.
import type { FastifyInstance } from 'fastify';
import type { ServeContext } from './context.js';
import { sha256Hex } from '../util/hash.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the raw JSON body, set by the JSON parser; null without a body. */
    inputSha256: string | null;
  }
}

export function registerRequestHooks(app: FastifyInstance, ctx: ServeContext): void {
  app.decorateRequest('servedModel', null);
  app.decorateRequest('inputSha256', null);
  app.addHook('onRequest', async () => {
    // Never answer unaudited: once the log cannot be written, every request fails (the log says why).
    if (ctx.audit.failure !== null) throw ctx.audit.failure;
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? '(unmatched)' : (request.routeOptions.url ?? '(unmatched)');
    const latencyMs = reply.elapsedTime;
    ctx.audit.append({
      tokenId: request.auth?.tokenId ?? null,
      role: request.auth?.role ?? null,
      method: request.method,
      route,
      model: request.servedModel?.name ?? null,
      version: request.servedModel?.version ?? null,
      // The input (URL and raw body) is hashed, never stored: the log holds no request content.
      inputSha256: sha256Hex(`${request.method} ${request.url}\n${request.inputSha256 ?? ''}`),
      status: reply.statusCode,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
    });
    const labels = { route, method: request.method, status: String(reply.statusCode) };
    ctx.metrics.requests.inc(labels);
    ctx.metrics.latency.observe({ route, method: request.method }, latencyMs / 1000);
  });
}
