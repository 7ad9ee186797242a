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
    message: 'Task "{task}": the {split} split holds {positives} positives and {negatives} negatives; both classes are needed. Over {detail}.',
    httpStatus: 422,
    exitCode: EXIT.input,
    description: 'A split has only one outcome class, so a model cannot be fitted or evaluated. Use more data or another seed.',
  },
  TASK_SPLIT_UNPUBLISHABLE: {
    message:
      'Task "{task}": the {split} split holds {persons} persons, {positives} with the outcome and {negatives} without; the disclosure rules (k {k}, minimum count {minCount}) need more to publish its evaluation.',
    httpStatus: 422,
    exitCode: EXIT.input,
    description:
      "The test split's evaluation is the bundle's headline and must pass the disclosure rules (docs/privacy.md): at least k persons and at least minCount with and without the outcome. Use more data, another seed or larger split shares; the check runs before training.",
  },
});
