// Error codes of the ingest area: INGEST_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const ingestCodes = defineCodes({});
