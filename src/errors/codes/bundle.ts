// Error codes of the bundle area: BUNDLE_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const bundleCodes = defineCodes({});
