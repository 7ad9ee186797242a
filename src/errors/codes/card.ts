// Error codes of the card area: CARD_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const cardCodes = defineCodes({
  CARD_INPUT_INVALID: {
    message: '{file}: {issues}',
    httpStatus: 422,
    exitCode: EXIT.bundle,
    description:
      'A bundle file the model card is built from (manifest.json, metrics.json, training-log.jsonl or a previous model-card.json) is unreadable or fails its schema; the message names the file and each field path.',
  },
  CARD_SOURCE_MISSING: {
    message: 'Model card number "{field}" points at {file}#{pointer}, which holds no number.',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description:
      'Every number in a model card is read from a bundle file through a JSON pointer; this pointer found nothing. The bundle is incomplete or its metrics file has an older layout.',
  },
});
