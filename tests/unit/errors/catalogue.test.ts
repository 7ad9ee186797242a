import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, isErrorCode, ServicepathError } from '../../../src/errors/index.js';
import { renderErrorCodesMarkdown } from '../../../src/errors/docs.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('error catalogue', () => {
  it('names every code <AREA>_<WHAT> and gives each a message, status and exit code', () => {
    for (const [code, spec] of Object.entries(CATALOGUE)) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z0-9]+)+$/);
      expect(spec.message.length).toBeGreaterThan(0);
      expect(spec.description.length).toBeGreaterThan(10);
      expect(spec.httpStatus).toBeGreaterThanOrEqual(400);
      expect(spec.exitCode).toBeGreaterThan(0);
    }
  });

  it('keeps docs/error-codes.md in step with the catalogue (run `npm run docs:errors`)', () => {
    const docs = readFileSync('docs/error-codes.md', 'utf8');
    expect(docs).toBe(renderErrorCodesMarkdown());
  });

  it('uses only catalogued codes in src and leaves no catalogued code unused', () => {
    const sources = walk('src').filter((f) => !f.startsWith(join('src', 'errors')));
    const text = sources.map((f) => readFileSync(f, 'utf8')).join('\n');
    const used = new Set([...text.matchAll(/['"`]([A-Z]+(?:_[A-Z0-9]+)+)['"`]/g)].map((m) => m[1]!));
    for (const code of Object.keys(CATALOGUE)) {
      expect(used.has(code), `catalogued code ${code} is never used in src/`).toBe(true);
    }
  });

  it('fills message templates and keeps the cause', () => {
    const cause = new Error('inner');
    const err = new ServicepathError('FILE_NOT_FOUND', { file: 'x.csv' }, { cause });
    expect(err.message).toBe('File or folder not found: x.csv');
    expect(err.cause).toBe(cause);
    expect(isErrorCode('NOPE_NOPE')).toBe(false);
  });
});
