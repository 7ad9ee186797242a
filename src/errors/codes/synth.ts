// Error codes of the synth area: SYNTH_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const synthCodes = defineCodes({});
