// Liveness and readiness: /healthz is 200 while the process lives and reports the audit log's state; /readyz is 200
// only when every bundle loaded and reproduced its input example and the audit log can be written. Both answer
// while the audit log cannot be written (every other route is refused then).
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServicepathError } from '../../errors/index.js';
import { errorResponses } from '../api-schemas.js';
import type { ServeContext } from '../context.js';

/** Whether entries carry MACs under an audit key, and the seq of the last signed checkpoint entry. */
const keying = { keyed: z.boolean(), lastCheckpointSeq: z.number().int().nullable() };
const AuditStateSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('ok'), ...keying }).strict(),
  z
    .object({
      state: z.literal('degraded'),
      /** When the first write failed. */
      since: z.string(),
      code: z.literal('AUDIT_WRITE_FAILED'),
      /** The system's error code of the last failure (ENOSPC, EACCES, EIO, ...). */
      reason: z.string(),
      /** Entries kept in memory until the log can be written. */
      backlog: z.number().int(),
      ...keying,
    })
    .strict(),
]);
const HealthSchema = z.object({ status: z.literal('ok'), audit: AuditStateSchema }).strict();
const ReadySchema = z.object({ status: z.literal('ready'), detail: z.string() }).strict();

export function registerHealthRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const access = { public: true };
  const config = { access, servesWhileAuditDegraded: true };
  app.get('/healthz', {
    config,
    schema: ctx.zod.schema('GET', '/healthz', {
      tags: ['health'],
      summary: 'The process is alive; the audit log\'s state (ok, or degraded since a time, with the code), whether it is keyed, its last checkpoint',
      response: { 200: HealthSchema, ...errorResponses(access) },
    }),
    handler: async () => ({ status: 'ok' as const, audit: ctx.audit.health() }),
  });
  app.get('/readyz', {
    config,
    schema: ctx.zod.schema('GET', '/readyz', {
      tags: ['health'],
      summary: 'Ready: every bundle loaded and reproduced its input example, and the audit log can be written (503 otherwise)',
      response: { 200: ReadySchema, ...errorResponses(access, 503) },
    }),
    handler: async () => {
      const r = ctx.registry.readiness();
      if (!r.ready) throw new ServicepathError('SERVE_NOT_READY', { detail: r.detail });
      const audit = ctx.audit.health();
      if (audit.state === 'degraded') {
        throw new ServicepathError('SERVE_NOT_READY', { detail: `the audit log cannot be written since ${audit.since} (${audit.code}: ${audit.reason})` });
      }
      return { status: 'ready' as const, detail: r.detail };
    },
  });
}
