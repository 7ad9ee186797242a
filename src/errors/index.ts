// Foundations: the error catalogue and error type. Imports nothing else of ours.
export { CATALOGUE, type ErrorCode, isErrorCode } from './catalogue.js';
export { EXIT } from './define.js';
export { type ErrorParams, isServicepathError, ServicepathError } from './servicepath-error.js';
export { formatZodIssues, zodIssueList } from './zod-issues.js';
