// File edges of the explain area: reading paths, catalogues, cohort-paths.json and the generator's truth.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ServicepathError, formatZodIssues, zodIssueList } from '../errors/index.js';
import { type Catalogue, CatalogueSchema } from '../schemas/catalogue.js';
import { type CohortPathsFile, CohortPathsFileSchema } from '../schemas/cohort-paths.js';
import type { Path } from '../schemas/path.js';
import { type TruthChild, TruthChildSchema } from '../schemas/truth.js';
import { parsePath } from './parse-path.js';

function readText(file: string): string {
  if (!existsSync(file)) throw new ServicepathError('FILE_NOT_FOUND', { file });
  return readFileSync(file, 'utf8');
}

/** JSON (or YAML for catalogues); a syntax error is reported as CONFIG_INVALID naming the file. */
function readStructured(file: string): unknown {
  const text = readText(file);
  try {
    return /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: `(root): not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}` }, { cause: err });
  }
}

export function readPathFile(file: string): Path {
  const text = readText(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('EXPLAIN_PATH_INVALID', { source: file, issues: '(root): not valid JSON' }, { cause: err });
  }
  return parsePath(json, file);
}

export function readCatalogueFile(file: string): Catalogue {
  const parsed = CatalogueSchema.safeParse(readStructured(file));
  if (!parsed.success) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) }, { cause: parsed.error, details: zodIssueList(parsed.error) });
  }
  return parsed.data;
}

function parseCohortPaths(json: unknown, file: string): CohortPathsFile {
  const parsed = CohortPathsFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ServicepathError('EXPLAIN_COHORT_PATHS_INVALID', { file, issues: formatZodIssues(parsed.error) }, { cause: parsed.error, details: zodIssueList(parsed.error) });
  }
  return parsed.data;
}

/** A bundle's cohort-paths.json, validated (schema and privacy: counts >= k and rounded). */
export function readCohortPathsFile(bundleDir: string): CohortPathsFile {
  const file = join(bundleDir, 'cohort-paths.json');
  const text = readText(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('EXPLAIN_COHORT_PATHS_INVALID', { file, issues: '(root): not valid JSON' }, { cause: err });
  }
  return parseCohortPaths(json, file);
}

/** truth/children.ndjson of a generated population (the folder may be the population or its truth/). */
export function readTruthChildren(dir: string): TruthChild[] {
  const candidates = [join(dir, 'children.ndjson'), join(dir, 'truth', 'children.ndjson')];
  const file = candidates.find((f) => existsSync(f)) ?? candidates[0]!;
  const lines = readText(file).split('\n');
  const out: TruthChild[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new ServicepathError('EXPLAIN_TRUTH_INVALID', { file, line: i + 1, issues: '(root): not valid JSON' }, { cause: err });
    }
    const parsed = TruthChildSchema.safeParse(json);
    if (!parsed.success) {
      throw new ServicepathError('EXPLAIN_TRUTH_INVALID', { file, line: i + 1, issues: formatZodIssues(parsed.error) }, { cause: parsed.error });
    }
    out.push(parsed.data);
  });
  return out;
}
