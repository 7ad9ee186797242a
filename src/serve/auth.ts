// Bearer-token authentication and the role matrix: every route declares its roles in config.roles.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServicepathError } from '../errors/index.js';
import { sha256Hex } from '../util/hash.js';
import type { TokenEntry } from './tokens-file.js';
import type { Role } from './types.js';

interface AuthInfo {
  tokenId: string;
  role: Role;
}

/** Route config: `public` routes need no token; others list the roles allowed. */
export interface RouteAccess {
  public?: boolean;
  roles?: readonly Role[];
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthInfo | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export const ALL_ROLES: readonly Role[] = ['planner', 'auditor', 'admin'];
export const AUDIT_ROLES: readonly Role[] = ['auditor', 'admin'];
export const ADMIN_ROLES: readonly Role[] = ['admin'];

/** Index of tokens by hash; the bearer token is hashed once per request, so comparison time does not leak it. */
export function tokenIndex(entries: readonly TokenEntry[]): Map<string, AuthInfo> {
  return new Map(entries.map((e) => [e.sha256, { tokenId: e.id, role: e.role }]));
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  return m ? m[1]! : null;
}

export function registerAuth(app: FastifyInstance, tokens: Map<string, AuthInfo>): void {
  app.decorateRequest('auth', null);
  app.addHook('onRequest', async (request) => {
    const token = bearer(request);
    request.auth = token === null ? null : (tokens.get(sha256Hex(token)) ?? null);
    // Unknown routes answer 404 whoever asks; a route without access config is closed to all (fail closed).
    if (request.is404) return;
    const access = request.routeOptions.config.access;
    if (access?.public === true) return;
    if (request.auth === null) throw new ServicepathError('SERVE_UNAUTHORIZED');
    if (!(access?.roles ?? []).includes(request.auth.role)) {
      throw new ServicepathError('SERVE_FORBIDDEN', { role: request.auth.role, route: request.routeOptions.url ?? '' });
    }
  });
}
