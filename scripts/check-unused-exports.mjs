#!/usr/bin/env node
// Unused-export check: lists every export of a module under src/ that no other file of src/, scripts/ or tests/
// imports. Plain JavaScript (the repo has no TypeScript runner) parsing with the `typescript` package; types in
// check-unused-exports.d.mts. Run: `npm run check:exports` (exit 1 and `file: symbol` lines when something is unused).
//
// How a use is counted:
// - `import { a } from './m.js'`, `import d from`, `import * as ns from` (every export of m), `import('./m.js')`
//   (the destructured names, else every export) and `import('./m.js').T` types, from any file but m itself.
// - Re-exports are not uses: `export { a } from './m.js'`, `export * from './m.js'` and `import { a }; export { a }`
//   only forward a use made through the barrel. A symbol only re-exported by a barrel and imported by nobody is
//   reported at its declaration, with the barrels that forward it; a re-export nobody imports while the symbol is
//   imported directly elsewhere is reported at the barrel; an `export * from` that forwards nothing is reported too.
// - Entry points are never unused: src/cli/main.ts, every module loaded by path (a relative './x.js' string in
//   src/, such as `new Worker(new URL('./events-worker.js', import.meta.url))` or the CLI's command table), and
//   scripts/* (only src/ is checked).
// - scripts/unused-exports-allow.json lists deliberate public API: `{ file, symbol, reason }` each, counted as
//   used. An entry that is no longer needed (not exported, or imported after all) fails the check too.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** The repository's settings (paths relative to the root). */
export const REPO_OPTIONS = {
  checkDirs: ['src'],
  scanDirs: ['src', 'scripts', 'tests'],
  entryPoints: ['src/cli/main.ts'],
  allowFile: 'scripts/unused-exports-allow.json',
};

