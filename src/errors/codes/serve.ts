// Error codes of the serve area: SERVE_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const serveCodes = defineCodes({});
