// @ts-check
// The HTTP API as the page uses it: the endpoints it calls, the shapes it sends and reads (JSDoc typedefs: only
// the fields the page uses; the service sends more), the service's limits the editor keeps to, and fetch with the
// bearer token. No DOM and no page state here: tests/unit/web/page-contract.test.ts imports this file in Node and
// checks every constant, request and typedef against the service's zod schemas and /openapi.json, so a change on
// either side that the other does not follow fails the tests instead of the page.

// ---------- enumerations (src/schemas/path.ts, src/schemas/data-contract.ts, src/serve/types.ts) ----------
/** Whose event, in the service's canonical order (PATH_RELATIONS). */
export const PATH_RELATIONS = /** @type {const} */ (['self', 'mother', 'father', 'guardian', 'sibling', 'partner']);
/** @typedef {(typeof PATH_RELATIONS)[number]} Relation */

/** A path's sex (SEXES). */
export const SEXES = /** @type {const} */ (['F', 'M', 'X', 'unknown']);
/** @typedef {(typeof SEXES)[number]} Sex */

/** Token roles (ROLES). */
export const ROLES = /** @type {const} */ (['planner', 'auditor', 'admin']);
/** @typedef {(typeof ROLES)[number]} Role */

/** Why a published outcome rate is null (OUTCOME_SUPPRESSIONS, src/schemas/disclosure.ts): fewer than minCount
 * children had the outcome, fewer than minCount did not, or it would reveal another hidden value (secondary). */
export const OUTCOME_SUPPRESSIONS = /** @type {const} */ (['numerator', 'complement', 'secondary']);
/** @typedef {(typeof OUTCOME_SUPPRESSIONS)[number]} OutcomeSuppression */

/** Why a group is suppressed: fewer than k children (or beside such a group), or to protect another (secondary). */
export const GROUP_SUPPRESSIONS = /** @type {const} */ (['group', 'secondary']);
/** @typedef {(typeof GROUP_SUPPRESSIONS)[number]} GroupSuppression */

/** The cohort-path orders the page offers (a subset of the service's sorts; the options in index.html). */
export const COHORT_SORTS = /** @type {const} */ (['persons', 'meanPredictedRisk', 'outcomeRate', 'steps']);
/** @typedef {(typeof COHORT_SORTS)[number]} CohortSort */

/** The service's limits that the page enforces or stays within (src/schemas/path.ts, src/serve/api-schemas.ts). */
export const LIMITS = Object.freeze({
  /** Events in one path (MAX_PATH_EVENTS). */
  maxPathEvents: 512,
  /** Characters of an event's code, of its domain, and of a path's label. */
  codeMaxLength: 128,
  domainMaxLength: 64,
  labelMaxLength: 200,
  /** An event's ageDays range (the child's age in days; negative before birth). */
  minAgeDays: -36_525,
  maxAgeDays: 36_525,
  /** The largest cohort-paths page (MAX_COHORT_PAGE). */
  maxCohortPage: 200,
});

// ---------- endpoints ----------
/**
 * @typedef {object} Endpoint
 * @property {'GET' | 'POST'} method
 * @property {string} path  OpenAPI-style template: `{name}` is a model name, name@version or name@alias
 */

/** Every route the page calls. The keys name the request and response typedefs below (Requests, Responses). */
export const ENDPOINTS = Object.freeze({
  whoami: /** @type {Endpoint} */ ({ method: 'GET', path: '/v1/whoami' }),
  models: /** @type {Endpoint} */ ({ method: 'GET', path: '/v1/models' }),
  catalogue: /** @type {Endpoint} */ ({ method: 'GET', path: '/v1/models/{name}/catalogue' }),
  cohortPaths: /** @type {Endpoint} */ ({ method: 'GET', path: '/v1/models/{name}/cohort-paths' }),
  interventions: /** @type {Endpoint} */ ({ method: 'POST', path: '/v1/models/{name}/interventions' }),
  card: /** @type {Endpoint} */ ({ method: 'GET', path: '/v1/models/{name}/card' }),
  audit: /** @type {Endpoint} */ ({ method: 'GET', path: '/v1/audit' }),
  auditVerify: /** @type {Endpoint} */ ({ method: 'GET', path: '/v1/audit/verify' }),
});
/** @typedef {keyof typeof ENDPOINTS} EndpointName */

// ---------- shapes: paths ----------
/**
 * One event of a path (PathEventSchema).
 * @typedef {object} PathEvent
 * @property {string} code
 * @property {string} domain
 * @property {Relation} relation
 * @property {number} ageDays
 * @property {boolean} [immutable]
 */

