// Error codes of the model area: MODEL_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const modelCodes = defineCodes({});
