// Prometheus scrape endpoint (admin role: the figures describe the service's load, not persons).
import type { FastifyInstance } from 'fastify';
import { documentResponse, EmptyQuerySchema, errorResponses } from '../api-schemas.js';
import { ADMIN_ROLES } from '../auth.js';
import type { ServeContext } from '../context.js';

export function registerMetricsRoute(app: FastifyInstance, ctx: ServeContext): void {
  const access = { roles: ADMIN_ROLES };
  app.get('/metrics', {
    config: { access },
    schema: ctx.zod.schema('GET', '/metrics', {
      tags: ['operations'],
      summary: 'Prometheus metrics (text format 0.0.4)',
      querystring: EmptyQuerySchema,
      response: { 200: documentResponse('Prometheus text format 0.0.4', ['text/plain']), ...errorResponses(access) },
    }),
    handler: async (_request, reply) => {
      void reply.type('text/plain; version=0.0.4; charset=utf-8');
      return ctx.metrics.render();
    },
  });
}
