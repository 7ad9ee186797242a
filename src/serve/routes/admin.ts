// Admin operations: reload the model folder now (the same as SIGHUP).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { BODY_ERRORS, EmptyQuerySchema, errorResponses } from '../api-schemas.js';
import { ADMIN_ROLES } from '../auth.js';
import type { ServeContext } from '../context.js';

export function registerAdminRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const access = { roles: ADMIN_ROLES };
  app.post('/v1/admin/reload', {
    config: { access },
    schema: ctx.zod.schema('POST', '/v1/admin/reload', {
      tags: ['operations'],
      summary: 'Re-scan the model folder: load new or changed bundles, drop removed ones, re-read aliases',
      querystring: EmptyQuerySchema,
      response: { 200: z.object({ ready: z.boolean(), detail: z.string() }).strict(), ...errorResponses(access, ...BODY_ERRORS) },
    }),
    handler: async () => {
      await ctx.registry.reload();
      const r = ctx.registry.readiness();
      return { ready: r.ready, detail: r.detail };
    },
  });
}
