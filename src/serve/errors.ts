// The error handler: logs everything with the request id, sends little. 4xx: {error: {code, message, path?,
// requestId}}; 5xx: a generic message and the request id. Fastify's own errors map onto catalogued codes.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isServicepathError, ServicepathError } from '../errors/index.js';
import { DEADLINE_RETRY_AFTER_S } from './deadline.js';

const REFUSAL_CODES: ReadonlySet<string> = new Set(['SERVE_UNAUTHORIZED', 'SERVE_FORBIDDEN', 'SERVE_RATE_LIMITED', 'AUDIT_UNAVAILABLE']);

interface ErrorBody {
  error: { code: string; message: string; path?: string; requestId: string };
}

/** Fastify's errors (parser, limits, bad URLs) as catalogued errors; null when unknown. */
function fromFastify(err: FastifyError, bodyLimitBytes: number): ServicepathError | null {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ServicepathError('SERVE_BODY_TOO_LARGE', { limitBytes: bodyLimitBytes }, { cause: err });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return err.statusCode === 415 ? new ServicepathError('SERVE_UNSUPPORTED_MEDIA_TYPE', {}, { cause: err }) : null;
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ServicepathError('SERVE_BAD_REQUEST', { detail: 'empty JSON body' }, { cause: err });
    default:
      break;
  }
  const status = err.statusCode ?? 500;
  if (status === 415) return new ServicepathError('SERVE_UNSUPPORTED_MEDIA_TYPE', {}, { cause: err });
  if (status === 413) return new ServicepathError('SERVE_BODY_TOO_LARGE', { limitBytes: bodyLimitBytes }, { cause: err });
  if (status >= 400 && status < 500) {
    // JSON syntax errors and bad URLs: say what kind, never echo the input.
    const detail = err instanceof SyntaxError ? 'body is not valid JSON' : (err.code ?? 'bad request').replace(/^FST_ERR_/, '').toLowerCase();
    return new ServicepathError('SERVE_BAD_REQUEST', { detail }, { cause: err });
  }
  return null;
}

function errorBody(err: ServicepathError, requestId: string): ErrorBody {
  const details = err.details as { path?: unknown } | undefined;
  const path = typeof details?.path === 'string' ? details.path : undefined;
  return { error: { code: err.code, message: err.message, ...(path === undefined ? {} : { path }), requestId } };
}

export function registerErrorHandling(app: FastifyInstance, bodyLimitBytes: number): void {
  app.setErrorHandler((raw: FastifyError | ServicepathError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const known = isServicepathError(raw) ? raw : fromFastify(raw as FastifyError, bodyLimitBytes);
    // Refusals (no token, wrong role, rate limit, audit log unwritable) are logged at debug only: a flood of them
    // must not fill the service log either (the audit log counts them; the audit state change is logged once).
    const refusal = known !== null && REFUSAL_CODES.has(known.code);
    if (known !== null && known.httpStatus < 500) {
      const fields = { code: known.code, path: (known.details as { path?: string } | undefined)?.path };
      if (refusal) request.log.debug(fields, known.message);
      else request.log.info(fields, known.message);
      return reply.code(known.httpStatus).type('application/json').send(errorBody(known, request.id));
    }
    if (refusal) request.log.debug({ code: known.code }, known.message);
    else request.log.error({ err: raw }, 'request failed');
    const status = known?.httpStatus ?? 500;
    const generic = new ServicepathError('INTERNAL_ERROR', { id: request.id });
    const code = known?.code ?? generic.code;
    const message = status === 503 && known !== null ? known.message : generic.message;
    if (code === 'SERVE_DEADLINE_EXCEEDED') void reply.header('retry-after', String(DEADLINE_RETRY_AFTER_S));
    return reply.code(status).type('application/json').send({ error: { code, message, requestId: request.id } });
  });

  app.setNotFoundHandler((request, reply) => {
    const err = new ServicepathError('SERVE_ROUTE_NOT_FOUND', { method: request.method, url: request.url.split('?')[0]!.slice(0, 200) });
    return reply.code(404).type('application/json').send(errorBody(err, request.id));
  });
}
