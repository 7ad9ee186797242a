// buildApp(): the whole service as a Fastify instance, every piece wired by an explicit call.
// Only server.ts listens; tests call app.inject().
import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import { randomBytes } from 'node:crypto';
import { explainPath } from '../explain/index.js';
import { ServicepathError } from '../errors/index.js';
import { AuditLog, type AuditLogOptions } from './audit-log.js';
import { type RouteAccess, registerAuth, tokenIndex } from './auth.js';
import type { ServeContext } from './context.js';
import { registerErrorHandling } from './errors.js';
import { registerRequestHooks, registerSecurityHeaders } from './hooks.js';
import { ServiceMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { ModelRegistry } from './registry.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerCohortRoutes } from './routes/cohort-paths.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerMetricsRoute } from './routes/metrics.js';
import { registerModelRoutes } from './routes/models.js';
import { registerScoreRoutes } from './routes/score.js';
import { defaultWebRoot, registerStaticRoutes } from './routes/static.js';
import { registerWhoamiRoute } from './routes/whoami.js';
import { sha256Hex } from '../util/hash.js';
import type { TokenEntry } from './tokens-file.js';
import type { BundleLoader, ExplainFn } from './types.js';
import { ZodRoutes } from './validation.js';

/** All service defaults in one place. */
export const SERVE_DEFAULTS = {
  batchWindowMs: 2,
  maxBatchPaths: 256,
  bodyLimitBytes: 1_048_576,
  /** Requests per token (per IP without a token) per window. */
  rateLimitMax: 6000,
  /** Requests per address per window, checked before authentication (every request, with a token or not). */
  rateLimitAddressMax: 12_000,
  rateLimitWindowMs: 60_000,
  /** Refusals (401, 403, 429, ...) of one address get one counted audit line per interval. */
  auditRefusalIntervalMs: 10_000,
  reloadDebounceMs: 300,
  /**
   * Largest scoring cost of one request (cost units: src/scoring/cost.ts; about 1.1 us of CPU each on the
   * development machine). A 512-event /interventions request on the default GRU with a 20-service catalogue on the
   * half-year grid costs 0.29 million at maxLen 181 and 0.64 million at maxLen 512 (docs/api.md, "Bounded work"); a planner's own catalogue
   * on a fine grid can ask for a hundred times more.
   */
  maxRequestCost: 1_500_000,
  /** Scoring is ended this long after the request arrived (503 with Retry-After). */
  requestDeadlineMs: 10_000,
} as const;

export interface BuildAppOptions {
  /** Folder of bundles: <modelsDir>/<name>/<version>/ plus optional <modelsDir>/<name>/aliases.json. */
  modelsDir: string;
  /** Loads and verifies one bundle (src/bundle's loadBundle in production). */
  loader: BundleLoader;
  /** Entries of the tokens file (hashes only). */
  tokens: readonly TokenEntry[];
  /** Audit log file (JSON lines, hash-chained); null or absent keeps the log in memory. */
  auditLogFile?: string | null;
  explain?: ExplainFn;
  batchWindowMs?: number;
  maxBatchPaths?: number;
  bodyLimitBytes?: number;
  /**
   * false turns rate limiting off (load tests); else max requests per token per window, and addressMax requests per
   * address per window before authentication (default SERVE_DEFAULTS.rateLimitAddressMax; 0 turns that one off).
   */
  rateLimit?: false | { max: number; windowMs: number; addressMax?: number };
  /** How the audit log writes and retries (tests inject failing writes). */
  auditLogOptions?: AuditLogOptions;
  /** Largest scoring cost of one request (default SERVE_DEFAULTS.maxRequestCost; 0: no limit). */
  maxRequestCost?: number;
  /** Per-request scoring deadline in ms (default SERVE_DEFAULTS.requestDeadlineMs; 0: none). */
  requestDeadlineMs?: number;
  /** Interval of the counted refusal lines (default SERVE_DEFAULTS.auditRefusalIntervalMs). */
  auditRefusalIntervalMs?: number;
  /** Watch the models folder and reload on change (server.ts turns it on; tests may call reload()). */
  watch?: boolean;
  reloadDebounceMs?: number;
  logger?: FastifyServerOptions['logger'];
  /** Log every request (off by default: the audit log records each one). */
  requestLogging?: boolean;
  /** Live tensor count for /metrics (src/model's tensorCount). */
  tensorCount?: () => number;
  /** Folder of the web page (default <package>/src/web/public). */
  webRoot?: string;
  /** Reported in /openapi.json. */
  version?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    registry: ModelRegistry;
    /** Every route with its access rule, as registered (the role-matrix test checks it is complete). */
    routeAccess: { method: string; url: string; access: RouteAccess | null }[];
  }
}

