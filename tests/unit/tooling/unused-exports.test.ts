// The unused-export check (scripts/check-unused-exports.mjs) on tiny fixtures: it names what nobody imports and
// counts direct imports, imports through barrels (named and `export *`), path-loaded modules and the allow-list.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CheckOptions, findUnusedExports, formatFinding } from '../../../scripts/check-unused-exports.mjs';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp repo of the given files; returns the checker's `file: symbol` lines. */
function check(files: Record<string, string>, options: Partial<CheckOptions> = {}): string[] {
  const root = mkdtempSync(join(tmpdir(), 'sp-unused-exports-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  const { findings, staleAllow } = findUnusedExports({ root, checkDirs: ['src'], scanDirs: ['src', 'scripts', 'tests'], entryPoints: [], ...options });
  return [...findings.map((f) => `${f.file}: ${f.symbol}`), ...staleAllow.map((a) => `stale ${a.file}: ${a.symbol}`)];
}

describe('unused-export check', () => {
  it('names an export nobody imports and keeps the imported ones', () => {
    const out = check({
      'src/a.ts': 'export const used = 1;\nexport function unused(): number {\n  return used;\n}\nexport type UsedType = string;\n',
      'src/b.ts': "import { type UsedType, used } from './a.js';\nexport const b: UsedType = String(used);\n",
      'tests/b.test.ts': "import { b } from '../src/b.js';\nconsole.log(b);\n",
    });
    // `unused` is only used in its own file: that is no import.
    expect(out).toEqual(['src/a.ts: unused']);
  });

  it('follows named and star re-exports of barrels; a symbol only re-exported is unused at its declaration', () => {
    const out = check({
      'src/lib/a.ts': 'export const viaBarrel = 1;\nexport const onlyReexported = 2;\nexport const direct = 3;\n',
      'src/lib/b.ts': 'export const viaStar = 4;\nexport const starUnused = 5;\n',
      'src/lib/c.ts': 'export const nothingUsed = 6;\n',
      'src/lib/index.ts':
        "export { direct, onlyReexported, viaBarrel as renamed } from './a.js';\nexport * from './b.js';\nexport * from './c.js';\n",
      'src/user.ts': "import { renamed, viaStar } from './lib/index.js';\nimport { direct } from './lib/a.js';\nexport const all = [renamed, viaStar, direct];\n",
      'scripts/run.ts': "import { all } from '../src/user.js';\nconsole.log(all);\n",
    });
    expect(out).toEqual([
      'src/lib/a.ts: onlyReexported',
      'src/lib/b.ts: starUnused',
      'src/lib/c.ts: nothingUsed',
      // forwards nothing anybody imports
      "src/lib/index.ts: * from './c.js'",
      // imported directly from a.ts, never through the barrel: the barrel's re-export is the dead part
      'src/lib/index.ts: direct',
    ]);
  });

  it('notes the barrels that forward an unused declaration', () => {
    const root = mkdtempSync(join(tmpdir(), 'sp-unused-exports-'));
    dirs.push(root);
    mkdirSync(join(root, 'src', 'lib'), { recursive: true });
    writeFileSync(join(root, 'src/lib/a.ts'), 'export const lonely = 1;\n');
    writeFileSync(join(root, 'src/lib/index.ts'), "export { lonely } from './a.js';\n");
    const { findings } = findUnusedExports({ root, checkDirs: ['src'], scanDirs: ['src'], entryPoints: [] });
    expect(findings.map(formatFinding)).toEqual(['src/lib/a.ts: lonely  (re-exported by src/lib/index.ts)']);
  });

  it('counts `import { x }; export { x }` as a re-export, but a local use of x as an import', () => {
    const out = check({
      'src/a.ts': 'export const forwarded = 1;\nexport const usedHere = 2;\n',
      'src/index.ts': "import { forwarded, usedHere } from './a.js';\nexport { forwarded };\nexport const twice = usedHere * 2;\n",
      'tests/t.test.ts': "import { twice } from '../src/index.js';\nconsole.log(twice);\n",
    });
    expect(out).toEqual(['src/a.ts: forwarded']);
  });

  it('counts namespace and dynamic imports, and treats entry points and path-loaded modules as used', () => {
    const out = check(
      {
        'src/ns.ts': 'export const n1 = 1;\nexport const n2 = 2;\n',
        'src/dyn.ts': 'export const picked = 1;\nexport const notPicked = 2;\n',
        'src/worker.ts': 'export const workerOnly = 1;\n',
        'src/cli/main.ts':
          "import * as ns from '../ns.js';\nexport const main = async () => {\n  const { picked } = await import('../dyn.js');\n" +
          "  return [ns.n1, picked, new URL('../worker.js', import.meta.url)];\n};\n",
      },
      { entryPoints: ['src/cli/main.ts'] },
    );
    expect(out).toEqual(['src/dyn.ts: notPicked']);
  });

  it('respects the allow-list and flags an entry that is no longer needed', () => {
    const files = { 'src/api.ts': 'export const publicApi = 1;\nexport const imported = 2;\n', 'tests/t.test.ts': "import { imported } from '../src/api.js';\nconsole.log(imported);\n" };
    expect(check(files)).toEqual(['src/api.ts: publicApi']);
    expect(check(files, { allow: [{ file: 'src/api.ts', symbol: 'publicApi', reason: 'public API' }] })).toEqual([]);
    expect(check(files, { allow: [{ file: 'src/api.ts', symbol: 'imported', reason: 'stale' }] })).toEqual(['src/api.ts: publicApi', 'stale src/api.ts: imported']);
  });
});
