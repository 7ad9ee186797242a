// Keyed pseudonyms and where the key comes from.
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY_ENV, resolvePseudonymKey } from '../../../src/ingest/key.js';
import { DEMO_KEY, keyFingerprint, MIN_KEY_BYTES, PSEUDONYM_HEX_CHARS, pseudonymise } from '../../../src/ingest/pseudonym.js';
import { cleanup } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'sp-key-'));
afterAll(() => cleanup(tmp));

describe('pseudonymise', () => {
  const key = Buffer.from('k'.repeat(32));
  const other = Buffer.from('o'.repeat(32));

  it('is stable under one key and different under another', () => {
    expect(pseudonymise(key, 'person-123')).toBe(pseudonymise(key, 'person-123'));
    expect(pseudonymise(key, 'person-123')).not.toBe(pseudonymise(other, 'person-123'));
    expect(pseudonymise(key, 'person-123')).not.toBe(pseudonymise(key, 'person-124'));
  });

  it('is the first 32 hex characters of HMAC-SHA256 over the UTF-8 id', () => {
    const p = pseudonymise(key, '9007199254740993');
    expect(p).toMatch(new RegExp(`^[0-9a-f]{${PSEUDONYM_HEX_CHARS}}$`));
    expect(p).toBe(createHmac('sha256', key).update('9007199254740993').digest('hex').slice(0, 32));
    // Ids are text: "1" and "01" are different people.
    expect(pseudonymise(key, '1')).not.toBe(pseudonymise(key, '01'));
  });

  it('fingerprints the key without revealing it', () => {
    expect(keyFingerprint(key)).toMatch(/^[0-9a-f]{16}$/);
    expect(keyFingerprint(key)).not.toBe(keyFingerprint(other));
  });
});

describe('resolvePseudonymKey', () => {
  it('reads a key file, dropping trailing whitespace', async () => {
    const file = join(tmp, 'key');
    writeFileSync(file, `${'ab'.repeat(32)}\n`);
    const { key, keySource } = await resolvePseudonymKey({ keyFile: file, env: {} });
    expect(keySource).toBe('file');
    expect(key.toString()).toBe('ab'.repeat(32));
  });

  it('falls back to the environment, and prefers an explicit key file to it', async () => {
    const env = { [KEY_ENV]: 'e'.repeat(40) };
    expect(await resolvePseudonymKey({ env })).toMatchObject({ keySource: 'env' });
    const file = join(tmp, 'key2');
    writeFileSync(file, 'f'.repeat(40));
    expect(await resolvePseudonymKey({ keyFile: file, env })).toMatchObject({ keySource: 'file' });
  });

  it('uses the public demo key only when asked, and says so', async () => {
    expect(await resolvePseudonymKey({ demoKey: true, env: {} })).toEqual({ key: DEMO_KEY, keySource: 'demo' });
    expect(DEMO_KEY.length).toBeGreaterThanOrEqual(MIN_KEY_BYTES);
  });

  it('refuses to run without a key, with a short key, or with two key sources', async () => {
    await expect(resolvePseudonymKey({ env: {} })).rejects.toMatchObject({ code: 'INGEST_KEY_MISSING' });
    await expect(resolvePseudonymKey({ env: { [KEY_ENV]: 'short' } })).rejects.toMatchObject({ code: 'INGEST_KEY_WEAK' });
    const file = join(tmp, 'short');
    writeFileSync(file, 'x'.repeat(31));
    await expect(resolvePseudonymKey({ keyFile: file, env: {} })).rejects.toMatchObject({ code: 'INGEST_KEY_WEAK' });
    await expect(resolvePseudonymKey({ keyFile: file, demoKey: true, env: {} })).rejects.toMatchObject({ code: 'INGEST_KEY_CONFLICT' });
    await expect(resolvePseudonymKey({ keyFile: join(tmp, 'absent'), env: {} })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
