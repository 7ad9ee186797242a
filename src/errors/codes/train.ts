// Error codes of the train area: TRAIN_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const trainCodes = defineCodes({});
