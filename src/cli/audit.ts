// `servicepath audit verify --log FILE`: check the audit log (its rotated files included): the hash chain, the MACs
// and checkpoint signatures with a key, and the exported checkpoints file; exit EXIT.audit at the first break.
import { ServicepathError } from '../errors/index.js';
import { checkpointsFileOf, exists, logSetFiles, type VerifyResult, verifyAuditSet } from '../serve/audit-chain.js';
import { readAuditKey, readAuditPublicKey } from '../serve/audit-key.js';
import { type CommandModule, emit, parseOptions } from './common.js';

const usage = `Usage: servicepath audit verify --log FILE [--log FILE ...] [--key FILE | --public-key FILE]
                               [--checkpoints FILE] [--require-anchored] [--require-shutdown] [--json]

Verifies the service's audit log (docs/audit.md): any edited, reordered or deleted line is found.
  --log FILE           the log; its rotated files beside it (FILE.<firstSeq>-<lastSeq>.jsonl) are read first, in
                       seq order, and a missing or renamed one is a break. Several --log: exactly those files, in order
  --key FILE           the audit private key (\`servicepath keys audit\`): checks every entry MAC and every checkpoint
                       signature, so a chain recomputed without the key is found
  --public-key FILE    the audit public key: checks every checkpoint signature (not the MACs)
  --checkpoints FILE   the checkpoints exported to write-once storage: each must be in the log, identical; a log
                       shorter than its last checkpoint is a break. Default: FILE.checkpoints.jsonl beside the
                       log when it exists (a local copy an intruder could edit: prefer the exported one)
  --require-anchored   also fail when entries follow the last checkpoint (not anchored by a signature)
  --require-shutdown   also fail unless the log ends with the shutdown checkpoint (for a stopped service)
  --json               print the report as JSON
Exit codes: 0 when every check given holds, whatever the tail (entries after the last checkpoint, or no shutdown
checkpoint, are reported as a warning: a crash, a running service, or lines cut off the end); 7 (AUDIT_CHAIN_BROKEN)
at the first break, named by seq, line and reason (an unterminated last line is reported as a torn write, which the
service moves aside at start-up); 7 (AUDIT_KEY_MISMATCH) when a key is given and the log is unkeyed or keyed with
another key; 7 (AUDIT_TAIL_UNANCHORED) for --require-anchored or --require-shutdown.`;

function tailWarning(r: VerifyResult): string | null {
  if (r.entries === 0 || r.cleanShutdown) return null;
  if (r.keyed === false) return 'the log is unkeyed: no MACs and no checkpoints, so lines cut off the end cannot be found';
  const last = r.lastCheckpointSeq === null ? 'no checkpoint' : `the last checkpoint (seq ${r.lastCheckpointSeq}, ${r.lastCheckpointReason})`;
  return r.unanchored > 0
    ? `${r.unanchored} entries after ${last} are not anchored, and the log does not end with a shutdown checkpoint: the service crashed or is running, or lines were cut off the end`
    : `the log ends with ${last}, not with a shutdown checkpoint: the service crashed or is running, or lines were cut off the end`;
}

function report(r: VerifyResult): string {
  const files = r.files.length > 1 ? ` (${r.files.length} files)` : '';
  const lines = [`audit log ${r.files.at(-1) ?? ''}${files}: ${r.entries} entries, chain intact (last seq ${r.lastSeq}, hash ${r.lastHash})`];
  if (r.keyed === false) lines.push('keyed: no (no MACs, no checkpoints)');
  else if (r.keyed === true) lines.push(`keyed: yes, key ${r.keyId ?? '(no checkpoint yet)'}; MACs ${r.macs === 'verified' ? 'verified' : 'not checked (give --key)'}`);
  if (r.checkpoints > 0) {
    lines.push(
      `checkpoints: ${r.checkpoints}, signatures ${r.signatures === 'verified' ? 'verified' : 'not checked (give --key or --public-key)'}; last at seq ${r.lastCheckpointSeq} (${r.lastCheckpointReason}); ${r.unanchored} entries after it`,
    );
  }
  if (r.external !== null) {
    const unreadable = r.external.unreadable > 0 ? `; ${r.external.unreadable} unreadable lines` : '';
    lines.push(`checkpoints file ${r.external.file}: ${r.external.checkpoints} checkpoints, all in the log${unreadable}`);
  } else if (r.keyed === true) {
    lines.push('checkpoints file: none compared (give --checkpoints with the exported copy)');
  }
  return lines.join('\n');
}

export const command: CommandModule = {
  name: 'audit',
  summary: 'audit log tools (audit verify --log FILE)',
  usage,
  run: async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub !== 'verify') throw new ServicepathError('CLI_USAGE', { detail: `expected "audit verify", got "${sub ?? ''}"\n\n${usage}` });
    const { values } = parseOptions(
      rest,
      {
        log: { type: 'string', multiple: true },
        key: { type: 'string' },
        'public-key': { type: 'string' },
        checkpoints: { type: 'string' },
        'require-anchored': { type: 'boolean' },
        'require-shutdown': { type: 'boolean' },
      },
      usage,
    );
    const logs = values.log ?? [];
    const log = logs.at(-1);
    if (log === undefined || logs.some((l) => l === '')) throw new ServicepathError('CLI_USAGE', { detail: `missing required option --log\n\n${usage}` });
    if (values.key !== undefined && values['public-key'] !== undefined) throw new ServicepathError('CLI_USAGE', { detail: `give --key or --public-key, not both\n\n${usage}` });
    const key = values.key !== undefined ? await readAuditKey(values.key) : values['public-key'] !== undefined ? await readAuditPublicKey(values['public-key']) : null;
    const files = logs.length === 1 ? await logSetFiles(log) : logs;
    const checkpointsFile = values.checkpoints ?? ((await exists(checkpointsFileOf(log))) ? checkpointsFileOf(log) : null);
    const result = await verifyAuditSet(files, { key, checkpointsFile });
    if (!result.ok) {
      const file = result.brokenFile ?? log;
      if (result.problem === 'key') throw new ServicepathError('AUDIT_KEY_MISMATCH', { file, detail: `seq ${result.brokenSeq ?? 0}: ${result.reason ?? ''}` }, { details: result });
      throw new ServicepathError('AUDIT_CHAIN_BROKEN', { file, seq: result.brokenSeq ?? 0, line: result.brokenLine ?? 0, reason: result.reason ?? '' }, { details: result });
    }
    const warning = tailWarning(result);
    if (values['require-anchored'] === true && result.unanchored > 0) {
      throw new ServicepathError('AUDIT_TAIL_UNANCHORED', { file: log, detail: `${result.unanchored} entries after the last checkpoint (--require-anchored)` }, { details: result });
    }
    if (values['require-shutdown'] === true && !result.cleanShutdown) {
      throw new ServicepathError('AUDIT_TAIL_UNANCHORED', { file: log, detail: `${warning ?? 'the log is empty'} (--require-shutdown)` }, { details: result });
    }
    emit(io, values.json === true, { ...result, warning }, () => report(result));
    if (warning !== null && values.json !== true) io.stderr(`warning: ${warning}`);
    return 0;
  },
};