/**
 * A path as the page sends it and as cohort paths carry it (PathSchema).
 * @typedef {object} Path
 * @property {string} [label]
 * @property {Sex} [sex]
 * @property {number} [indexAgeDays]
 * @property {PathEvent[]} events
 */

// ---------- shapes: responses ----------
/**
 * An outcome rate as published: a number, or null with the reason it is hidden (absent in older files).
 * @typedef {object} OutcomeCell
 * @property {number | null} outcomeRate
 * @property {OutcomeSuppression} [outcomeSuppressed]
 */

/**
 * A group's rounded size and outcome rate (which may be hidden), or a marker that it is suppressed (GroupStatSchema).
 * @typedef {{ persons: number, outcomeRate: number | null, outcomeSuppressed?: OutcomeSuppression } | { suppressed: true, reason?: GroupSuppression }} GroupStat
 */

/**
 * The disclosure rules the numbers follow (DisclosureRulesSchema): groups under k are suppressed, rates behind
 * fewer than minCount children with (or without) the outcome are null, counts are rounded to roundTo.
 * @typedef {object} DisclosureRules
 * @property {number} k
 * @property {number} minCount
 * @property {number} roundTo
 */

/**
 * @typedef {object} WhoamiResponse
 * @property {Role} role
 */

/**
 * One version of a served model (VersionSummarySchema); a refused one has its error and nulls.
 * @typedef {object} VersionSummary
 * @property {string} version
 * @property {'ready' | 'refused'} status
 * @property {string | null} modelKind
 * @property {string | null} createdAt
 * @property {boolean | null} signed  true: signed by a trusted key; false: served unsigned (--allow-unsigned); null when refused
 * @property {string | null} signingKeyId  the key id the manifest's signature names
 * @property {DisclosureRules | null} privacy  null for a refused version
 * @property {{ code: string } | null} error
 */

/**
 * @typedef {object} ModelSummary
 * @property {string} name
 * @property {Record<string, string>} aliases  alias -> version
 * @property {string | null} defaultVersion
 * @property {VersionSummary[]} versions
 */

/**
 * @typedef {object} ModelsResponse
 * @property {ModelSummary[]} models
 */

/**
 * A code with its domain: a catalogue service or a code the model's vocabulary knows.
 * @typedef {object} KnownCode
 * @property {string} code
 * @property {string} domain
 */

/**
 * @typedef {object} CatalogueResponse
 * @property {{ services: KnownCode[] }} catalogue
 * @property {KnownCode[]} knownCodes
 */

/**
 * @typedef {object} FollowedBy
 * @property {string} label
 * @property {GroupStat} received
 * @property {GroupStat} notReceived
 */

/**
 * @typedef {object} CohortPath
 * @property {string} id
 * @property {{ band: string, groups: string[] }[]} steps
 * @property {number} persons
 * @property {number | null} outcomeRate  null when hidden (outcomeSuppressed says why)
 * @property {OutcomeSuppression} [outcomeSuppressed]
 * @property {number} meanPredictedRisk
 * @property {FollowedBy[]} followedBy
 * @property {Path} representative
 */

/**
 * @typedef {object} CohortPathsResponse
 * @property {DisclosureRules} privacy
 * @property {number} total
 * @property {CohortPath[]} paths
 */

/**
 * The risk after one event (TrajectoryStepSchema).
 * @typedef {object} TrajectoryStep
 * @property {number} step
 * @property {number} ageDays
 * @property {string} code
 * @property {string} domain
 * @property {Relation} relation
 * @property {number} risk
 * @property {number} deltaRisk
 */

/**
 * @typedef {object} TurningPoint
 * @property {number} step
 * @property {number} ageDays
 * @property {string} code
 * @property {number} deltaRisk
 */

/**
 * @typedef {object} CandidateSupport
 * @property {string} cohortPathId
 * @property {number} persons
 * @property {GroupStat} received
 * @property {GroupStat} notReceived
 */

/**
 * A catalogue service inserted into the path (CandidateSchema).
 * @typedef {object} Candidate
 * @property {number} rank
 * @property {string} code
 * @property {string} domain
 * @property {Relation} relation
 * @property {string} label
 * @property {string} labelFi
 * @property {number} ageDays
 * @property {number} position
 * @property {number} finalRisk
 * @property {number} riskDrop
 * @property {{ lower: number, upper: number } | null} riskDropInterval
 * @property {boolean | null} seldomGiven
 * @property {CandidateSupport | null} support
 */

/**
 * How the estimates were made (EstimatorSchema).
 * @typedef {object} Estimator
 * @property {string} adjustment
 * @property {boolean} adjusted
 * @property {{ method: string, level: number, replicates: number } | null} intervals
 * @property {TruthCheck | null} truthCheck
 */

