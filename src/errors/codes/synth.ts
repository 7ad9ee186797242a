// Error codes of the synth area: SYNTH_<WHAT>. Retired codes are never reused.
import { defineCodes, EXIT } from '../define.js';

export const synthCodes = defineCodes({
  SYNTH_WRITE_FAILED: {
    message: 'Could not write the synthetic population to {file} ({reason}); nothing was left behind.',
    httpStatus: 500,
    exitCode: EXIT.input,
    description: 'Writing the generated files failed (disk full, permissions, a missing parent folder); the partial output was removed. Free space or choose another --out.',
  },
});
