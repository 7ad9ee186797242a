// Per-request bookkeeping: the audit gate before the answer, one audit line and the request metrics after it
// (refusals counted per address instead, so that a flood cannot fill the disk), and the security headers.
import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServicepathError } from '../errors/index.js';
import type { AuditLog } from './audit-log.js';
import type { ServeContext } from './context.js';
import { sha256Hex } from '../util/hash.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** SHA-256 of the raw JSON body, set by the JSON parser; null without a body. */
    inputSha256: string | null;
    /** Refused by the audit gate (the log could not be written): counted with the other refusals. */
    auditRefused: boolean;
  }
  interface FastifyContextConfig {
    /** Answers while the audit log cannot be written (liveness and readiness only). */
    servesWhileAuditDegraded?: boolean;
  }
}

/** Refusals get one full line per address per interval; the rest are counted into one line at its end. */
const REFUSED_STATUSES: ReadonlySet<number> = new Set([401, 403, 429]);
/** Addresses tracked per interval; the refusals of any further address are counted under OTHER_ADDRESSES. */
const MAX_ADDRESSES = 256;
/** Full lines for first refusals per interval (a flood from many addresses gets counts, not lines). */
const MAX_FULL_LINES = 32;
const OTHER_ADDRESSES = '(other addresses)';

interface RefusalBucket {
  /** The first and last refusal counted (not the one that got its own line). */
  from: Date | null;
  to: Date | null;
  counts: Record<string, number>;
}

/** The refusals of each address in the current interval: the first gets its own line, the rest one line at the end. */
class RefusalAudit {
  private window = new Map<string, RefusalBucket>();
  private fullLines = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly audit: AuditLog,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  record(address: string, status: number, now: Date, line: () => void): void {
    let bucket = this.window.get(address);
    if (bucket === undefined) {
      const key = this.window.size < MAX_ADDRESSES ? address : OTHER_ADDRESSES;
      bucket = this.window.get(key);
      if (bucket === undefined) {
        bucket = { from: null, to: null, counts: {} };
        this.window.set(key, bucket);
        if (key !== OTHER_ADDRESSES && this.fullLines < MAX_FULL_LINES) {
          this.fullLines++;
          line();
          return;
        }
      }
    }
    bucket.from ??= now;
    bucket.to = now;
    const k = String(status);
    bucket.counts[k] = (bucket.counts[k] ?? 0) + 1;
  }

  /** Ends the interval: one line per address with refusals counted. */
  flush(): void {
    const now = new Date();
    for (const [address, b] of this.window) {
      if (b.from !== null && b.to !== null) this.audit.appendRefusals(address, b.from, b.to, b.counts, now);
    }
    this.window = new Map();
    this.fullLines = 0;
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

/** A refusal: no valid token, a role not allowed, over a rate limit, an unknown route without a token, or the audit gate. */
function isRefusal(request: FastifyRequest, status: number): boolean {
  return REFUSED_STATUSES.has(status) || (status === 404 && request.auth === null) || request.auditRefused;
}

/** Returns the function that writes the refusals counted so far and stops the interval (call before closing the log). */
export function registerRequestHooks(app: FastifyInstance, ctx: ServeContext, refusalIntervalMs: number): () => void {
  app.decorateRequest('servedModel', null);
  app.decorateRequest('inputSha256', null);
  app.decorateRequest('auditRefused', false);
  const refusals = new RefusalAudit(ctx.audit, refusalIntervalMs);
  // Never answer unaudited: while the log cannot be written, requests are refused with 503 (after one more
  // write attempt, so the first request after space is freed is served); liveness and readiness still answer.
  app.addHook('onRequest', async (request, reply) => {
    if (ctx.audit.degraded === null || request.routeOptions.config?.servesWhileAuditDegraded === true) return;
    await ctx.audit.retry();
    const degraded = ctx.audit.degraded;
    if (degraded === null) return;
    request.auditRefused = true;
    void reply.header('retry-after', '1');
    throw new ServicepathError('AUDIT_UNAVAILABLE', { since: degraded.since.toISOString() });
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? '(unmatched)' : (request.routeOptions.url ?? '(unmatched)');
    const latencyMs = reply.elapsedTime;
    const status = reply.statusCode;
    const line = () =>
      void ctx.audit.append({
        tokenId: request.auth?.tokenId ?? null,
        role: request.auth?.role ?? null,
        method: request.method,
        route,
        model: request.servedModel?.name ?? null,
        version: request.servedModel?.version ?? null,
        // The input (URL and raw body) is hashed, never stored: the log holds no request content.
        inputSha256: sha256Hex(`${request.method} ${request.url}\n${request.inputSha256 ?? ''}`),
        status,
        latencyMs: Math.round(latencyMs * 1000) / 1000,
      });
    // The address as the rate limit keys it (IPv6 by its /64); a socket already gone may have none.
    const ip: string | undefined = request.ip;
    if (isRefusal(request, status)) refusals.record(typeof ip === 'string' && ip !== '' ? normalizeIP(ip) : '(unknown)', status, new Date(), line);
    else line();
    const labels = { route, method: request.method, status: String(status) };
    ctx.metrics.requests.inc(labels);
    ctx.metrics.latency.observe({ route, method: request.method }, latencyMs / 1000);
  });
  return () => refusals.close();
}

/**
 * The page's and the API's policy. 'unsafe-inline' for styles only: the auditor view shows the model card (our own
 * rendering, with a <style> element) in a sandboxed srcdoc frame, which inherits this policy.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');
/** Directives default-src does not cover: added to a route's own policy (the card's HTML) where it lacks them. */
const DOCUMENT_DIRECTIVES: readonly [string, string][] = [
  ['base-uri', "'none'"],
  ['form-action', "'self'"],
];

/** A route's own policy, kept, with framing refused and the document directives it lacks added. */
export function mergedPolicy(own: string): string {
  const directives = own
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '' && !/^frame-ancestors(\s|$)/i.test(d));
  const names = new Set(directives.map((d) => d.split(/\s+/)[0]!.toLowerCase()));
  for (const [name, value] of DOCUMENT_DIRECTIVES) if (!names.has(name)) directives.push(`${name} ${value}`);
  directives.push("frame-ancestors 'none'");
  return directives.join('; ');
}

/** Content-Security-Policy, framing, sniffing and referrer headers on every answer (page, assets, API, errors). */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const own = reply.getHeader('content-security-policy');
    void reply.headers({
      'content-security-policy': typeof own === 'string' && own !== '' ? mergedPolicy(own) : CONTENT_SECURITY_POLICY,
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    });
    return payload;
  });
}