/**
 * A figure of the truth check with its interval.
 * @typedef {{ estimate: number | null, lower: number | null, upper: number | null }} CheckEstimate
 */

/**
 * The bundle's intervention estimates checked against a generator's truth (InterventionsCheckSchema).
 * @typedef {object} TruthCheck
 * @property {number} children
 * @property {number} pairs
 * @property {CheckEstimate} top3HitRate
 * @property {CheckEstimate} meanSpearman
 * @property {CheckEstimate} meanRegretShare
 * @property {CheckEstimate} policyRatioAt5
 * @property {number | null} intervalCoverage
 */

/**
 * @typedef {object} InterventionsResponse
 * @property {number} indexAgeDays
 * @property {number} finalRisk
 * @property {TrajectoryStep[]} trajectory
 * @property {TurningPoint[]} turningPoints
 * @property {Candidate[]} candidates
 * @property {Estimator} estimator
 */

/**
 * One line of the audit log (AuditEntrySchema).
 * @typedef {object} AuditEntry
 * @property {number} seq
 * @property {string} time
 * @property {string | null} tokenId
 * @property {string | null} role
 * @property {string} method
 * @property {string} route
 * @property {string | null} model
 * @property {string | null} version
 * @property {number} status
 * @property {number} latencyMs
 * @property {string} hash
 */

/**
 * @typedef {object} AuditResponse
 * @property {AuditEntry[]} entries
 */

/**
 * @typedef {object} AuditVerifyResponse
 * @property {boolean} ok
 * @property {number} entries
 * @property {number} lastSeq
 * @property {number} [brokenSeq]
 * @property {string} [reason]
 */

/**
 * The body of every error answer (ErrorResponseSchema).
 * @typedef {object} ErrorResponse
 * @property {{ code: string, message: string, path?: string }} error
 */

/**
 * What each endpoint answers (the card: its HTML as text).
 * @typedef {object} Responses
 * @property {WhoamiResponse} whoami
 * @property {ModelsResponse} models
 * @property {CatalogueResponse} catalogue
 * @property {CohortPathsResponse} cohortPaths
 * @property {InterventionsResponse} interventions
 * @property {string} card
 * @property {AuditResponse} audit
 * @property {AuditVerifyResponse} auditVerify
 */

// ---------- shapes: requests ----------
/**
 * @typedef {object} InterventionsRequest
 * @property {Path} path
 * @property {number} topK
 * @property {number} turningPoints
 */

/**
 * Query strings, as the page sends them (the service coerces the numbers).
 * @typedef {{ sort: CohortSort, order: 'desc', limit: string }} CohortPathsQuery
 * @typedef {{ afterSeq: string, limit: string }} AuditQuery
 * @typedef {{ format: 'html' }} CardQuery
 */

/**
 * What each endpoint takes besides the model name: a body (POST) or a query string (GET).
 * @typedef {object} Requests
 * @property {InterventionsRequest} interventions
 * @property {CohortPathsQuery} cohortPaths
 * @property {AuditQuery} audit
 * @property {CardQuery} card
 */

// ---------- requests ----------
/** How many the page asks for at a time: cohort paths per "Show more", and the newest audit entries shown. */
export const PAGE_SIZES = Object.freeze({ cohortPaths: 20, audit: 50 });

/** Candidates and turning points the planner view asks for. */
export const INTERVENTIONS_OPTIONS = Object.freeze({ topK: 10, turningPoints: 3 });

/**
 * @param {Path} path
 * @returns {InterventionsRequest}
 */
export function interventionsRequest(path) {
  return { path, topK: INTERVENTIONS_OPTIONS.topK, turningPoints: INTERVENTIONS_OPTIONS.turningPoints };
}

/**
 * The largest-first page of cohort paths in one order; the limit is held to the service's largest page.
 * @param {CohortSort} sort
 * @param {number} limit
 * @returns {CohortPathsQuery}
 */
export function cohortPathsQuery(sort, limit) {
  return { sort, order: 'desc', limit: String(Math.min(limit, LIMITS.maxCohortPage)) };
}

/**
 * The newest `size` audit entries: those after lastSeq - size.
 * @param {number} lastSeq
 * @param {number} size
 * @returns {AuditQuery}
 */
export function auditQuery(lastSeq, size) {
  return { afterSeq: String(Math.max(0, lastSeq - size)), limit: String(size) };
}

/** @type {CardQuery} */
export const CARD_QUERY = Object.freeze({ format: 'html' });

/**
 * A relation from a form value (the editor's options are PATH_RELATIONS); anything else is the child's own.
 * @param {string} value
 * @returns {Relation}
 */
export function asRelation(value) {
  return PATH_RELATIONS.find((r) => r === value) ?? 'self';
}

