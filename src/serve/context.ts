// What the route modules share: the registry, the audit log, metrics and the zod route table.
import type { AuditLog } from './audit-log.js';
import type { ServiceMetrics } from './metrics.js';
import type { ModelRegistry, VersionState } from './registry.js';
import type { ExplainFn } from './types.js';
import type { ZodRoutes } from './validation.js';

export interface ServeContext {
  registry: ModelRegistry;
  audit: AuditLog;
  metrics: ServiceMetrics;
  zod: ZodRoutes;
  explain: ExplainFn;
  /** Bounded work per request (docs/api.md, "Bounded work"). */
  limits: ServeLimits;
}

interface ServeLimits {
  /** Largest scoring cost of one request, in cost units (src/scoring/cost.ts); 0: no limit. */
  maxRequestCost: number;
  /** Scoring is ended this long after the request arrived (503 with Retry-After); 0: no deadline. */
  requestDeadlineMs: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The model version a request used, for the audit log and metrics. */
    servedModel: { name: string; version: string } | null;
  }
}

/** Resolves `:name` and records which version answered. */
export function useModel(ctx: ServeContext, request: import('fastify').FastifyRequest, ref: string): VersionState {
  const state = ctx.registry.resolve(ref);
  request.servedModel = { name: state.name, version: state.version };
  return state;
}
