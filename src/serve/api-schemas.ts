// Request and response bodies of the HTTP API: the zod source of truth for validation and for /openapi.json.
// Every object is .strict(): unknown keys (a person_id, for one) are refused with 400.
import { z } from 'zod';
import type { ErrorCode } from '../errors/index.js';
import { CatalogueSchema } from '../schemas/catalogue.js';
import { CohortPathSchema, CohortPrivacySchema } from '../schemas/cohort-paths.js';
import { DisclosureRulesSchema } from '../schemas/disclosure.js';
import { AttributionMethodSchema, InterventionsResultSchema } from '../schemas/interventions.js';
import { MODEL_KINDS } from '../schemas/manifest.js';
import { MetricEstimateSchema } from '../schemas/metrics.js';
import { PathRelationSchema, PathSchema } from '../schemas/path.js';
import { TaskSpecSchema } from '../schemas/task.js';
import type { RouteAccess } from './auth.js';
import { ROLES } from './types.js';

/** Paths in one score request; bigger sets go in several requests (each is batched with others anyway). */
export const MAX_PATHS_PER_REQUEST = 64;
/** Services in a catalogue sent with an interventions request: each adds (insertion ages) forward passes. */
const MAX_REQUEST_CATALOGUE_SERVICES = 20;
export const MAX_COHORT_PAGE = 200;

export const ModelRefParamsSchema = z
  .object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}(@[A-Za-z0-9][A-Za-z0-9_.-]{0,63})?$/, 'expected name, name@version or name@alias') })
  .strict();

export const ScoreBodySchema = z.object({ paths: z.array(PathSchema).min(1).max(MAX_PATHS_PER_REQUEST) }).strict();
export type ScoreBody = z.infer<typeof ScoreBodySchema>;

export const ScoreResponseSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    modelKind: z.string(),
    trajectories: z.array(
      z.object({ label: z.string().optional(), risks: z.array(z.number()), finalRisk: z.number() }).strict(),
    ),
  })
  .strict();

export const InterventionsBodySchema = z
  .object({
    path: PathSchema,
    /** A subset of the bundle's catalogue, by service code. */
    services: z.array(z.string().min(1).max(128)).min(1).max(MAX_REQUEST_CATALOGUE_SERVICES).optional(),
    /** Or a catalogue of the planner's own (limited in size). */
    catalogue: CatalogueSchema.optional(),
    topK: z.number().int().min(1).max(50).optional(),
    turningPoints: z.number().int().min(1).max(20).optional(),
    attribution: AttributionMethodSchema.optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.services !== undefined && b.catalogue !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['catalogue'], message: 'send either services or catalogue, not both' });
    }
    if (b.catalogue !== undefined && b.catalogue.services.length > MAX_REQUEST_CATALOGUE_SERVICES) {
      ctx.addIssue({ code: 'custom', path: ['catalogue', 'services'], message: `at most ${MAX_REQUEST_CATALOGUE_SERVICES} services per request` });
    }
  });
export type InterventionsBody = z.infer<typeof InterventionsBodySchema>;

export const InterventionsResponseSchema = InterventionsResultSchema.extend({ model: z.string(), version: z.string() }).strict();

const COHORT_SORTS = ['persons', 'outcomeRate', 'meanPredictedRisk', 'steps', 'id'] as const;
export const CohortQuerySchema = z
  .object({
    /** Only paths whose prefix holds this event group (for example `self:child_welfare`). */
    group: z.string().max(128).optional(),
    /** Only paths through this age band. */
    band: z.string().max(64).optional(),
    /** Only paths followed by this service (its received/not-received stats may still be suppressed). */
    service: z.string().max(128).optional(),
    minPersons: z.coerce.number().int().min(0).optional(),
    sort: z.enum(COHORT_SORTS).default('persons'),
    order: z.enum(['asc', 'desc']).default('desc'),
    limit: z.coerce.number().int().min(1).max(MAX_COHORT_PAGE).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type CohortQuery = z.infer<typeof CohortQuerySchema>;

export const CohortResponseSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    privacy: CohortPrivacySchema,
    total: z.number().int(),
    paths: z.array(CohortPathSchema),
  })
  .strict();

export const CardQuerySchema = z.object({ format: z.enum(['json', 'md', 'markdown', 'html']).optional() }).strict();

