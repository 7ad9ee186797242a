// OpenAPI 3 at /openapi.json (generated from the routes' zod schemas) and the interactive page at /docs,
// served from the local swagger-ui package (no external network, no validator badge).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

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
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { validatorUrl: null }, staticCSP: true });
  app.get('/openapi.json', { config: { access: { public: true } }, schema: { hide: true } }, async () => app.swagger());
}
