// `servicepath tokens add`: create a random bearer token, print it once, store only its SHA-256 hash.
import { existsSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { ServicepathError } from '../errors/index.js';
import { generateToken, readTokensFile, TokenEntrySchema, type TokensFile } from '../serve/tokens-file.js';
import { sha256Hex } from '../util/hash.js';
import { ROLES } from '../serve/types.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath tokens add --file FILE --id ID --role planner|auditor|admin [--json]

Adds an entry {id, role, sha256} to FILE (created when missing). The token is printed once and never stored.
Roles: planner (models, scoring, interventions, cohort paths, cards), auditor (those and the audit log),
admin (everything, including /metrics and reloads).`;

export const command: CommandModule = {
  name: 'tokens',
  summary: 'create a tokens file entry (hash only) for the service',
  usage,
  run: async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub !== 'add') throw new ServicepathError('CLI_USAGE', { detail: `expected "tokens add", got "${sub ?? ''}"\n\n${usage}` });
    const { values } = parseOptions(rest, { file: { type: 'string' }, id: { type: 'string' }, role: { type: 'string' } }, usage);
    const file = requireOption(values, 'file', usage);
    const id = requireOption(values, 'id', usage);
    const role = requireOption(values, 'role', usage);
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ServicepathError('CLI_USAGE', { detail: `--role must be one of ${ROLES.join(', ')}, got "${role}"` });
    }
    const current: TokensFile = existsSync(file) ? await readTokensFile(file) : { tokens: [] };
    if (current.tokens.some((t) => t.id === id)) throw new ServicepathError('SERVE_TOKENS_DUPLICATE', { id, file });
    const token = generateToken();
    const entry = TokenEntrySchema.safeParse({ id, role, sha256: sha256Hex(token) });
    if (!entry.success) throw new ServicepathError('CLI_USAGE', { detail: `--id: ${entry.error.issues[0]?.message ?? 'invalid'}` });
    const next: TokensFile = { tokens: [...current.tokens, entry.data] };
    // Write beside and rename, so a crash never leaves a half-written tokens file.
    const tmp = `${file}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, file);
    emit(io, values.json === true, { id, role, token, file }, () =>
      [`token for ${id} (${role}); shown once, only its hash is stored in ${file}:`, token].join('\n'),
    );
    return 0;
  },
};
