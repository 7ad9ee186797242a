// Error codes of the explain area: EXPLAIN_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const explainCodes = defineCodes({
  EXPLAIN_PATH_INVALID: {
    message: 'Path {source} is not valid: {issues}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'A path given for scoring failed the path schema; the message names each event and field (events/3/code).',
  },
  EXPLAIN_PRIVACY_THRESHOLD: {
    message: 'Cohort paths need k >= {minK} and roundTo >= 1; got k={k}, roundTo={roundTo}.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: 'Cohort paths were requested with a group threshold below the privacy floor; raise k to at least 5.',
  },
  EXPLAIN_COHORT_PATHS_INVALID: {
    message: 'Cohort paths {file} are not valid: {issues}',
    httpStatus: 500,
    exitCode: EXIT.bundle,
    description: 'A bundle\'s cohort-paths.json failed its schema or its privacy checks; the bundle should not be served.',
  },
  EXPLAIN_SCORER_MISMATCH: {
    message: 'The scorer returned {got} trajectories (or a wrong length) for {expected} paths.',
    httpStatus: 500,
    exitCode: EXIT.model,
    description: 'A scorer broke its contract (one risk per event of every path); the model bundle is faulty.',
  },
  EXPLAIN_TRUTH_INVALID: {
    message: 'Truth file {file} line {line} is not valid: {issues}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'A line of the generator\'s truth/children.ndjson failed its schema; regenerate the population.',
  },
});
