// File checksums and JSON reading for bundles; every failure names the bundle and the file, never content.
import { sha256Hex } from '../util/hash.js';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { z } from 'zod';
import { formatZodIssues, ServicepathError, zodIssueList } from '../errors/index.js';
import type { BundleFile } from '../schemas/manifest.js';


/** Every file under dir (recursive), as sorted forward-slash relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

export async function describeFiles(dir: string, paths: readonly string[]): Promise<BundleFile[]> {
  const out: BundleFile[] = [];
  for (const path of paths) {
    const bytes = await readFile(join(dir, path));
    out.push({ path, sha256: sha256Hex(bytes), bytes: (await stat(join(dir, path))).size });
  }
  return out;
}

/** Reads a bundle JSON file and validates it; BUNDLE_FILE_MISSING or BUNDLE_INVALID naming the file. */
export async function readBundleJson<T>(dir: string, file: string, schema: z.ZodType<T>): Promise<T> {
  let text: string;
  try {
    text = await readFile(join(dir, file), 'utf8');
  } catch (err) {
    throw new ServicepathError('BUNDLE_FILE_MISSING', { dir, file }, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('BUNDLE_INVALID', { dir, file, issues: 'not valid JSON' }, { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ServicepathError('BUNDLE_INVALID', { dir, file, issues: formatZodIssues(parsed.error) }, { cause: parsed.error, details: zodIssueList(parsed.error) });
  }
  return parsed.data;
}
