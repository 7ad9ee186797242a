// Writes model-card.json, .md and .html into a folder (the trainer's temporary bundle folder, or --out).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelCard } from '../schemas/model-card.js';
import { renderHtml, renderMarkdown } from './render.js';

export const CARD_FILES = ['model-card.json', 'model-card.md', 'model-card.html'] as const;

/** Returns the written paths. Existing files are replaced: callers write into fresh folders only. */
export async function writeCardFiles(card: ModelCard, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const contents = [`${JSON.stringify(card, null, 2)}\n`, renderMarkdown(card), renderHtml(card)];
  const paths = CARD_FILES.map((name) => join(dir, name));
  await Promise.all(paths.map((path, i) => writeFile(path, contents[i]!, 'utf8')));
  return paths;
}
