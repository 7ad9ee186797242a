// The project's one error type: a catalogued code, its params, and the original cause kept intact.
import { CATALOGUE, type ErrorCode } from './catalogue.js';

export type ErrorParams = Record<string, string | number | boolean>;

function renderMessage(template: string, params: ErrorParams): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? String(params[name]) : whole,
  );
}

export class ServicepathError extends Error {
  readonly code: ErrorCode;
  readonly params: ErrorParams;
  readonly httpStatus: number;
  readonly exitCode: number;
  /** Machine-readable detail (for example a list of { path, message } issues). Never person values. */
  readonly details: unknown;

  constructor(code: ErrorCode, params: ErrorParams = {}, options: { cause?: unknown; details?: unknown } = {}) {
    const spec = CATALOGUE[code];
    super(renderMessage(spec.message, params), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServicepathError';
    this.code = code;
    this.params = params;
    this.httpStatus = spec.httpStatus;
    this.exitCode = spec.exitCode;
    this.details = options.details;
  }
}

export function isServicepathError(err: unknown): err is ServicepathError {
  return err instanceof ServicepathError;
}
