import { defineCodes, EXIT } from '../define.js';

export const generalCodes = defineCodes({
  INTERNAL_ERROR: {
    message: 'Internal error (request or run id {id}); details are in the log.',
    httpStatus: 500,
    exitCode: EXIT.internal,
    description: 'An unexpected failure. The message is generic on purpose; the log holds the cause.',
  },
  CLI_USAGE: {
    message: '{detail}',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: 'A command was called with a missing, unknown or malformed option. Run the command with --help.',
  },
  CLI_UNKNOWN_COMMAND: {
    message: 'Unknown command "{command}". Run `servicepath --help` for the list.',
    httpStatus: 400,
    exitCode: EXIT.usage,
    description: 'The first argument is not one of servicepath\'s commands.',
  },
  CONFIG_INVALID: {
    message: '{file}: {issues}',
    httpStatus: 400,
    exitCode: EXIT.input,
    description: 'A configuration file (task spec, scenario, catalogue, tokens) failed its schema; the message lists each field path.',
  },
  FILE_NOT_FOUND: {
    message: 'File or folder not found: {file}',
    httpStatus: 404,
    exitCode: EXIT.input,
    description: 'A path given on the command line does not exist.',
  },
  FILE_EXISTS: {
    message: 'Output already exists: {file}. Choose another path or remove it first.',
    httpStatus: 409,
    exitCode: EXIT.usage,
    description: 'Outputs are never overwritten in place (stores and bundles are immutable).',
  },
});