const TS_FILE = /\.(?:ts|tsx|mts|cts)$/;
const RELATIVE_MODULE_STRING = /^\.\.?\/[^\s'"`]*\.(?:js|mjs|cjs|ts|mts|cts|tsx)$/;
const ALL = '*';

/** Every TypeScript source file under dir (absolute paths, sorted), skipping node_modules, dist and dot folders. */
function listSources(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (entry.isFile() && TS_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out.sort();
}

/** The scanned file a relative specifier names (`./x.js` is x.ts, `./dir` is dir/index.ts); null for packages and other files. */
function resolveSpecifier(files, from, spec) {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return null;
  const base = resolve(dirname(from), spec.replace(/[?#].*$/, ''));
  const candidates = [base];
  const swap = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };
  const ext = /\.[mc]?jsx?$/.exec(base)?.[0];
  if (ext !== undefined) for (const to of swap[ext]) candidates.push(base.slice(0, -ext.length) + to);
  candidates.push(`${base}.ts`, `${base}.tsx`, join(base, 'index.ts'));
  return candidates.find((c) => files.has(c)) ?? null;
}

const nameText = (n) => (n === undefined ? undefined : ts.isIdentifier(n) || ts.isStringLiteral(n) ? n.text : n.getText());
const hasModifier = (node, kind) => (ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []).some((m) => m.kind === kind) : false);

function bindingNames(name, out) {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
  return out;
}

/** Names a dynamic `import(...)` reads: destructured or accessed; null when it may read any. */
function dynamicImportNames(call) {
  let node = call;
  while (ts.isParenthesizedExpression(node.parent) || ts.isAwaitExpression(node.parent)) node = node.parent;
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) && parent.initializer === node && ts.isObjectBindingPattern(parent.name)) {
    const names = [];
    for (const el of parent.name.elements) {
      if (el.dotDotDotToken !== undefined) return null;
      const key = el.propertyName ?? el.name;
      if (!ts.isIdentifier(key) && !ts.isStringLiteral(key)) return null;
      names.push(key.text);
    }
    return names;
  }
  if (ts.isPropertyAccessExpression(parent) && parent.expression === node) return [parent.name.text];
  return null;
}

/**
 * One file's imports and exports.
 * exports: name -> { kind: 'local' } | { kind: 'reexport', target, targetSpec, name } | { kind: 'namespace', target, targetSpec }
 */
function parseModule(files, file) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const exports = new Map();
  const stars = [];
  const imports = []; // { target, name } (name '*' = all)
  const pathStrings = [];
  const bindings = new Map(); // local import binding -> { target, targetSpec, name }
  const pendingLocalExports = []; // [exported, local] of `export { local as exported }`
  const referenced = new Set();

  const importUse = (spec, name) => {
    const target = resolveSpecifier(files, file, spec);
    if (target !== null) imports.push({ target, name });
  };

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const spec = st.moduleSpecifier.text;
      const target = resolveSpecifier(files, file, spec);
      const clause = st.importClause;
      if (clause === undefined) continue;
      if (clause.name !== undefined) bindings.set(clause.name.text, { target, targetSpec: spec, name: 'default' });
      const nb = clause.namedBindings;
      if (nb !== undefined && ts.isNamespaceImport(nb)) bindings.set(nb.name.text, { target, targetSpec: spec, name: ALL });
      if (nb !== undefined && ts.isNamedImports(nb)) {
        for (const el of nb.elements) bindings.set(el.name.text, { target, targetSpec: spec, name: nameText(el.propertyName ?? el.name) });
      }
      continue;
    }
    if (ts.isImportEqualsDeclaration(st) && ts.isExternalModuleReference(st.moduleReference) && ts.isStringLiteral(st.moduleReference.expression)) {
      importUse(st.moduleReference.expression.text, ALL);
      continue;
    }
    if (ts.isExportDeclaration(st)) {
      const spec = st.moduleSpecifier !== undefined && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : undefined;
      const target = spec === undefined ? null : resolveSpecifier(files, file, spec);
      const clause = st.exportClause;
      if (spec !== undefined && clause === undefined) stars.push({ target, targetSpec: spec });
      else if (spec !== undefined && ts.isNamespaceExport(clause)) exports.set(nameText(clause.name), { kind: 'namespace', target, targetSpec: spec });
      else if (clause !== undefined && ts.isNamedExports(clause)) {
        for (const el of clause.elements) {
          const exported = nameText(el.name);
          const local = nameText(el.propertyName ?? el.name);
          if (spec !== undefined) exports.set(exported, { kind: 'reexport', target, targetSpec: spec, name: local });
          else pendingLocalExports.push([exported, local]);
        }
      }
      continue;
    }
    if (ts.isExportAssignment(st)) {
      exports.set('default', { kind: 'local' });
      continue;
    }
    if (!hasModifier(st, ts.SyntaxKind.ExportKeyword)) continue;
    if (hasModifier(st, ts.SyntaxKind.DefaultKeyword)) exports.set('default', { kind: 'local' });
    else if (ts.isVariableStatement(st)) {
      for (const d of st.declarationList.declarations) for (const n of bindingNames(d.name, [])) exports.set(n, { kind: 'local' });
    } else if (st.name !== undefined) exports.set(nameText(st.name), { kind: 'local' });
  }

  // Identifiers used outside import/export clauses (an import only forwarded by `export { x }` is a re-export), dynamic
  // imports, import types and relative file strings (modules loaded by path).
  const skipName = (node) =>
    (ts.isPropertyAccessExpression(node.parent) && node.parent.name === node) ||
    (ts.isQualifiedName(node.parent) && node.parent.right === node) ||
    ((ts.isPropertyAssignment(node.parent) ||
      ts.isPropertySignature(node.parent) ||
      ts.isPropertyDeclaration(node.parent) ||
      ts.isMethodDeclaration(node.parent) ||
      ts.isMethodSignature(node.parent)) &&
      node.parent.name === node);
  const visit = (node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) return;
    if (ts.isIdentifier(node) && !skipName(node)) referenced.add(node.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) {
        for (const n of dynamicImportNames(node) ?? [ALL]) importUse(arg.text, n);
        return;
      }
    }
    if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      let q = node.qualifier;
      while (q !== undefined && ts.isQualifiedName(q)) q = q.left;
      importUse(node.argument.literal.text, q === undefined ? ALL : q.text);
    }
    if (ts.isStringLiteralLike(node) && RELATIVE_MODULE_STRING.test(node.text)) {
      const target = resolveSpecifier(files, file, node.text);
      if (target !== null) pathStrings.push(target);
    }
    ts.forEachChild(node, visit);
  };
  for (const st of sf.statements) visit(st);

  for (const [exported, local] of pendingLocalExports) {
    const b = bindings.get(local);
    if (b === undefined) exports.set(exported, { kind: 'local' });
    else if (b.name === ALL) exports.set(exported, { kind: 'namespace', target: b.target, targetSpec: b.targetSpec });
    else exports.set(exported, { kind: 'reexport', target: b.target, targetSpec: b.targetSpec, name: b.name });
  }
  for (const [local, b] of bindings) if (referenced.has(local) && b.target !== null) imports.push({ target: b.target, name: b.name });
  return { exports, stars, imports, pathStrings };
}

