// Error codes of the card area: CARD_<WHAT>. Retired codes are never reused.
import { defineCodes } from '../define.js';

export const cardCodes = defineCodes({});
