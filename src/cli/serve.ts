// `servicepath serve`: load the bundles under --models and answer planners and auditors over HTTP.
// Resolves only when the server has closed (SIGINT/SIGTERM); SIGHUP reloads the models.
import { ServicepathError } from '../errors/index.js';
import { SERVE_DEFAULTS } from '../serve/app.js';
import { loadBundleForServing, tensorCounter } from '../serve/default-loader.js';
import { isLoopback, startServer } from '../serve/server.js';
import { generateToken, readTokensFile, type TokenEntry } from '../serve/tokens-file.js';
import { sha256Hex } from '../util/hash.js';
import { type CommandModule, intOption, numberOption, parseOptions } from './common.js';

const usage = `Usage: servicepath serve [--models DIR] [--port 8080] [--host 127.0.0.1] --tokens FILE [options]

Serves every bundle under DIR/<name>/<version>/ (aliases in DIR/<name>/aliases.json, e.g. {"production": "3"}).
Options:
  --models DIR             folder of model bundles (default: models)
  --port N                 port (default 8080; 0 picks a free one)
  --host HOST              address to listen on (default 127.0.0.1)
  --tokens FILE            tokens file ({"tokens": [{id, role, sha256}]}; see \`servicepath tokens add\`)
  --dev                    on a loopback host only: start without --tokens and print a one-time admin token
  --audit-log FILE         hash-chained audit log (default ./servicepath-audit.jsonl; an existing log is continued)
  --batch-window-ms N      micro-batching window (default ${SERVE_DEFAULTS.batchWindowMs})
  --max-batch-paths N      paths per forward pass (default ${SERVE_DEFAULTS.maxBatchPaths})
  --rate-limit N           requests per token per minute (default ${SERVE_DEFAULTS.rateLimitMax}; 0 turns it off)
  --body-limit-bytes N     largest request body (default ${SERVE_DEFAULTS.bodyLimitBytes})
  --log-requests           log every request (the audit log records them anyway)
  --no-watch               do not watch --models for changes (SIGHUP still reloads)
Docs: /docs (interactive) and /openapi.json; API guide: docs/api.md.`;

export const command: CommandModule = {
  name: 'serve',
  summary: 'start the inference service',
  usage,
  run: async (argv, io) => {
    const { values } = parseOptions(
      argv,
      {
        models: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        tokens: { type: 'string' },
        dev: { type: 'boolean' },
        'audit-log': { type: 'string' },
        'batch-window-ms': { type: 'string' },
        'max-batch-paths': { type: 'string' },
        'rate-limit': { type: 'string' },
        'body-limit-bytes': { type: 'string' },
        'log-requests': { type: 'boolean' },
        'no-watch': { type: 'boolean' },
      },
      usage,
    );
    const modelsDir = values.models ?? 'models';
    const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
    const port = intOption(values, 'port', 8080);
    const dev = values.dev === true;
    const tokens: TokenEntry[] = [];
    if (typeof values.tokens === 'string') tokens.push(...(await readTokensFile(values.tokens)).tokens);
    else if (!dev) throw new ServicepathError('SERVE_TOKENS_REQUIRED', { detail: 'give --tokens FILE (or --dev on a loopback host)' });
    if (dev && !isLoopback(host)) throw new ServicepathError('SERVE_TOKENS_REQUIRED', { detail: `--dev only on a loopback host, not ${host}` });
    let devToken: string | null = null;
    if (dev) {
      devToken = generateToken();
      tokens.push({ id: 'dev', role: 'admin', sha256: sha256Hex(devToken) });
    }
    const rateLimitMax = intOption(values, 'rate-limit', SERVE_DEFAULTS.rateLimitMax);
    const server = await startServer({
      host,
      port,
      modelsDir,
      loader: loadBundleForServing,
      tokens,
      auditLogFile: typeof values['audit-log'] === 'string' ? values['audit-log'] : 'servicepath-audit.jsonl',
      batchWindowMs: numberOption(values, 'batch-window-ms', SERVE_DEFAULTS.batchWindowMs),
      maxBatchPaths: intOption(values, 'max-batch-paths', SERVE_DEFAULTS.maxBatchPaths),
      bodyLimitBytes: intOption(values, 'body-limit-bytes', SERVE_DEFAULTS.bodyLimitBytes),
      rateLimit: rateLimitMax === 0 ? false : { max: rateLimitMax, windowMs: 60_000 },
      watch: values['no-watch'] !== true,
      requestLogging: values['log-requests'] === true,
      logger: { level: process.env.SERVICEPATH_LOG_LEVEL ?? 'info', stream: process.stderr },
      tensorCount: tensorCounter(),
    });
    const ready = server.app.registry.readiness();
    io.stdout(`servicepath serving at ${server.url} (${ready.detail}); docs at ${server.url}/docs`);
    if (devToken !== null) io.stdout(`dev token (admin; valid until this process ends, shown once): ${devToken}`);
    await server.closed;
    return 0;
  },
};
