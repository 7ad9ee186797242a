// `servicepath serve`: load the bundles under --models and answer planners and auditors over HTTP.
// Resolves only when the server has closed (SIGINT/SIGTERM); SIGHUP reloads the models.
import { readTrustedKeys } from '../bundle/signing.js';
import { ServicepathError } from '../errors/index.js';
import { SERVE_DEFAULTS } from '../serve/app.js';
import { checkpointsFileOf } from '../serve/audit-chain.js';
import { AUDIT_KEY_ENV, resolveAuditKey } from '../serve/audit-key.js';
import { AUDIT_DEFAULTS } from '../serve/audit-log.js';
import { servingLoader, tensorCounter } from '../serve/default-loader.js';
import { isLoopback, startServer } from '../serve/server.js';
import { generateToken, readTokensFile, type TokenEntry } from '../serve/tokens-file.js';
import { sha256Hex } from '../util/hash.js';
import { type CommandModule, intOption, numberOption, parseOptions } from './common.js';

const usage = `Usage: servicepath serve [--models DIR] [--port 8080] [--host 127.0.0.1] --tokens FILE
                        (--trusted-keys FILE|DIR ... | --allow-unsigned) [options]

Serves every bundle under DIR/<name>/<version>/ (aliases in DIR/<name>/aliases.json, e.g. {"production": "3"}).
Each bundle is loaded only when it passes every check of \`servicepath verify\` (load = verify), its manifest's
signature included; a refused bundle is listed with the checks it failed while the others serve.
Options:
  --models DIR             folder of model bundles (default: models)
  --port N                 port (default 8080; 0 picks a free one)
  --host HOST              address to listen on (default 127.0.0.1)
  --tokens FILE            tokens file ({"tokens": [{id, role, sha256}]}; see \`servicepath tokens add\`)
  --trusted-keys PATH      Ed25519 public key (PEM, the .pub of \`servicepath keys new\`) or a folder of them
                           (*.pub, *.pem); repeatable. Bundles signed by these keys load; read once at start
  --allow-unsigned         also load unsigned bundles and those signed by a key not trusted (the demo's path);
                           /v1/models and the page show them as unsigned
  --dev                    on a loopback host only: start without --tokens and print a one-time admin token
  --audit-log FILE         hash-chained audit log (default ./servicepath-audit.jsonl; an existing log is continued
                           after it verifies; docs/audit.md)
  --audit-key FILE         audit key (Ed25519 private key PEM, \`servicepath keys audit\`; else ${AUDIT_KEY_ENV}: a
                           path to it, or its PEM text): a MAC on every entry and signed checkpoints, copied to
                           FILE.checkpoints.jsonl for write-once storage. Required unless --unkeyed-audit or --dev
  --unkeyed-audit          start without an audit key: a plain hash chain (no MACs, no checkpoints), which whoever
                           can write the file can shorten or recompute unnoticed
  --audit-checkpoint-every N
                           a signed checkpoint every N entries (default ${AUDIT_DEFAULTS.checkpointEvery}; 0: only at rotation and shutdown)
  --audit-rotate-bytes N   rotate the log past N bytes to FILE.<firstSeq>-<lastSeq>.jsonl, the chain continuing in
                           a new FILE (default 0: never)
  --batch-window-ms N      micro-batching window (default ${SERVE_DEFAULTS.batchWindowMs})
  --max-batch-paths N      paths per forward pass (default ${SERVE_DEFAULTS.maxBatchPaths})
  --rate-limit N           requests per token per minute (default ${SERVE_DEFAULTS.rateLimitMax}; 0 turns rate limits off)
  --rate-limit-address N   requests per client address per minute, checked before the token (default
                           ${SERVE_DEFAULTS.rateLimitAddressMax}; 0 turns it off; raise it when many users share a proxy)
  --body-limit-bytes N     largest request body (default ${SERVE_DEFAULTS.bodyLimitBytes})
  --max-request-cost N     largest scoring work of one request, in cost units (default ${SERVE_DEFAULTS.maxRequestCost};
                           0: no limit); over it: 422 SERVE_REQUEST_TOO_COSTLY (docs/api.md, "Bounded work")
  --request-deadline-ms N  scoring is ended this long after a request arrived: 503 with Retry-After
                           (default ${SERVE_DEFAULTS.requestDeadlineMs}; 0: none)
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
        'audit-key': { type: 'string' },
        'unkeyed-audit': { type: 'boolean' },
        'audit-checkpoint-every': { type: 'string' },
        'audit-rotate-bytes': { type: 'string' },
        'batch-window-ms': { type: 'string' },
        'max-batch-paths': { type: 'string' },
        'rate-limit': { type: 'string' },
        'rate-limit-address': { type: 'string' },
        'body-limit-bytes': { type: 'string' },
        'max-request-cost': { type: 'string' },
        'request-deadline-ms': { type: 'string' },
        'log-requests': { type: 'boolean' },
        'no-watch': { type: 'boolean' },
        'trusted-keys': { type: 'string', multiple: true },
        'allow-unsigned': { type: 'boolean' },
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
    const rateLimitAddressMax = intOption(values, 'rate-limit-address', SERVE_DEFAULTS.rateLimitAddressMax);
    for (const name of ['max-request-cost', 'request-deadline-ms']) {
      if (intOption(values, name, 0) < 0) throw new ServicepathError('CLI_USAGE', { detail: `--${name} must be 0 (off) or more` });
    }
    const trustedKeys = await readTrustedKeys(values['trusted-keys'] ?? []);
    const allowUnsigned = values['allow-unsigned'] === true;
    const auditLogFile = typeof values['audit-log'] === 'string' ? values['audit-log'] : 'servicepath-audit.jsonl';
    const auditKey = await resolveAuditKey({ keyFile: values['audit-key'] });
    if (auditKey === null && !dev && values['unkeyed-audit'] !== true) {
      throw new ServicepathError('AUDIT_KEY_REQUIRED', { detail: `give --audit-key FILE (\`servicepath keys audit --out DIR\`) or ${AUDIT_KEY_ENV}, or --unkeyed-audit` });
    }
    const checkpointEvery = intOption(values, 'audit-checkpoint-every', AUDIT_DEFAULTS.checkpointEvery);
    const rotateBytes = intOption(values, 'audit-rotate-bytes', AUDIT_DEFAULTS.rotateBytes);
    if (checkpointEvery < 0 || rotateBytes < 0) throw new ServicepathError('CLI_USAGE', { detail: '--audit-checkpoint-every and --audit-rotate-bytes must be 0 (off) or more' });
    const server = await startServer({
      host,
      port,
      modelsDir,
      loader: servingLoader({ trustedKeys, allowUnsigned }),
      tokens,
      auditLogFile,
      auditLogOptions: { key: auditKey, checkpointEvery, rotateBytes },
      batchWindowMs: numberOption(values, 'batch-window-ms', SERVE_DEFAULTS.batchWindowMs),
      maxBatchPaths: intOption(values, 'max-batch-paths', SERVE_DEFAULTS.maxBatchPaths),
      bodyLimitBytes: intOption(values, 'body-limit-bytes', SERVE_DEFAULTS.bodyLimitBytes),
      maxRequestCost: intOption(values, 'max-request-cost', SERVE_DEFAULTS.maxRequestCost),
      requestDeadlineMs: intOption(values, 'request-deadline-ms', SERVE_DEFAULTS.requestDeadlineMs),
      rateLimit: rateLimitMax === 0 ? false : { max: rateLimitMax, windowMs: 60_000, addressMax: rateLimitAddressMax },
      watch: values['no-watch'] !== true,
      requestLogging: values['log-requests'] === true,
      logger: { level: process.env.SERVICEPATH_LOG_LEVEL ?? 'info', stream: process.stderr },
      tensorCount: tensorCounter(),
    });
    const ready = server.app.registry.readiness();
    io.stdout(`servicepath serving at ${server.url} (${ready.detail}); docs at ${server.url}/docs`);
    const keyIds = [...new Set(trustedKeys.map((k) => k.keyId))];
    io.stdout(
      `signatures: ${keyIds.length === 0 ? 'no trusted key' : `trusted key(s) ${keyIds.join(', ')}`}; ${allowUnsigned ? 'unsigned bundles are served (--allow-unsigned)' : 'unsigned bundles are refused'}`,
    );
    if (keyIds.length === 0 && !allowUnsigned) io.stderr('warning: neither --trusted-keys nor --allow-unsigned: every bundle is refused');
    io.stdout(
      auditKey === null
        ? `audit: ${auditLogFile} is UNKEYED (no MACs, no checkpoints; ${dev ? '--dev' : '--unkeyed-audit'}): give --audit-key to key it`
        : `audit: ${auditLogFile} keyed with key ${auditKey.keyId}; checkpoints ${checkpointEvery > 0 ? `every ${checkpointEvery} entries and ` : ''}at shutdown, copied to ${checkpointsFileOf(auditLogFile)}`,
    );
    if (devToken !== null) io.stdout(`dev token (admin; valid until this process ends, shown once): ${devToken}`);
    await server.closed;
    return 0;
  },
};
