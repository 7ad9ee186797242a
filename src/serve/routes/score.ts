// Scoring and intervention points. Scoring goes through the version's micro-batcher; interventions score the
// path's trajectory through it and all variants' final risks in one direct, sliced call (src/explain). Both
// price their work first (422 over --max-request-cost) and run under the request's deadline (503).
import type { FastifyInstance } from 'fastify';
import { ServicepathError } from '../../errors/index.js';
import type { Catalogue } from '../../schemas/catalogue.js';
import {
  BODY_ERRORS,
  errorResponses,
  type InterventionsBody,
  InterventionsBodySchema,
  InterventionsResponseSchema,
  MODEL_REF_ERRORS,
  ModelRefParamsSchema,
  type ScoreBody,
  ScoreBodySchema,
  ScoreResponseSchema,
} from '../api-schemas.js';
import { ALL_ROLES } from '../auth.js';
import { explanationCost } from '../../explain/index.js';
import { fastScoreBody } from '../fast-validation.js';
import { type ServeContext, useModel } from '../context.js';
import { withDeadline } from '../deadline.js';

/** Refuses a request whose scoring cost is over the limit, before any work starts. */
function checkCost(ctx: ServeContext, cost: number, variants: number): void {
  const limit = ctx.limits.maxRequestCost;
  if (limit > 0 && cost > limit) {
    throw new ServicepathError('SERVE_REQUEST_TOO_COSTLY', { cost: Math.ceil(cost), limit, variants }, { details: { cost, limit, variants } });
  }
}

/** The bundle's catalogue, narrowed to the requested codes, or the planner's own catalogue. */
function requestCatalogue(bundleCatalogue: Catalogue, body: InterventionsBody): Catalogue {
  if (body.catalogue !== undefined) return body.catalogue;
  if (body.services === undefined) return bundleCatalogue;
  const known = new Map(bundleCatalogue.services.map((s) => [s.code, s]));
  const unknown = body.services.findIndex((c) => !known.has(c));
  if (unknown >= 0) {
    const path = `body/services/${unknown}`;
    throw new ServicepathError('SERVE_VALIDATION', { issues: `${path}: not a service of this model's catalogue` }, { details: { path } });
  }
  return { ...bundleCatalogue, services: [...new Set(body.services)].map((c) => known.get(c)!) };
}

export function registerScoreRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const access = { roles: ALL_ROLES };
  app.post<{ Params: { name: string }; Body: ScoreBody }>('/v1/models/:name/score', {
    config: { access },
    schema: ctx.zod.schema('POST', '/v1/models/:name/score', {
      tags: ['scoring'],
      summary: 'Risk trajectories (calibrated risk after every event) of one or many paths',
      params: ModelRefParamsSchema,
      body: ScoreBodySchema,
      fastBody: fastScoreBody,
      response: { 200: ScoreResponseSchema, ...errorResponses(access, 422, ...MODEL_REF_ERRORS, ...BODY_ERRORS) },
    }),
    handler: async (request, reply) => {
      const state = useModel(ctx, request, request.params.name);
      const paths = request.body.paths;
      checkCost(ctx, state.scorer!.costOf(paths.map((p) => p.events.length), 'trajectory'), paths.length);
      const risks = await withDeadline(reply, ctx.limits.requestDeadlineMs, (signal) => state.scorer!.scoreTrajectories(paths, signal === undefined ? {} : { signal }));
      return {
        model: state.name,
        version: state.version,
        modelKind: state.scorer!.modelKind,
        trajectories: request.body.paths.map((p, i) => {
          const r = Array.from(risks[i]!);
          return { ...(p.label === undefined ? {} : { label: p.label }), risks: r, finalRisk: r[r.length - 1]! };
        }),
      };
    },
  });

  app.post<{ Params: { name: string }; Body: InterventionsBody }>('/v1/models/:name/interventions', {
    config: { access },
    schema: ctx.zod.schema('POST', '/v1/models/:name/interventions', {
      tags: ['scoring'],
      summary: 'Turning points, ranked counterfactual candidates with cohort-path support, and the caveat',
      params: ModelRefParamsSchema,
      body: InterventionsBodySchema,
      response: { 200: InterventionsResponseSchema, ...errorResponses(access, 422, ...MODEL_REF_ERRORS, ...BODY_ERRORS) },
    }),
    handler: async (request, reply) => {
      const state = useModel(ctx, request, request.params.name);
      const bundle = state.bundle!;
      const catalogue = requestCatalogue(bundle.catalogue, request.body);
      const { topK, turningPoints, attribution } = request.body;
      const priced = explanationCost(state.scorer!, request.body.path, catalogue, attribution);
      if (priced !== null) checkCost(ctx, priced.cost, priced.variants);
      const result = await withDeadline(reply, ctx.limits.requestDeadlineMs, (signal) =>
        ctx.explain(state.scorer!, request.body.path, catalogue, {
          ...(topK === undefined ? {} : { topK }),
          ...(turningPoints === undefined ? {} : { turningPoints }),
          ...(attribution === undefined ? {} : { attribution }),
          cohortPaths: bundle.cohortPaths,
          ...(bundle.manifest.resolvedConfig === undefined ? {} : { adjustment: bundle.manifest.resolvedConfig.adjustment }),
          ...(bundle.metrics.interventions === undefined ? {} : { truthCheck: bundle.metrics.interventions }),
          ...(signal === undefined ? {} : { signal }),
        }),
      );
      return { model: state.name, version: state.version, ...result };
    },
  });
}

