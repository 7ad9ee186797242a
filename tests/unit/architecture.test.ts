// docs/architecture.md's folder table is the layering contract: every folder of src/ has a row, every row is a
// folder, and every relative import between folders is one the importing folder's row allows. CLI commands do
// not import each other (only main.ts, the command table, imports them).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = join(ROOT, 'src');

/** folder -> allowed folders, from the table under "## Folders and what each may import". */
function parseLayerTable(markdown: string): Map<string, Set<string>> {
  const start = markdown.indexOf('## Folders and what each may import');
  if (start < 0) throw new Error('docs/architecture.md has no "Folders and what each may import" section');
  const section = markdown.slice(start).split('\n## ')[0] as string;
  const rows = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z-]+)` \|[^|]*\|([^|]*)\|\s*$/.exec(line);
    if (m === null) continue;
    const allowed = (m[2] as string)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    rows.set(m[1] as string, new Set(allowed));
  }
  return rows;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : /\.(ts|mts|js)$/.test(name) ? [path] : [];
  });
}

/** Every relative import/export specifier of a TypeScript file (static and dynamic). */
function relativeImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) out.push(m[1] as string);
  return out;
}

/** Imports that break the table: `file -> folder`. */
function layerViolations(srcDir: string, table: Map<string, Set<string>>): string[] {
  const bad: string[] = [];
  for (const folder of readdirSync(srcDir).filter((f) => statSync(join(srcDir, f)).isDirectory())) {
    for (const file of filesUnder(join(srcDir, folder)).filter((f) => f.endsWith('.ts'))) {
      for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
        const target = relative(srcDir, resolve(dirname(file), spec)).split(sep)[0] as string;
        if (target === folder || target.startsWith('..')) continue;
        if (!(table.get(folder)?.has(target) ?? false)) bad.push(`${relative(srcDir, file)} -> ${target}`);
      }
    }
  }
  return bad.sort();
}

const table = parseLayerTable(readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8'));

describe('docs/architecture.md folder table', () => {
  it('has one row per folder of src/ and no other rows', () => {
    const folders = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory()).sort();
    expect([...table.keys()].sort()).toEqual(folders);
  });

  it('names only folders as allowed imports, never the folder itself', () => {
    for (const [folder, allowed] of table) {
      for (const a of allowed) expect(table.has(a), `${folder} allows unknown ${a}`).toBe(true);
      expect(allowed.has(folder)).toBe(false);
    }
  });

  it('allows no cycle between folders', () => {
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') throw new Error(`cycle: ${[...trail, f].join(' -> ')}`);
      state.set(f, 'open');
      for (const next of table.get(f) ?? []) visit(next, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of table.keys()) visit(f, []);
  });

  it('every import between folders of src/ is one the table allows', () => {
    expect(layerViolations(SRC, table)).toEqual([]);
  });

  it('catches an import the table does not allow', () => {
    const strict = new Map(table);
    strict.set('serve', new Set(['errors', 'schemas']));
    expect(layerViolations(SRC, strict).some((v) => v.startsWith(`serve${sep}`) && v.endsWith('-> bundle'))).toBe(true);
  });
});

describe('CLI commands', () => {
  it('import no other command file (only main.ts, the command table, does)', () => {
    const cli = join(SRC, 'cli');
    const bad = readdirSync(cli)
      .filter((f) => f.endsWith('.ts') && f !== 'main.ts')
      .flatMap((f) =>
        relativeImports(readFileSync(join(cli, f), 'utf8'))
          .filter((spec) => spec.startsWith('./') && spec !== './common.js')
          .map((spec) => `${f} -> ${spec}`),
      );
    expect(bad).toEqual([]);
  });
});