/**
 * Unused exports of the modules under options.checkDirs, counting imports from every file under options.scanDirs.
 * Returns the findings (sorted by file, then symbol) and the allow-list entries that are no longer needed.
 * @param {import('./check-unused-exports.d.mts').CheckOptions} options
 */
export function findUnusedExports(options) {
  const root = resolve(options.root);
  const rel = (f) => relative(root, f).split(sep).join('/');
  const abs = (r) => resolve(root, r);
  const sources = options.scanDirs.flatMap((d) => listSources(abs(d)));
  const files = new Set(sources);
  const mods = new Map(sources.map((f) => [f, parseModule(files, f)]));
  const checked = (f) => options.checkDirs.some((d) => f.startsWith(abs(d) + sep));

  // Every name a module exports, its own and those of `export *` (never `default`).
  const namesMemo = new Map();
  const names = (f) => {
    const memo = namesMemo.get(f);
    if (memo !== undefined) return memo;
    const out = new Set();
    namesMemo.set(f, out);
    const m = mods.get(f);
    if (m === undefined) return out;
    for (const n of m.exports.keys()) out.add(n);
    for (const s of m.stars) if (s.target !== null) for (const n of names(s.target)) if (n !== 'default') out.add(n);
    return out;
  };
  const starProviding = (f, name) => mods.get(f)?.stars.find((s) => s.target !== null && name !== 'default' && names(s.target).has(name));

  const used = new Set();
  const usedStars = new Set();
  const key = (f, n) => `${f}\u0000${n}`;
  const use = (f, name) => {
    if (name === ALL) {
      for (const n of names(f)) use(f, n);
      return;
    }
    if (used.has(key(f, name)) || !mods.has(f)) return;
    used.add(key(f, name));
    const e = mods.get(f).exports.get(name);
    if (e?.kind === 'reexport' && e.target !== null) use(e.target, e.name);
    else if (e?.kind === 'namespace' && e.target !== null) use(e.target, ALL);
    else if (e === undefined) {
      const s = starProviding(f, name);
      if (s !== undefined) {
        usedStars.add(key(f, s.targetSpec));
        use(s.target, name);
      }
    }
  };

  const entries = new Set(options.entryPoints.map(abs));
  for (const [f, m] of mods) {
    if (checked(f)) for (const t of m.pathStrings) if (t !== f) entries.add(t);
  }
  for (const [f, m] of mods) for (const i of m.imports) if (i.target !== f) use(i.target, i.name);
  for (const f of entries) use(f, ALL);

  const allow = options.allow ?? [];
  const staleAllow = [];
  for (const a of allow) {
    const f = abs(a.file);
    if (!names(f).has(a.symbol) || used.has(key(f, a.symbol))) staleAllow.push(a);
  }
  for (const a of allow) use(abs(a.file), a.symbol);

  // Where a re-export leads (its declaring module), and which barrels forward each declaration.
  const origin = (f, name, seen = new Set()) => {
    if (seen.has(key(f, name))) return null;
    seen.add(key(f, name));
    const e = mods.get(f)?.exports.get(name);
    if (e === undefined) {
      const s = starProviding(f, name);
      return s === undefined ? null : origin(s.target, name, seen);
    }
    if (e.kind === 'reexport') return e.target === null ? null : origin(e.target, e.name, seen);
    return { file: f, name };
  };
  const forwardedBy = new Map();
  for (const f of mods.keys()) {
    for (const n of names(f)) {
      const o = origin(f, n);
      if (o === null || o.file === f) continue;
      const k = key(o.file, o.name);
      forwardedBy.set(k, [...(forwardedBy.get(k) ?? []), rel(f)]);
    }
  }

  const findings = [];
  for (const [f, m] of mods) {
    if (!checked(f) || entries.has(f)) continue;
    for (const [name, e] of m.exports) {
      if (used.has(key(f, name))) continue;
      if (e.kind === 'local') {
        const by = forwardedBy.get(key(f, name)) ?? [];
        findings.push({ file: rel(f), symbol: name, note: by.length > 0 ? `re-exported by ${by.sort().join(', ')}` : undefined });
      } else if (e.kind === 'namespace') {
        findings.push({ file: rel(f), symbol: name, note: `namespace re-export of ${e.targetSpec}` });
      } else {
        const o = origin(f, name);
        // An unused declaration is reported where it is declared (with this barrel named there).
        if (o !== null && !used.has(key(o.file, o.name))) continue;
        findings.push({ file: rel(f), symbol: name, note: `re-export of ${e.target === null ? e.targetSpec : rel(e.target)}` });
      }
    }
    for (const s of m.stars) {
      if (s.target !== null && !usedStars.has(key(f, s.targetSpec))) {
        findings.push({ file: rel(f), symbol: `* from '${s.targetSpec}'`, note: 'nothing is imported through it' });
      }
    }
  }
  findings.sort((a, b) => (a.file === b.file ? (a.symbol < b.symbol ? -1 : 1) : a.file < b.file ? -1 : 1));
  return { findings, staleAllow };
}

