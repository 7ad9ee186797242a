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
    description: 'Writing the audit log failed (disk full, permissions); the cause is in the log. The service stops answering rather than serve unaudited.',
  },
});
