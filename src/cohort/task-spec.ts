// Reads and validates a task spec file (JSON or YAML); errors name the file and each failing field path.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatZodIssues, ServicepathError, zodIssueList } from '../errors/index.js';
import { type TaskSpec, TaskSpecSchema } from '../schemas/task.js';

/** Validates an already-parsed task spec; `file` names it in errors. */
function parseTaskSpec(value: unknown, file: string): TaskSpec {
  const parsed = TaskSpecSchema.safeParse(value);
  if (!parsed.success) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) }, { cause: parsed.error, details: zodIssueList(parsed.error) });
  }
  return parsed.data;
}

/** Parses JSON, or YAML for .yaml/.yml files; a syntax error is CONFIG_INVALID naming the file. */
export function parseConfigText(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase();
  try {
    return ext === '.yaml' || ext === '.yml' ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: `(root): not valid ${ext === '.yaml' || ext === '.yml' ? 'YAML' : 'JSON'}` }, { cause: err });
  }
}

export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  return parseConfigText(text, file);
}

export async function loadTaskSpec(file: string): Promise<TaskSpec> {
  return parseTaskSpec(await readConfigFile(file), file);
}
