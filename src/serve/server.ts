// The one place that listens: starts buildApp() on a port, closes gracefully on SIGINT/SIGTERM
// (in-flight requests finish, the audit log is flushed) and reloads the models on SIGHUP.
import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, buildApp } from './app.js';
import { youngGenerationHint } from './young-generation.js';

interface ServerOptions extends BuildAppOptions {
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