/**
 * A cohort order from a form value; anything else is the default, largest first.
 * @param {string} value
 * @returns {CohortSort}
 */
export function asCohortSort(value) {
  return COHORT_SORTS.find((s) => s === value) ?? 'persons';
}

// ---------- fetch ----------
export class ApiError extends Error {
  /**
   * @param {number} status  HTTP status; 0 when the service could not be reached
   * @param {string} code  the service's error code, `NETWORK` or `HTTP_<status>`
   * @param {string} message
   * @param {ErrorOptions} [options]
   */
  constructor(status, code, message, options) {
    super(message, options);
    this.status = status;
    this.code = code;
  }
}

/**
 * @typedef {object} Session
 * @property {string | null} token  the bearer token (null: none sent)
 * @property {string} networkMessage  the message of the error thrown when the service cannot be reached
 */

/**
 * The URL of an endpoint: `{name}` filled (encoded as one segment) and the query appended.
 * @param {Endpoint} endpoint
 * @param {string | null} [name]
 * @param {Record<string, string>} [query]
 */
export function endpointUrl(endpoint, name, query) {
  const path = endpoint.path.replace('{name}', () => encodeURIComponent(String(name)));
  return query === undefined ? path : `${path}?${new URLSearchParams(query)}`;
}

/**
 * Calls the API; a refusal becomes an ApiError with the service's code and message (and the field it names).
 * @param {Endpoint} endpoint
 * @param {string} url
 * @param {Session} session
 * @param {{ body?: unknown, as?: 'json' | 'html' }} [options]
 * @returns {Promise<unknown>}
 */
async function call(endpoint, url, session, { body, as = 'json' } = {}) {
  /** @type {Record<string, string>} */
  const headers = { accept: as === 'json' ? 'application/json' : 'text/html' };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method: endpoint.method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', session.networkMessage, { cause: err });
  }
  if (!res.ok) {
    // Whatever the body holds, only the documented error fields are read (and each may be missing).
    const payload = /** @type {Partial<ErrorResponse> | null} */ (await res.json().catch(() => null));
    const e = payload?.error;
    throw new ApiError(res.status, e?.code ?? `HTTP_${res.status}`, e ? `${e.message}${e.path ? ` (${e.path})` : ''}` : `HTTP ${res.status}`);
  }
  return as === 'json' ? res.json() : res.text();
}

// Each answer is read as the typedef of its endpoint: the service's response schemas (which the contract test
// holds the typedefs to) are the only check of the JSON, as they are for any client.
/** @param {Session} session */
export async function getWhoami(session) {
  return /** @type {Responses['whoami']} */ (await call(ENDPOINTS.whoami, endpointUrl(ENDPOINTS.whoami), session));
}

/** @param {Session} session */
export async function getModels(session) {
  return /** @type {Responses['models']} */ (await call(ENDPOINTS.models, endpointUrl(ENDPOINTS.models), session));
}

/**
 * @param {string} model
 * @param {Session} session
 */
export async function getCatalogue(model, session) {
  return /** @type {Responses['catalogue']} */ (await call(ENDPOINTS.catalogue, endpointUrl(ENDPOINTS.catalogue, model), session));
}

/**
 * @param {string} model
 * @param {CohortPathsQuery} query
 * @param {Session} session
 */
export async function getCohortPaths(model, query, session) {
  const url = endpointUrl(ENDPOINTS.cohortPaths, model, query);
  return /** @type {Responses['cohortPaths']} */ (await call(ENDPOINTS.cohortPaths, url, session));
}

/**
 * @param {string} model
 * @param {InterventionsRequest} body
 * @param {Session} session
 */
export async function postInterventions(model, body, session) {
  const url = endpointUrl(ENDPOINTS.interventions, model);
  return /** @type {Responses['interventions']} */ (await call(ENDPOINTS.interventions, url, session, { body }));
}

/**
 * The model card as HTML, of one version (`name@version`).
 * @param {string} ref
 * @param {Session} session
 */
export async function getCardHtml(ref, session) {
  const url = endpointUrl(ENDPOINTS.card, ref, CARD_QUERY);
  return /** @type {Responses['card']} */ (await call(ENDPOINTS.card, url, session, { as: 'html' }));
}

/**
 * @param {AuditQuery} query
 * @param {Session} session
 */
export async function getAudit(query, session) {
  return /** @type {Responses['audit']} */ (await call(ENDPOINTS.audit, endpointUrl(ENDPOINTS.audit, null, query), session));
}

/** @param {Session} session */
export async function getAuditVerify(session) {
  return /** @type {Responses['auditVerify']} */ (await call(ENDPOINTS.auditVerify, endpointUrl(ENDPOINTS.auditVerify), session));
}
