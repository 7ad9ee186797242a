// Browse the bundle's anonymised cohort paths. Suppressed groups and hidden rates stay hidden: no filter or sort
// reads followed-by values, and as a last guard (against a tampered or old file) a group under k is re-suppressed
// and a rate that implies fewer than minCount children with the outcome, or without it, is hidden here.
import type { FastifyInstance } from 'fastify';
import { impliedSuppression } from '../../privacy/rules.js';
import type { CohortPath, CohortPathsFile, GroupStat } from '../../schemas/cohort-paths.js';
import type { DisclosureRules, OutcomeSuppression } from '../../schemas/disclosure.js';
import { type CohortQuery, CohortQuerySchema, CohortResponseSchema, errorResponses, MODEL_REF_ERRORS, ModelRefParamsSchema } from '../api-schemas.js';
import { ALL_ROLES } from '../auth.js';
import { type ServeContext, useModel } from '../context.js';

type OutcomeCell = { persons: number; outcomeRate: number | null; outcomeSuppressed?: OutcomeSuppression };

/**
 * A published rate, or null with why: a rate that comes with a reason stays hidden; a rate whose implied count
 * (rate x persons) or complement is under minCount is hidden as 'numerator' or 'complement'.
 */
function guardOutcome<T extends OutcomeCell>(cell: T, rules: DisclosureRules): T {
  if (cell.outcomeRate === null) return cell;
  if (cell.outcomeSuppressed !== undefined) return { ...cell, outcomeRate: null };
  const why = impliedSuppression(cell.outcomeRate, cell.persons, rules.minCount);
  return why === null ? cell : { ...cell, outcomeRate: null, outcomeSuppressed: why };
}

function guardStat(stat: GroupStat, rules: DisclosureRules): GroupStat {
  if ('suppressed' in stat) return stat;
  return stat.persons >= rules.k ? guardOutcome(stat, rules) : { suppressed: true, reason: 'group' };
}

/** A shown side hidden because the other side is: it takes the other's reason (a group under k, when unsaid). */
const hiddenBeside = (side: GroupStat, other: GroupStat): GroupStat =>
  'suppressed' in side ? side : { suppressed: true, reason: ('suppressed' in other ? other.reason : undefined) ?? 'group' };

/**
 * Drops paths under k, hides rates that break minCount, and suppresses both sides of a followed-by pair when
 * either side is under k (the shown one would reveal the other by subtraction from the cohort path).
 */
export function guardPrivacy(path: CohortPath, rules: DisclosureRules): CohortPath | null {
  if (!(path.persons >= rules.k)) return null;
  return {
    ...guardOutcome(path, rules),
    followedBy: path.followedBy.map((f) => {
      const received = guardStat(f.received, rules);
      const notReceived = guardStat(f.notReceived, rules);
      const hide = 'suppressed' in received || 'suppressed' in notReceived;
      return { ...f, received: hide ? hiddenBeside(received, notReceived) : received, notReceived: hide ? hiddenBeside(notReceived, received) : notReceived };
    }),
  };
}

/** Sort keys; a hidden rate has none (null) and sorts last in either order. */
const sortValue: Record<CohortQuery['sort'], (p: CohortPath) => number | string | null> = {
  persons: (p) => p.persons,
  outcomeRate: (p) => p.outcomeRate,
  meanPredictedRisk: (p) => p.meanPredictedRisk,
  steps: (p) => p.steps.length,
  id: (p) => p.id,
};

export function browseCohortPaths(file: CohortPathsFile, q: CohortQuery): { total: number; paths: CohortPath[] } {
  let paths = file.paths.map((p) => guardPrivacy(p, file.privacy)).filter((p): p is CohortPath => p !== null);
  if (q.group !== undefined) paths = paths.filter((p) => p.steps.some((s) => s.groups.includes(q.group!)));
  if (q.band !== undefined) paths = paths.filter((p) => p.throughBand === q.band);
  if (q.service !== undefined) paths = paths.filter((p) => p.followedBy.some((f) => f.code === q.service));
  if (q.minPersons !== undefined) paths = paths.filter((p) => p.persons >= q.minPersons!);
  const value = sortValue[q.sort];
  const sign = q.order === 'asc' ? 1 : -1;
  paths.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = va === vb ? 0 : va === null ? 1 : vb === null ? -1 : sign * (va < vb ? -1 : 1);
    return c !== 0 ? c : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return { total: paths.length, paths: paths.slice(q.offset, q.offset + q.limit) };
}

export function registerCohortRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const access = { roles: ALL_ROLES };
  app.get<{ Params: { name: string }; Querystring: CohortQuery }>('/v1/models/:name/cohort-paths', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/models/:name/cohort-paths', {
      tags: ['cohort paths'],
      summary: 'Browse, filter and sort the anonymised cohort paths (groups under k stay suppressed, rates behind fewer than minCount hidden)',
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
