// The store's code dictionary (codes.ndjson): names for the codes its events use, one JSON object a line,
// ordered by code. Written only when the source supplies names (OMOP concept.csv).
import { writeFile } from 'node:fs/promises';

interface DictionaryEntry {
  code: string;
  name: string;
  domain?: string;
}

/**
 * Writes the entries whose code occurs in `usedCodes` (the first entry wins for a repeated code) and returns
 * how many were written; writes nothing and returns 0 when there is no dictionary or no entry is used.
 */
export async function writeCodeDictionary(
  path: string,
  usedCodes: ReadonlySet<string>,
  entries: (() => AsyncIterable<DictionaryEntry>) | undefined,
): Promise<number> {
  if (entries === undefined) return 0;
  const kept = new Map<string, DictionaryEntry>();
  for await (const e of entries()) {
    if (usedCodes.has(e.code) && !kept.has(e.code)) kept.set(e.code, e.domain === undefined ? { code: e.code, name: e.name } : { code: e.code, name: e.name, domain: e.domain });
  }
  if (kept.size === 0) return 0;
  const codes = [...kept.keys()].sort();
  await writeFile(path, `${codes.map((c) => JSON.stringify(kept.get(c))).join('\n')}\n`);
  return kept.size;
}
