// Error codes of the store area: STORE_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const storeCodes = defineCodes({});
