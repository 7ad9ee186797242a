// docs/ingest.md lists every quarantine reason with the text the quarantine file uses.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASON_TEXT } from '../../../src/ingest/reasons.js';
import { QUARANTINE_REASONS } from '../../../src/ingest/sources.js';

describe('docs/ingest.md', () => {
  it('has a row for each reason code with its readable reason', () => {
    const doc = readFileSync('docs/ingest.md', 'utf8');
    for (const reason of QUARANTINE_REASONS) expect(doc).toContain(`| \`${reason}\` | ${REASON_TEXT[reason]} |`);
  });
});