/** Request ids: a random per-process prefix and a counter (cheap, unique, not guessable across restarts). */
function requestIdGenerator(): () => string {
  const prefix = randomBytes(4).toString('hex');
  let n = 0;
  return () => `${prefix}-${(++n).toString(36)}`;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const bodyLimitBytes = options.bodyLimitBytes ?? SERVE_DEFAULTS.bodyLimitBytes;
  const app = Fastify({
    logger: options.logger ?? false,
    logController: new LogController({ disableRequestLogging: options.requestLogging !== true, requestIdLogLabel: 'requestId' }),
    bodyLimit: bodyLimitBytes,
    genReqId: requestIdGenerator(),
    routerOptions: { maxParamLength: 200 },
    // Prototype poisoning in JSON bodies is an error, not silently stripped.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  });
  const metrics = new ServiceMetrics();
  const registry = new ModelRegistry({
    modelsDir: options.modelsDir,
    loader: options.loader,
    log: app.log,
    reloadDebounceMs: options.reloadDebounceMs ?? SERVE_DEFAULTS.reloadDebounceMs,
    batch: {
      windowMs: options.batchWindowMs ?? SERVE_DEFAULTS.batchWindowMs,
      maxBatchPaths: options.maxBatchPaths ?? SERVE_DEFAULTS.maxBatchPaths,
      onBatch: ({ paths, requests, durationMs }) => {
        metrics.batchPaths.observe({}, paths);
        metrics.batchRequests.observe({}, requests);
        metrics.inference.observe({}, durationMs / 1000);
      },
    },
  });
  // The writer's state changes are logged once each (the refused requests are not logged one by one).
  const audit = await AuditLog.open(options.auditLogFile ?? null, {
    ...options.auditLogOptions,
    onStateChange: (degraded) => {
      if (degraded === null) app.log.info('audit log: writing works again; serving');
      else app.log.error({ err: degraded.error }, 'audit log cannot be written: requests that must be audited are refused (503) until it can');
      options.auditLogOptions?.onStateChange?.(degraded);
    },
  });
  if (audit.repairedTail !== null) {
    app.log.warn({ sideFile: audit.repairedTail.sideFile, bytes: audit.repairedTail.bytes }, 'audit log: a torn last line was moved to a side file');
  }
  if (audit.file !== null) {
    if (audit.keyId === null) app.log.warn({ file: audit.file }, 'audit log: unkeyed (no MACs, no signed checkpoints)');
    else app.log.info({ file: audit.file, keyId: audit.keyId, checkpoints: audit.checkpointsFile }, 'audit log: keyed');
    if (audit.resumed !== null && audit.keyId !== null && !audit.resumed.cleanShutdown) {
      app.log.warn({ lastSeq: audit.resumed.lastSeq, unanchored: audit.resumed.unanchored }, 'audit log: the last run did not end with a shutdown checkpoint (a crash)');
    }
  }
  const ctx: ServeContext = { registry, audit, metrics, zod: new ZodRoutes(),
    explain: options.explain ?? explainPath,
    limits: {
      maxRequestCost: options.maxRequestCost ?? SERVE_DEFAULTS.maxRequestCost,
      requestDeadlineMs: options.requestDeadlineMs ?? SERVE_DEFAULTS.requestDeadlineMs,
    },
  };
  app.decorate('registry', registry);

  metrics.gauge('servicepath_models_loaded', 'Model versions by state (1 per version).', () =>
    registry.all().map((v) => ({ labels: { model: v.name, version: v.version, state: v.status }, value: 1 })),
  );
  metrics.gauge('servicepath_process_resident_memory_bytes', 'Resident set size.', () => [{ labels: {}, value: process.memoryUsage().rss }]);
  if (options.tensorCount) {
    const count = options.tensorCount;
    metrics.gauge('servicepath_tensors', 'Live TensorFlow.js tensors (flat under load when nothing leaks).', () => [{ labels: {}, value: count() }]);
  }

  ctx.zod.install(app);
  // Bodies are JSON only: plain text would otherwise reach the validators as a string. The raw text is
  // hashed for the audit log as it is parsed (hashing the parsed object again would cost ten times more).
  app.removeContentTypeParser(['text/plain', 'application/json']);
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, raw, done) => {
    request.inputSha256 = sha256Hex(raw as string);
    parseJson(request, raw as string, done);
  });
  registerErrorHandling(app, bodyLimitBytes);
  registerSecurityHeaders(app);
  // Plugin routes (the /docs page) are public; every other route must declare its access.
  const routeAccess: FastifyInstance['routeAccess'] = [];
  app.decorate('routeAccess', routeAccess);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config ?? {}), access: { public: true } };
    for (const method of [route.method].flat()) routeAccess.push({ method, url: route.url, access: route.config?.access ?? null });
  });
  if (options.rateLimit !== false) {
    const limit = options.rateLimit ?? { max: SERVE_DEFAULTS.rateLimitMax, windowMs: SERVE_DEFAULTS.rateLimitWindowMs };
    await app.register(rateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.windowMs,
      // Per token: after authentication (onRequest), before the body is read.
      hook: 'preParsing',
      keyGenerator: (request) => (request.auth ? `token:${request.auth.tokenId}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new ServicepathError('SERVE_RATE_LIMITED', { max: context.max, window: `${limit.windowMs} ms`, retryAfter: context.after }),
    });
    // Per address, before authentication: the first onRequest hook, so that requests without a valid token (and
    // requests for unknown routes) are limited too. Keyed by the plugin's default: the address, IPv6 by its /64.
    const addressMax = limit.addressMax ?? SERVE_DEFAULTS.rateLimitAddressMax;
    if (addressMax > 0) {
      const byAddress = app.createRateLimit({ max: addressMax, timeWindow: limit.windowMs });
      app.addHook('onRequest', async (request, reply) => {
        const r = await byAddress(request);
        if (r.isAllowed || !r.isExceeded) return;
        void reply.header('retry-after', String(r.ttlInSeconds));
        throw new ServicepathError('SERVE_RATE_LIMITED', { max: r.max, window: `${r.timeWindow} ms`, retryAfter: `${r.ttlInSeconds} s` });
      });
    }
  }
  registerAuth(app, tokenIndex(options.tokens));
  // After authentication: the audit gate, then the audit line of each answer.
  const closeRefusals = registerRequestHooks(app, ctx, options.auditRefusalIntervalMs ?? SERVE_DEFAULTS.auditRefusalIntervalMs);
  await registerOpenApi(app, options.version ?? '0.1.0');
  registerHealthRoutes(app, ctx);
  registerWhoamiRoute(app, ctx);
  registerModelRoutes(app, ctx);
  registerScoreRoutes(app, ctx);
  registerCohortRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerMetricsRoute(app, ctx);
  registerAdminRoutes(app, ctx);
  registerStaticRoutes(app, options.webRoot ?? defaultWebRoot());

  app.addHook('onClose', async () => {
    await registry.close();
    closeRefusals();
    const unwritten = await audit.close();
    if (unwritten > 0) app.log.error({ unwritten }, 'audit log: entries could not be written before closing');
  });
  await registry.reload();
  if (options.watch === true) registry.watch();
  return app;
}
