// Error codes of the audit area: AUDIT_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const auditCodes = defineCodes({
  AUDIT_CHAIN_BROKEN: {
    message: 'Audit log {file} is broken at seq {seq} (line {line}): {reason}',
    httpStatus: 500,
    exitCode: EXIT.audit,
    description:
      'A line of the audit log was edited, reordered or deleted (or is not valid JSON), an entry MAC or a checkpoint signature does not verify, a file of a rotated set is missing or out of order, or the log is shorter than or differs from its checkpoints file (docs/audit.md). Keep the files as evidence; the service will not append to a broken log.',
  },
  AUDIT_KEY_REQUIRED: {
    message: 'The audit log needs a key: {detail}',
    httpStatus: 500,
    exitCode: EXIT.audit,
    description:
      '`serve` keys its audit log (entry MACs, signed checkpoints) and refuses to start without a key. Create one with `servicepath keys audit --out DIR` and give `--audit-key DIR/audit.key` (or SERVICEPATH_AUDIT_KEY); `--unkeyed-audit` (or `--dev`) starts with a plain hash chain instead.',
  },
  AUDIT_KEY_INVALID: {
    message: 'The audit key {source} is not usable: {detail}.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: 'The audit key must be an unencrypted Ed25519 private key in PEM (`servicepath keys audit`), or for `audit verify --public-key` the matching public key.',
  },
  AUDIT_KEY_MISMATCH: {
    message: 'Audit log {file} does not match the audit key: {detail}',
    httpStatus: 500,
    exitCode: EXIT.audit,
    description:
      'The log is keyed but no key was given, is unkeyed but a key was given, or its checkpoints name another key. Give the key the log was written with; to start a new log under a new key, move the old log, its rotated files and its checkpoints file aside.',
  },
  AUDIT_TAIL_UNANCHORED: {
    message: 'Audit log {file}: {detail}',
    httpStatus: 500,
    exitCode: EXIT.audit,
    description:
      '`audit verify --require-anchored` (or `--require-shutdown`): the chain holds, but entries follow the last signed checkpoint, or the log does not end with the shutdown checkpoint. The service crashed or is still running, or lines were cut off the end; compare with the exported checkpoints file.',
  },
  AUDIT_WRITE_FAILED: {
    message: 'Could not append to the audit log {file}.',
    httpStatus: 500,
    exitCode: EXIT.audit,
    description:
      'Writing the audit log failed (disk full, permissions, I/O error); the cause is in the service log. The service keeps the unwritten entries in memory, cuts any partly written line off the file, answers AUDIT_UNAVAILABLE to requests that must be audited, reports the state on /healthz and retries; it serves again as soon as a write succeeds. Free space or fix the file.',
  },
  AUDIT_UNAVAILABLE: {
    message: 'The audit log cannot be written (since {since}); the request was not served. Retry later.',
    httpStatus: 503,
    exitCode: EXIT.audit,
    description:
      'Answered (with Retry-After) instead of serving a request unaudited while the audit log cannot be written; /healthz shows `audit: {state: "degraded", since, code, reason}`. The service recovers by itself once writing works again.',
  },
});
