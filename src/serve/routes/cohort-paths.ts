// Browse the bundle's anonymised cohort paths. Suppressed groups stay suppressed: no filter or sort reads
// followed-by values, and a group under k (a tampered or old file) is re-suppressed here as a last guard.
import type { FastifyInstance } from 'fastify';
import type { CohortPath, CohortPathsFile, GroupStat } from '../../schemas/cohort-paths.js';
import { type CohortQuery, CohortQuerySchema, CohortResponseSchema, errorResponses, MODEL_REF_ERRORS, ModelRefParamsSchema } from '../api-schemas.js';
import { ALL_ROLES } from '../auth.js';
import { type ServeContext, useModel } from '../context.js';

function guardStat(stat: GroupStat, k: number): GroupStat {
  return 'persons' in stat && stat.persons >= k ? stat : { suppressed: true };
}

/** Drops paths under k and suppresses both sides of a followed-by pair when either side is under k. */
export function guardPrivacy(path: CohortPath, k: number): CohortPath | null {
  if (!(path.persons >= k)) return null;
  return {
    ...path,
    followedBy: path.followedBy.map((f) => {
      const received = guardStat(f.received, k);
      const notReceived = guardStat(f.notReceived, k);
      const hide = 'suppressed' in received || 'suppressed' in notReceived;
      return hide ? { ...f, received: { suppressed: true as const }, notReceived: { suppressed: true as const } } : f;
    }),
  };
}

const sortValue: Record<CohortQuery['sort'], (p: CohortPath) => number | string> = {
  persons: (p) => p.persons,
  outcomeRate: (p) => p.outcomeRate,
  meanPredictedRisk: (p) => p.meanPredictedRisk,
  steps: (p) => p.steps.length,
  id: (p) => p.id,
};

export function browseCohortPaths(file: CohortPathsFile, q: CohortQuery): { total: number; paths: CohortPath[] } {
  const k = file.privacy.k;
  let paths = file.paths.map((p) => guardPrivacy(p, k)).filter((p): p is CohortPath => p !== null);
  if (q.group !== undefined) paths = paths.filter((p) => p.steps.some((s) => s.groups.includes(q.group!)));
  if (q.band !== undefined) paths = paths.filter((p) => p.throughBand === q.band);
  if (q.service !== undefined) paths = paths.filter((p) => p.followedBy.some((f) => f.code === q.service));
  if (q.minPersons !== undefined) paths = paths.filter((p) => p.persons >= q.minPersons!);
  const value = sortValue[q.sort];
  const sign = q.order === 'asc' ? 1 : -1;
  paths.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = va < vb ? -1 : va > vb ? 1 : 0;
    return c !== 0 ? sign * c : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return { total: paths.length, paths: paths.slice(q.offset, q.offset + q.limit) };
}

export function registerCohortRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const access = { roles: ALL_ROLES };
  app.get<{ Params: { name: string }; Querystring: CohortQuery }>('/v1/models/:name/cohort-paths', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/models/:name/cohort-paths', {
      tags: ['cohort paths'],
      summary: 'Browse, filter and sort the anonymised cohort paths (groups under k stay suppressed)',
      params: ModelRefParamsSchema,
      querystring: CohortQuerySchema,
      response: { 200: CohortResponseSchema, ...errorResponses(access, ...MODEL_REF_ERRORS) },
    }),
    handler: async (request) => {
      const state = useModel(ctx, request, request.params.name);
      const file = state.bundle!.cohortPaths;
      const { total, paths } = browseCohortPaths(file, request.query);
      return { model: state.name, version: state.version, privacy: file.privacy, total, paths };
    },
  });
}
