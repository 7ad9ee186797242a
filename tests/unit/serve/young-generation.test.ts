// The service's young-generation setting: the start-up hint appears only when node runs without the flag, and the
// binary's first line gives node the same semi-space size as the constant the docs and the hint name.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { SERVE_NODE_FLAGS, SERVE_SEMI_SPACE_MB, youngGenerationHint } from '../../../src/serve/young-generation.js';

describe('young generation', () => {
  it('hints at --max-semi-space-size only when neither the node flags nor NODE_OPTIONS carry it', () => {
    expect(youngGenerationHint([], undefined)).toMatch(new RegExp(`--max-semi-space-size=${SERVE_SEMI_SPACE_MB} --min-semi-space-size=${SERVE_SEMI_SPACE_MB}`));
    expect(youngGenerationHint(['--enable-source-maps'], '--max-old-space-size=4096')).not.toBeNull();
    expect(youngGenerationHint(['--max-semi-space-size=64'], undefined)).toBeNull();
    expect(youngGenerationHint([], '--enable-source-maps --max-semi-space-size=16')).toBeNull();
    expect(youngGenerationHint(['--max_semi_space_size=32'], undefined)).toBeNull();
    expect(youngGenerationHint(['--max-semi-space-sizes=32'], undefined)).not.toBeNull();
  });

  it('is set by the servicepath binary itself (its shebang)', async () => {
    const first = (await readFile(new URL('../../../src/cli/main.ts', import.meta.url), 'utf8')).split('\n')[0];
    expect(first).toBe(`#!/usr/bin/env -S node --max-semi-space-size=${SERVE_SEMI_SPACE_MB} --min-semi-space-size=${SERVE_SEMI_SPACE_MB}`);
    expect(first).toBe(`#!/usr/bin/env -S node ${SERVE_NODE_FLAGS.join(' ')}`);
  });
});
