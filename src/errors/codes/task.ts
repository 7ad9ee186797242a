// Error codes of the task area: TASK_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const taskCodes = defineCodes({
  TASK_NO_EXAMPLES: {
    message: 'Task "{task}" yields {examples} examples on this store ({detail}); at least {min} are needed.',
    httpStatus: 422,
    exitCode: EXIT.input,
    description: 'Too few people pass the task\'s eligibility, index, prior-outcome and censoring rules; the message gives the exclusion counts.',
  },
  TASK_SINGLE_CLASS: {
    message: 'Task "{task}": the {split} split holds {positives} positives and {negatives} negatives; both classes are needed.',
    httpStatus: 422,
    exitCode: EXIT.input,
    description: 'A split has only one outcome class, so a model cannot be fitted or evaluated. Use more data or another seed.',
  },
});
