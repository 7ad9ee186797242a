// V8's young-generation setting the service runs best with (docs/api.md, Performance). A module of its own, with no
// imports, so that scripts (load-test) read the same flags as the server's start-up hint without loading the app.

/**
 * The semi-space size (MB). Every request allocates ~80 KB that dies young; with V8's default (16 MB) a loaded server
 * scavenges ~20 times a second, each pause holding up every request in flight. At 32 MB `/score` served 9-28% more
 * requests a second with a lower p99 in paired runs; the minimum is the same size, so RSS does not grow when load
 * makes V8 widen it. The flags must be given when node starts (v8.setFlagsFromString cannot resize the heap later,
 * and NODE_OPTIONS refuses the minimum): the `servicepath` binary's first line carries them, and
 * `node dist/src/cli/main.js serve` without them logs how.
 */
export const SERVE_SEMI_SPACE_MB = 32;

/** The node flags that give the service its young generation. */
export const SERVE_NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${SERVE_SEMI_SPACE_MB}`, `--min-semi-space-size=${SERVE_SEMI_SPACE_MB}`];

/** The start-up hint when node runs with V8's default young generation (no --max-semi-space-size), else null. */
export function youngGenerationHint(execArgv: readonly string[], nodeOptions: string | undefined): string | null {
  const given = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)];
  if (given.some((f) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(f))) return null;
  return `node runs with V8's default young generation: start it with ${SERVE_NODE_FLAGS.join(' ')} for more scoring throughput under load (5-28% in paired runs, docs/api.md; the servicepath binary does this itself)`;
}
