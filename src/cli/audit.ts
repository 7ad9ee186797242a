// `servicepath audit verify --log FILE`: check the audit log's hash chain; exit EXIT.audit at the first break.
import { ServicepathError } from '../errors/index.js';
import { verifyAuditLog } from '../serve/audit-log.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath audit verify --log FILE [--json]

Verifies the hash chain of the service's audit log: any edited, reordered or deleted line is found.
Exits 0 when the chain holds, else with the audit exit code and the first broken seq. An unterminated last
line after an intact chain is reported as a torn write (a crash mid-append): the service moves such a line to
<log>.torn-<timestamp> at start-up and records that in the chain, after which the log verifies again.`;

export const command: CommandModule = {
  name: 'audit',
  summary: 'audit log tools (audit verify --log FILE)',
  usage,
  run: async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub !== 'verify') throw new ServicepathError('CLI_USAGE', { detail: `expected "audit verify", got "${sub ?? ''}"\n\n${usage}` });
    const { values } = parseOptions(rest, { log: { type: 'string' } }, usage);
    const file = requireOption(values, 'log', usage);
    const result = await verifyAuditLog(file);
    if (!result.ok) {
      throw new ServicepathError(
        'AUDIT_CHAIN_BROKEN',
        { file, seq: result.brokenSeq ?? 0, line: result.brokenLine ?? 0, reason: result.reason ?? '' },
        { details: result },
      );
    }
    emit(io, values.json === true, result, () => `audit log ${file}: ${result.entries} entries, chain intact (last hash ${result.lastHash})`);
    return 0;
  },
};
