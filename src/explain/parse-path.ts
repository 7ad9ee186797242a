// Validates a planner's path against PathSchema; errors name the event and field, never the values.
import { ServicepathError, zodIssueList } from '../errors/index.js';
import { type Path, PathSchema } from '../schemas/path.js';

/**
 * Returns the validated Path, or throws EXPLAIN_PATH_INVALID whose details are `{ path, code, message }` items
 * such as `events/3/code: empty code`. `source` names where the path came from (a file name, "body").
 */
export function parsePath(json: unknown, source: string): Path {
  const parsed = PathSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = zodIssueList(parsed.error);
  const summary = issues
    .slice(0, 10)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
  throw new ServicepathError(
    'EXPLAIN_PATH_INVALID',
    { source, issues: issues.length > 10 ? `${summary}; and ${issues.length - 10} more` : summary },
    { cause: parsed.error, details: issues },
  );
}
