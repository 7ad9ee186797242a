// Error codes of the explain area: EXPLAIN_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const explainCodes = defineCodes({});
