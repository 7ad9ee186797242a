// Error codes of the evaluate area: EVALUATE_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const evaluateCodes = defineCodes({
  EVALUATE_INPUT_INVALID: {
    message: 'Evaluation input {field}: {problem}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description:
      'Labels, probabilities, cluster or subgroup arrays, or evaluation settings (k, rounding, bootstrap) are malformed: lengths differ, a label is not 0/1, a probability is outside [0, 1], or k is below 5.',
  },
  EVALUATE_COMPARE_MISMATCH: {
    message: 'Cannot compare {baseline} with {candidate}: {detail}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description:
      'servicepath compare needs two bundles of the same task; on the test split also the store both were trained on and the same split (seed, fractions, method), reproduced with the counts their manifests recorded. Use --split all to compare on every example of another store.',
  },
});
