// Error codes of the task area: TASK_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const taskCodes = defineCodes({});
