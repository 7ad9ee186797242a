// One zod schema per request part feeds both Fastify's validation (a zod-backed validator compiler, so
// refinements like "events in time order" hold) and the JSON Schema that /openapi.json publishes.
import type { FastifyInstance, FastifySchema } from 'fastify';
import { z } from 'zod';
import { ServicepathError } from '../errors/index.js';

interface ZodRouteSchemas {
  params?: z.ZodType;
  querystring?: z.ZodType;
  body?: z.ZodType;
  /**
   * A hand-written validator tried before the body's zod schema: it returns the value zod would return for a body
   * zod accepts, or undefined to let zod decide (src/serve/fast-validation.ts; never a looser check).
   */
  fastBody?: (data: unknown) => unknown;
  response?: Record<number, z.ZodType>;
}

const PART_PREFIX: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/** JSON Schema for OpenAPI (input shapes for requests, output shapes for responses). */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

/** Each issue as `prefix/a/0/b`; an unknown key is named in the path itself (`body/person_id`). */
function issuePaths(error: z.ZodError, prefix: string): { path: string; message: string }[] {
  return error.issues.map((issue) => {
    const segments = [prefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) segments.push(issue.keys[0]!);
    return { path: segments.join('/'), message: issue.message };
  });
}

function validationError(error: z.ZodError, prefix: string): ServicepathError {
  const issues = issuePaths(error, prefix);
  const text = issues
    .slice(0, 5)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  return new ServicepathError('SERVE_VALIDATION', { issues: text }, { details: { path: issues[0]?.path, issues } });
}

/** Keeps the zod schemas by route and part; the validator compiler looks them up. */
export class ZodRoutes {
  private readonly byKey = new Map<string, z.ZodType>();
  private readonly fastByKey = new Map<string, (data: unknown) => unknown>();

  /** Fastify route schema (JSON Schema, for docs) and the zod schemas recorded for validation. */
  schema(method: string, url: string, spec: ZodRouteSchemas & { tags?: string[]; summary?: string; description?: string }): FastifySchema {
    const out: FastifySchema & Record<string, unknown> = {};
    if (spec.tags) out.tags = spec.tags;
    if (spec.summary) out.summary = spec.summary;
    if (spec.description) out.description = spec.description;
    for (const part of ['params', 'querystring', 'body'] as const) {
      const s = spec[part];
      if (s === undefined) continue;
      this.byKey.set(`${method} ${url} ${part}`, s);
      out[part] = toJsonSchema(s, 'input');
    }
    if (spec.fastBody !== undefined) this.fastByKey.set(`${method} ${url} body`, spec.fastBody);
    if (spec.response) {
      out.response = Object.fromEntries(Object.entries(spec.response).map(([status, s]) => [status, toJsonSchema(s, 'output')]));
    }
    out.security = [{ bearerAuth: [] }];
    return out;
  }

  install(app: FastifyInstance): void {
    app.setValidatorCompiler(({ method, url, httpPart }) => {
      const schema = this.byKey.get(`${method} ${url} ${httpPart}`);
      // Routes of plugins (swagger-ui) carry no zod schema: they take no input worth validating.
      if (schema === undefined) return () => true;
      const prefix = PART_PREFIX[httpPart ?? 'body'] ?? 'body';
      const fast = this.fastByKey.get(`${method} ${url} ${httpPart}`);
      return (data: unknown) => {
        if (fast !== undefined) {
          const value = fast(data);
          if (value !== undefined) return { value };
        }
        const r = schema.safeParse(data);
        return r.success ? { value: r.data } : { error: validationError(r.error, prefix) };
      };
    });
    // Responses are built from typed objects; plain JSON.stringify keeps them exactly as built.
    app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  }
}