/** Reads the allow-list: `{ "allow": [{ "file", "symbol", "reason" }] }`, each with a non-empty reason. */
export function readAllowList(file) {
  if (!existsSync(file)) return [];
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const allow = Array.isArray(json.allow) ? json.allow : [];
  for (const a of allow) {
    if (typeof a.file !== 'string' || typeof a.symbol !== 'string' || typeof a.reason !== 'string' || a.reason.trim() === '') {
      throw new Error(`${file}: every entry needs file, symbol and a reason: ${JSON.stringify(a)}`);
    }
  }
  return allow;
}

export function formatFinding(f) {
  return `${f.file}: ${f.symbol}${f.note === undefined ? '' : `  (${f.note})`}`;
}

function main() {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const allow = readAllowList(join(root, REPO_OPTIONS.allowFile));
  const { findings, staleAllow } = findUnusedExports({ root, ...REPO_OPTIONS, allow });
  for (const f of findings) console.log(formatFinding(f));
  for (const a of staleAllow) console.log(`${REPO_OPTIONS.allowFile}: ${a.file}: ${a.symbol} is allowed but not needed (not exported, or imported after all)`);
  const bad = findings.length + staleAllow.length;
  if (bad > 0) {
    console.error(`check:exports: ${findings.length} unused export(s), ${staleAllow.length} stale allow-list entr(ies)`);
    process.exitCode = 1;
  } else {
    console.log('check:exports: no unused exports');
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
