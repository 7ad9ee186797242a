// Error codes of the audit area: AUDIT_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const auditCodes = defineCodes({});
