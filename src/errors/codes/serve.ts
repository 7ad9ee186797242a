// Error codes of the serve area: SERVE_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const serveCodes = defineCodes({
  SERVE_VALIDATION: {
    message: 'Invalid request: {issues}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'A body, query or path parameter failed its schema; `path` names the first bad field (for example body/paths/0/events/3/code).',
  },
  SERVE_BAD_REQUEST: {
    message: 'Malformed request: {detail}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'The request could not be read (malformed JSON, empty JSON body, bad URL or header). Send well-formed JSON.',
  },
  SERVE_UNAUTHORIZED: {
    message: 'Missing or unknown bearer token.',
    httpStatus: 401,
    exitCode: EXIT.serve,
    description: 'The route needs `Authorization: Bearer <token>` with a token listed (as a hash) in the tokens file.',
  },
  SERVE_FORBIDDEN: {
    message: 'Role {role} may not use {route}.',
    httpStatus: 403,
    exitCode: EXIT.serve,
    description: 'The token is valid but its role is not allowed on this route (see docs/api.md for the role matrix).',
  },
  SERVE_ROUTE_NOT_FOUND: {
    message: 'No route {method} {url}.',
    httpStatus: 404,
    exitCode: EXIT.serve,
    description: 'The method and URL match no route; /openapi.json lists them.',
  },
  SERVE_MODEL_NOT_FOUND: {
    message: 'No model served as "{model}".',
    httpStatus: 404,
    exitCode: EXIT.serve,
    description: 'The model name, version or alias is not loaded. GET /v1/models lists what is served; a refused bundle is not served.',
  },
  SERVE_MODEL_UNAVAILABLE: {
    message: 'Model {model} is not served: its bundle was refused at load ({code}).',
    httpStatus: 503,
    exitCode: EXIT.serve,
    description: 'The version exists on disk but failed its checks (checksums, manifest, input example); the service log names the cause.',
  },
  SERVE_NOT_ACCEPTABLE: {
    message: 'Cannot answer in {accept}; choose one of {allowed}.',
    httpStatus: 406,
    exitCode: EXIT.serve,
    description: 'The Accept header or ?format= asks for a representation the route does not offer.',
  },
  SERVE_BODY_TOO_LARGE: {
    message: 'Request body larger than {limitBytes} bytes.',
    httpStatus: 413,
    exitCode: EXIT.serve,
    description: 'Bodies are limited (--body-limit-bytes); send fewer paths per request.',
  },
  SERVE_UNSUPPORTED_MEDIA_TYPE: {
    message: 'Unsupported content type; send application/json.',
    httpStatus: 415,
    exitCode: EXIT.serve,
    description: 'Request bodies must be JSON with Content-Type application/json.',
  },
  SERVE_RATE_LIMITED: {
    message: 'Rate limit of {max} requests per {window} reached; retry after {retryAfter}.',
    httpStatus: 429,
    exitCode: EXIT.serve,
    description: 'Each address has a request budget per time window, checked before the token (--rate-limit-address), and each token its own (--rate-limit); slow down or ask an admin for a higher limit.',
  },
  SERVE_REQUEST_TOO_COSTLY: {
    message: 'The request would cost {cost} units of scoring work ({variants} paths scored); the limit is {limit} (--max-request-cost).',
    httpStatus: 422,
    exitCode: EXIT.serve,
    description:
      'Each scoring route prices its work before starting it (model steps of every path and variant, weighed by the model kind; docs/api.md, "Bounded work"). Send shorter paths, fewer paths, fewer services or a coarser insertion grid, or ask the operator to raise --max-request-cost.',
  },
  SERVE_DEADLINE_EXCEEDED: {
    message: 'The request did not finish within its deadline of {deadlineMs} ms; retry later.',
    httpStatus: 503,
    exitCode: EXIT.serve,
    description:
      'Scoring is cut off at the per-request deadline (--request-deadline-ms) so that a busy service sheds work instead of queueing it; the answer carries Retry-After. Frequent deadlines mean the service is overloaded or the cost limit is too high for the machine.',
  },
  SERVE_NOT_READY: {
    message: 'Not ready: {detail}',
    httpStatus: 503,
    exitCode: EXIT.serve,
    description: 'GET /readyz answers this while bundles load, when none is served, when a bundle was refused, or while the audit log cannot be written; the detail and the log say why.',
  },
  SERVE_TOKENS_REQUIRED: {
    message: 'Refusing to start without --tokens: {detail}',
    httpStatus: 500,
    exitCode: EXIT.serve,
    description: 'The service needs a tokens file; only on a loopback host with --dev does it start with a one-time token instead.',
  },
  SERVE_TOKENS_DUPLICATE: {
    message: 'Token id "{id}" is already in {file}.',
    httpStatus: 409,
    exitCode: EXIT.usage,
    description: 'Token ids are unique within a tokens file; choose another id or remove the old entry.',
  },
});
