// Error codes of the audit area: AUDIT_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const auditCodes = defineCodes({
  AUDIT_CHAIN_BROKEN: {
    message: 'Audit log {file} is broken at seq {seq} (line {line}): {reason}',
    httpStatus: 500,
    exitCode: EXIT.audit,
    description: 'A line of the hash-chained audit log was edited, reordered or deleted (or is not valid JSON). Keep the file as evidence; the service will not append to a broken log.',
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
