// Error codes of the train area: TRAIN_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const trainCodes = defineCodes({
  TRAIN_DIVERGED: {
    message: 'Training diverged at epoch {epoch} (loss {loss}); lower the learning rate in --config.',
    httpStatus: 500,
    exitCode: EXIT.model,
    description: 'The training loss became NaN or infinite. Lower learningRate or check the data.',
  },
  TRAIN_CHECKPOINT_INVALID: {
    message: 'Cannot resume from {dir}: {detail}. Remove the folder to start over.',
    httpStatus: 500,
    exitCode: EXIT.model,
    description: 'The checkpoint of an interrupted run is unreadable or was made with another configuration, store or task.',
  },
  TRAIN_TRUTH_INVALID: {
    message: 'Truth file {file}: {detail}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'The generator\'s truth/children.ndjson given with --truth is missing, malformed or shares no child with the store (wrong key?).',
  },
});
