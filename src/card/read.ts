// Reading a bundle's card evidence from disk: text, JSON and training-log.jsonl, each failure naming the file.
import { readFile } from 'node:fs/promises';
import { ServicepathError } from '../errors/index.js';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file: path }, { cause: err });
  }
}

export async function readJson(path: string): Promise<unknown> {
  const text = await readText(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ServicepathError('CARD_INPUT_INVALID', { file: path, issues: 'not valid JSON' }, { cause: err });
  }
}

/** training-log.jsonl: one JSON object per non-empty line. */
export async function readTrainingLog(path: string): Promise<Array<Record<string, unknown>>> {
  const lines = (await readText(path)).split('\n').filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new ServicepathError('CARD_INPUT_INVALID', { file: path, issues: `line ${i + 1}: not valid JSON` }, { cause: err });
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new ServicepathError('CARD_INPUT_INVALID', { file: path, issues: `line ${i + 1}: expected an object` });
    }
    return value as Record<string, unknown>;
  });
}
