// The audit trail for auditors: read entries after a seq, and verify the whole hash chain.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AuditQuerySchema, EmptyQuerySchema, errorResponses } from '../api-schemas.js';
import { AuditEntrySchema } from '../audit-chain.js';
import { AUDIT_ROLES } from '../auth.js';
import type { ServeContext } from '../context.js';

const VerifySchema = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    lastSeq: z.number().int(),
    lastHash: z.string(),
    brokenSeq: z.number().int().optional(),
    brokenLine: z.number().int().optional(),
    brokenFile: z.string().optional(),
    reason: z.string().optional(),
    problem: z.enum(['chain', 'key']).optional(),
    keyed: z.boolean().nullable(),
    macs: z.enum(['verified', 'unchecked', 'none']),
    checkpoints: z.number().int(),
    signatures: z.enum(['verified', 'unchecked', 'none']),
    keyId: z.string().nullable(),
    lastCheckpointSeq: z.number().int().nullable(),
    lastCheckpointReason: z.enum(['interval', 'rotation', 'shutdown']).nullable(),
    /** Entries after the last checkpoint (not yet anchored by a signature). */
    unanchored: z.number().int(),
    cleanShutdown: z.boolean(),
    files: z.array(z.string()),
    external: z.object({ file: z.string(), checkpoints: z.number().int(), matched: z.number().int(), unreadable: z.number().int() }).strict().nullable(),
  })
  .strict();

export function registerAuditRoutes(app: FastifyInstance, ctx: ServeContext): void {
  const access = { roles: AUDIT_ROLES };
  app.get<{ Querystring: z.infer<typeof AuditQuerySchema> }>('/v1/audit', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/audit', {
      tags: ['audit'],
      summary: 'Audit entries with seq greater than afterSeq (oldest first, at most limit)',
      querystring: AuditQuerySchema,
      response: { 200: z.object({ entries: z.array(AuditEntrySchema), lastSeq: z.number().int() }).strict(), ...errorResponses(access) },
    }),
    handler: async (request) => {
      const { afterSeq, limit } = request.query;
      const entries: z.infer<typeof AuditEntrySchema>[] = [];
      for await (const line of ctx.audit.lines(afterSeq)) {
        const entry = AuditEntrySchema.parse(JSON.parse(line));
        if (entry.seq <= afterSeq) continue;
        entries.push(entry);
        if (entries.length >= limit) break;
      }
      return { entries, lastSeq: ctx.audit.lastSeq };
    },
  });
  app.get('/v1/audit/verify', {
    config: { access },
    schema: ctx.zod.schema('GET', '/v1/audit/verify', {
      tags: ['audit'],
      summary: 'Verify the audit log: hash chain, MACs and checkpoint signatures under the service key, the checkpoints file; names the first broken seq',
      querystring: EmptyQuerySchema,
      response: { 200: VerifySchema, ...errorResponses(access) },
    }),
    handler: async () => ctx.audit.verify(),
  });
}