export const AuditQuerySchema = z
  .object({
    afterSeq: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

export const EmptyQuerySchema = z.object({}).strict();

/** The body of every 4xx and 5xx answer (src/serve/errors.ts); a 5xx has no `path` and only a generic message. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), path: z.string().optional(), requestId: z.string() }).strict(),
  })
  .strict();

/** The error statuses of the API, each with the catalogue codes it carries (docs/error-codes.md) and when. */
export const API_ERROR_STATUSES = {
  400: { codes: ['SERVE_VALIDATION', 'SERVE_BAD_REQUEST'], when: 'a path parameter, query or body failed its schema (`path` names the first bad field), or the request could not be read' },
  401: { codes: ['SERVE_UNAUTHORIZED'], when: 'missing or unknown bearer token' },
  403: { codes: ['SERVE_FORBIDDEN'], when: "the token's role may not use this route" },
  404: { codes: ['SERVE_MODEL_NOT_FOUND'], when: 'no model is served under this name, version or alias' },
  406: { codes: ['SERVE_NOT_ACCEPTABLE'], when: 'the Accept header or ?format= asks for a representation the route does not offer' },
  413: { codes: ['SERVE_BODY_TOO_LARGE'], when: 'the body is larger than the service accepts (--body-limit-bytes)' },
  415: { codes: ['SERVE_UNSUPPORTED_MEDIA_TYPE'], when: 'the body is not application/json' },
  422: {
    codes: ['SERVE_REQUEST_TOO_COSTLY'],
    when: 'the scoring work the request asks for (model steps of every path and variant, by model kind) is over the limit (--max-request-cost); the message names the cost and the limit',
  },
  429: { codes: ['SERVE_RATE_LIMITED'], when: 'the request budget of the token (without one, of the address) for the time window is spent' },
  500: { codes: ['INTERNAL_ERROR'], when: 'the request failed inside the service: a generic message (or the code of a catalogued failure) and the request id; the service log has the cause' },
  503: {
    codes: ['SERVE_MODEL_UNAVAILABLE', 'SERVE_NOT_READY', 'AUDIT_UNAVAILABLE', 'SERVE_DEADLINE_EXCEEDED'],
    when: "the model's bundle was refused at load, the service is not ready, the audit log cannot be written, or scoring passed the request's deadline (retry after the Retry-After seconds)",
  },
} as const satisfies Record<number, { codes: readonly ErrorCode[]; when: string }>;
type ApiErrorStatus = keyof typeof API_ERROR_STATUSES;

/** Routes that resolve `:name` to a served model version: none by that name (404), or its bundle was refused (503). */
export const MODEL_REF_ERRORS = [404, 503] as const satisfies readonly ApiErrorStatus[];
/** Routes that read a request body (every POST): too large (413), not JSON (415). */
export const BODY_ERRORS = [413, 415] as const satisfies readonly ApiErrorStatus[];

const errorResponseByStatus = new Map<number, z.ZodType>(
  Object.entries(API_ERROR_STATUSES).map(([status, s]) => [Number(status), ErrorResponseSchema.meta({ description: `${s.codes.join(' or ')}: ${s.when}.` })]),
);

/**
 * A route's error responses, for its response schema (so /openapi.json documents the error body): 400, 429 and
 * 500 on every route, 401 behind a token, 403 where some role is refused, and the route's own statuses. Responses
 * are serialised with JSON.stringify whatever the schema (src/serve/validation.ts), so this changes no bytes.
 */
export function errorResponses(access: RouteAccess, ...own: readonly ApiErrorStatus[]): Record<number, z.ZodType> {
  const statuses = new Set<number>([400, 429, 500, ...own]);
  if (access.public !== true) {
    statuses.add(401);
    statuses.add(503); // audited: AUDIT_UNAVAILABLE while the audit log cannot be written
    if (!ROLES.every((role) => access.roles?.includes(role) === true)) statuses.add(403);
  }
  return Object.fromEntries([...statuses].sort((a, b) => a - b).map((status) => [status, errorResponseByStatus.get(status)!]));
}

/** A 2xx answer that is not a JSON object built by the route (text, or a document in several formats): for /openapi.json. */
export function documentResponse(description: string, mediaTypes: readonly string[]): z.ZodType {
  const content = Object.fromEntries(mediaTypes.map((m) => [m, { schema: m === 'application/json' ? { type: 'object' } : { type: 'string' } }]));
  return z.string().meta({ description, content });
}

/** The test split's headline metrics (metrics.json), counts rounded as the bundle stores them. */
const HeadlineMetricsSchema = z
  .object({
    split: z.literal('test'),
    n: z.number().int(),
    positives: z.number().int(),
    auroc: MetricEstimateSchema,
    auprc: MetricEstimateSchema,
    brier: MetricEstimateSchema,
    calibrationSlope: MetricEstimateSchema,
    ece: MetricEstimateSchema,
  })
  .strict();

/** A refused version has only its version, status and error; the other fields are null. */
const VersionSummarySchema = z
  .object({
    version: z.string(),
    status: z.enum(['ready', 'refused']),
    /** The manifest's content id (`sha256:<hex>`). */
    id: z.string().nullable(),
    modelKind: z.enum(MODEL_KINDS).nullable(),
    task: TaskSpecSchema.nullable(),
    createdAt: z.string().nullable(),
    signature: z.object({ input: z.literal('Path'), output: z.literal('trajectory') }).strict().nullable(),
    /**
     * True when the manifest's Ed25519 signature verified with a key of `serve --trusted-keys`; false when the
     * version was loaded unsigned, or signed by a key that is not trusted, under `--allow-unsigned`.
     */
    signed: z.boolean().nullable(),
    /** The key id the signature names (16 hex digits); null when unsigned. */
    signingKeyId: z.string().nullable(),
    headlineMetrics: HeadlineMetricsSchema.nullable(),
    /**
     * The disclosure rules the version's published numbers follow (k, minCount, roundTo): groups under k show as
     * suppressed, rates behind fewer than minCount children with or without the outcome as null (docs/api.md).
     */
    privacy: DisclosureRulesSchema.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .strict();

export const ModelSummarySchema = z
  .object({
    name: z.string(),
    aliases: z.record(z.string(), z.string()),
    defaultVersion: z.string().nullable(),
    versions: z.array(VersionSummarySchema),
  })
  .strict();

export const WhoamiResponseSchema = z.object({ tokenId: z.string(), role: z.enum(ROLES) }).strict();

/** A token of the model's vocabulary: a code it has its own embedding (or logreg weight) for. */
const KnownCodeSchema = z.object({ relation: PathRelationSchema, domain: z.string(), code: z.string() }).strict();
export type KnownCode = z.infer<typeof KnownCodeSchema>;

export const CatalogueResponseSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    catalogue: CatalogueSchema,
    /** Sorted by relation, domain, code; no counts (every code was shared by at least minPersonsPerCode persons). */
    knownCodes: z.array(KnownCodeSchema),
  })
  .strict();
