// Admin operations: reload the model folder now (the same as SIGHUP).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EmptyQuerySchema } from '../api-schemas.js';
import { ADMIN_ROLES } from '../auth.js';
import type { ServeContext } from '../context.js';

export function registerAdminRoutes(app: FastifyInstance, ctx: ServeContext): void {
  app.post('/v1/admin/reload', {
    config: { access: { roles: ADMIN_ROLES } },
    schema: ctx.zod.schema('POST', '/v1/admin/reload', {
      tags: ['operations'],
      summary: 'Re-scan the model folder: load new or changed bundles, drop removed ones, re-read aliases',
      querystring: EmptyQuerySchema,
      response: { 200: z.object({ ready: z.boolean(), detail: z.string() }).strict() },
    }),
    handler: async () => {
      await ctx.registry.reload();
      const r = ctx.registry.readiness();
      return { ready: r.ready, detail: r.detail };
    },
  });
}
