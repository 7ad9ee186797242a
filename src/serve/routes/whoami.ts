// Who is calling: the token's id and role, so that a client shows the right views without probing routes.
import type { FastifyInstance } from 'fastify';
import { EmptyQuerySchema, errorResponses, WhoamiResponseSchema } from '../api-schemas.js';
import { ALL_ROLES } from '../auth.js';
import type { ServeContext } from '../context.js';

export function registerWhoamiRoute(app: FastifyInstance, ctx: ServeContext): void {
  const access = { roles: ALL_ROLES };
  app.get('/v1/whoami', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/whoami', {
      tags: ['operations'],
      summary: "The calling token's id and role (any valid token)",
      querystring: EmptyQuerySchema,
      response: { 200: WhoamiResponseSchema, ...errorResponses(access) },
    }),
    // The auth hook has already refused a request without a valid token.
    handler: async (request) => ({ tokenId: request.auth!.tokenId, role: request.auth!.role }),
  });
}
