// Foundations: the error catalogue and error type. Imports nothing else of ours.
export { CATALOGUE, type ErrorCode, isErrorCode } from './catalogue.js';
export { type CodeSpec, defineCodes, EXIT } from './define.js';
export { type ErrorParams, isServicepathError, renderMessage, ServicepathError } from './servicepath-error.js';
export { formatZodIssues, zodIssueList } from './zod-issues.js';
