// Prometheus scrape endpoint (admin role: the figures describe the service's load, not persons).
import type { FastifyInstance } from 'fastify';
import { EmptyQuerySchema } from '../api-schemas.js';
import { ADMIN_ROLES } from '../auth.js';
import type { ServeContext } from '../context.js';

export function registerMetricsRoute(app: FastifyInstance, ctx: ServeContext): void {
  app.get('/metrics', {
    config: { access: { roles: ADMIN_ROLES } },
    schema: ctx.zod.schema('GET', '/metrics', { tags: ['operations'], summary: 'Prometheus metrics (text format 0.0.4)', querystring: EmptyQuerySchema }),
    handler: async (_request, reply) => {
      void reply.type('text/plain; version=0.0.4; charset=utf-8');
      return ctx.metrics.render();
    },
  });
}
