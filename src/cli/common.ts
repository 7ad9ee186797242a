// Shared plumbing for the commands: option parsing, output (text or --json), error reporting.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { isServicepathError, ServicepathError } from '../errors/index.js';

export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** True when stdout is a terminal (progress bars), false when piped. */
  isTty: boolean;
}

export const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  isTty: process.stdout.isTTY === true,
};

export interface CommandModule {
  name: string;
  summary: string;
  /** Full --help text. */
  usage: string;
  /** Runs the command; returns the exit code. Throws ServicepathError for catalogued failures. */
  run: (argv: string[], io: CommandIo) => Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with strict checking; unknown or malformed options become CLI_USAGE errors. */
export function parseOptions<T extends Options>(argv: string[], options: T, usage: string) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new ServicepathError('CLI_USAGE', { detail: `${(err as Error).message}\n\n${usage}` }, { cause: err });
  }
}

export function requireOption(values: Record<string, unknown>, name: string, usage: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') {
    throw new ServicepathError('CLI_USAGE', { detail: `missing required option --${name}\n\n${usage}` });
  }
  return v;
}

export function intOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n)) {
    throw new ServicepathError('CLI_USAGE', { detail: `--${name} must be an integer, got "${String(v)}"` });
  }
  return n;
}

export function numberOption(values: Record<string, unknown>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) {
    throw new ServicepathError('CLI_USAGE', { detail: `--${name} must be a number, got "${String(v)}"` });
  }
  return n;
}

/** Prints a result: JSON when --json, else the text rendering. */
export function emit(io: CommandIo, json: boolean, result: unknown, text: () => string): void {
  io.stdout(json ? JSON.stringify(result, null, 2) : text());
}

/** Reports an error as `error CODE: message` (or JSON) and returns the exit code. Stack traces only with SERVICEPATH_DEBUG=1. */
export function reportError(io: CommandIo, err: unknown, json: boolean): number {
  if (isServicepathError(err)) {
    if (json) {
      io.stderr(JSON.stringify({ error: { code: err.code, message: err.message, details: err.details ?? null } }));
    } else {
      io.stderr(`error ${err.code}: ${err.message}`);
    }
    if (process.env['SERVICEPATH_DEBUG'] === '1' && err.cause !== undefined) io.stderr(String((err.cause as Error).stack ?? err.cause));
    return err.exitCode;
  }
  const internal = new ServicepathError('INTERNAL_ERROR', { id: 'cli' }, { cause: err });
  io.stderr(json ? JSON.stringify({ error: { code: internal.code, message: String((err as Error)?.message ?? err) } }) : `error INTERNAL_ERROR: ${String((err as Error)?.message ?? err)}`);
  if (process.env['SERVICEPATH_DEBUG'] === '1') io.stderr(String((err as Error)?.stack ?? ''));
  return internal.exitCode;
}
