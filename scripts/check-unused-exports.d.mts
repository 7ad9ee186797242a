// Types of check-unused-exports.mjs (plain JavaScript: the repo has no TypeScript runner), for its unit test.

export interface AllowEntry {
  /** Module path relative to the root, such as src/serve/app.ts. */
  file: string;
  symbol: string;
  /** Why the symbol is exported though nothing imports it (public API). */
  reason: string;
}

export interface CheckOptions {
  root: string;
  /** Folders whose modules are checked (relative to root). */
  checkDirs: string[];
  /** Folders whose files' imports count as uses (relative to root). */
  scanDirs: string[];
  /** Modules loaded by path: every export counts as used (relative to root). */
  entryPoints: string[];
  allow?: AllowEntry[];
}

export interface Finding {
  file: string;
  symbol: string;
  note?: string | undefined;
}

export declare const REPO_OPTIONS: { checkDirs: string[]; scanDirs: string[]; entryPoints: string[]; allowFile: string };
export declare function findUnusedExports(options: CheckOptions): { findings: Finding[]; staleAllow: AllowEntry[] };
export declare function readAllowList(file: string): AllowEntry[];
export declare function formatFinding(f: Finding): string;
