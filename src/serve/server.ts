// The one place that listens: starts buildApp() on a port, closes gracefully on SIGINT/SIGTERM
// (in-flight requests finish, the audit log is flushed) and reloads the models on SIGHUP.
import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, buildApp } from './app.js';

export interface ServerOptions extends BuildAppOptions {
  host: string;
  port: number;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Resolves when the server has closed (by a signal or close()). */
  closed: Promise<void>;
  close: () => Promise<void>;
}

/**
 * V8's young-generation semi-space (MB) the service runs best with. Every request allocates ~80 KB that dies young;
 * with V8's default (16 MB) a loaded server scavenges ~20 times a second, each pause holding up every request in
 * flight. At 32 MB `/score` served 9-28% more requests a second with a lower p99 in paired runs (docs/api.md); the
 * minimum is the same size, so RSS does not grow when load makes V8 widen it. The flags must be given when node
 * starts (v8.setFlagsFromString cannot resize the heap later, and NODE_OPTIONS refuses the minimum): the
 * `servicepath` binary's first line carries them, and `node dist/src/cli/main.js serve` without them logs how.
 */
export const SERVE_SEMI_SPACE_MB = 32;

/** The start-up hint when node runs with V8's default young generation (no --max-semi-space-size), else null. */
export function youngGenerationHint(execArgv: readonly string[], nodeOptions: string | undefined): string | null {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  if (given.some((f) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(f))) return null;
  const flags = `--max-semi-space-size=${SERVE_SEMI_SPACE_MB} --min-semi-space-size=${SERVE_SEMI_SPACE_MB}`;
  return `node runs with V8's default young generation: start it with ${flags} for more scoring throughput under load (5-28% in paired runs, docs/api.md; the servicepath binary does this itself)`;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const app = await buildApp({ watch: true, ...options });
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => {
    resolveClosed = r;
  });
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      process.off('SIGINT', onStop);
      process.off('SIGTERM', onStop);
      process.off('SIGHUP', onHup);
      try {
        await app.close();
      } finally {
        resolveClosed();
      }
    })();
    return closing;
  };
  const onStop = (signal: NodeJS.Signals) => {
    app.log.info({ signal }, 'closing');
    void close();
  };
  const onHup = () => {
    app.log.info('SIGHUP: reloading models');
    app.registry.reload().catch((err: unknown) => app.log.error({ err }, 'reload failed'));
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGHUP', onHup);
  try {
    const address = await app.listen({ host: options.host, port: options.port });
    const hint = youngGenerationHint(process.execArgv, process.env.NODE_OPTIONS);
    if (hint !== null) app.log.info(hint);
    return { app, url: address, closed, close };
  } catch (err) {
    await close();
    throw err;
  }
}
