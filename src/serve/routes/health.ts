// Liveness and readiness: /readyz is 200 only when every bundle loaded and reproduced its input example.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServicepathError } from '../../errors/index.js';
import { errorResponses } from '../api-schemas.js';
import type { ServeContext } from '../context.js';

const HealthSchema = z.object({ status: z.literal('ok') }).strict();
const ReadySchema = z.object({ status: z.literal('ready'), detail: z.string() }).strict();

export function registerHealthRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const access = { public: true };
  app.get('/healthz', {
    config: { access },
    schema: ctx.zod.schema('GET', '/healthz', {
      tags: ['health'],
      summary: 'The process is alive',
      response: { 200: HealthSchema, ...errorResponses(access) },
    }),
    handler: async () => ({ status: 'ok' as const }),
  });
  app.get('/readyz', {
    config: { access },
    schema: ctx.zod.schema('GET', '/readyz', {
      tags: ['health'],
      summary: 'Ready: every bundle loaded and reproduced its input example (503 otherwise)',
      response: { 200: ReadySchema, ...errorResponses(access, 503) },
    }),
    handler: async () => {
      const r = ctx.registry.readiness();
      if (!r.ready) throw new ServicepathError('SERVE_NOT_READY', { detail: r.detail });
      return { status: 'ready' as const, detail: r.detail };
    },
  });
}
