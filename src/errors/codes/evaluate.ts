// Error codes of the evaluate area: EVALUATE_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const evaluateCodes = defineCodes({});
