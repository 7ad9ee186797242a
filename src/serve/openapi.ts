// OpenAPI 3 at /openapi.json (generated from the routes' zod schemas) and the interactive page at /docs,
// served from the local swagger-ui package (no external network, no validator badge). swagger-ui sets its own
// Content-Security-Policy after the service's header hook; its policy is kept with framing refused
// (frame-ancestors 'none' instead of its 'self') and the document directives added, as for the card's HTML.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { mergedPolicy } from './hooks.js';

export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'servicepath',
        description:
          'Risk trajectories, intervention points and anonymised cohort paths for public-service planners and auditors. ' +
          'No route accepts or returns a person id. Errors: {error: {code, message, path?, requestId}}, documented under each ' +
          'status a route can answer, with its codes (docs/error-codes.md).',
        version,
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { validatorUrl: null },
    staticCSP: true,
    transformStaticCSP: mergedPolicy,
  });
  app.get('/openapi.json', { config: { access: { public: true } }, schema: { hide: true } }, async () => app.swagger());
}
