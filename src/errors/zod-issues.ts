// Turns zod issues into "path: message" text that says where, never echoing the received values.
import type { z } from 'zod';

interface IssueItem {
  path: string;
  code: string;
  message: string;
}

export function zodIssueList(error: z.ZodError, prefix = ''): IssueItem[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('/');
    return { path: path === '' ? '(root)' : path, code: issue.code, message: issue.message };
  });
}

export function formatZodIssues(error: z.ZodError, prefix = ''): string {
  return zodIssueList(error, prefix)
    .map((i) => `${i.path}: ${i.message}`)
    .join('; ');
}
