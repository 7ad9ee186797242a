// Manifest signatures (src/bundle/signing.ts): key pairs on disk, the trainer's signing key (file or environment),
// trusted public keys (files and folders), and the check of a signature against a policy.
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSignature, readTrustedKeys, resolveSigningKey, SIGNING_KEY_ENV, signManifest, type TrustedKey, writeKeyPair } from '../../../src/bundle/signing.js';

const work = mkdtempSync(join(tmpdir(), 'sp-signing-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
const fresh = () => join(work, `k${++n}`);

describe('keys new (writeKeyPair)', () => {
  it('writes a private key only its owner can read and a public key, with the key id, never overwriting', async () => {
    const dir = fresh();
    const pair = await writeKeyPair(dir);
    expect(pair.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(pair.privateKeyFile).toBe(join(dir, 'signing.key'));
    expect(statSync(pair.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(pair.privateKeyFile, 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
    expect(readFileSync(pair.publicKeyFile, 'utf8')).toContain('-----BEGIN PUBLIC KEY-----');
    const key = await resolveSigningKey({ keyFile: pair.privateKeyFile, env: {} });
    expect(key?.keyId).toBe(pair.keyId);
    const [trusted] = await readTrustedKeys([pair.publicKeyFile]);
    expect(trusted?.keyId).toBe(pair.keyId);
    await expect(writeKeyPair(dir)).rejects.toMatchObject({ code: 'FILE_EXISTS' });
    expect((await writeKeyPair(dir, 'second')).keyId).not.toBe(pair.keyId);
  });
});

describe('the signing key (train --signing-key, SERVICEPATH_SIGNING_KEY)', () => {
  it('reads the file, else the environment variable, else signs nothing', async () => {
    const pair = await writeKeyPair(fresh());
    const pem = readFileSync(pair.privateKeyFile, 'utf8');
    expect((await resolveSigningKey({ env: { [SIGNING_KEY_ENV]: pem } }))?.keyId).toBe(pair.keyId);
    expect(await resolveSigningKey({ env: {} })).toBeNull();
    expect(await resolveSigningKey({ env: { [SIGNING_KEY_ENV]: '' } })).toBeNull();
  });

  it('refuses a public key, another key type and a missing file', async () => {
    const pair = await writeKeyPair(fresh());
    await expect(resolveSigningKey({ keyFile: pair.publicKeyFile })).rejects.toMatchObject({ code: 'BUNDLE_SIGNING_KEY_INVALID' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(resolveSigningKey({ env: { [SIGNING_KEY_ENV]: rsa } })).rejects.toMatchObject({ code: 'BUNDLE_SIGNING_KEY_INVALID', message: expect.stringContaining('rsa') });
    await expect(resolveSigningKey({ keyFile: join(work, 'nope.key') })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('trusted keys (verify/serve --trusted-keys)', () => {
  it('reads a folder’s .pub and .pem files (not the private key beside them) and single files', async () => {
    const dir = fresh();
    const a = await writeKeyPair(dir, 'a');
    const b = await writeKeyPair(dir, 'b');
    const keys = await readTrustedKeys([dir]);
    expect(keys.map((k) => k.keyId)).toEqual([a.keyId, b.keyId]);
    expect((await readTrustedKeys([a.publicKeyFile, b.publicKeyFile])).map((k) => k.file)).toEqual([a.publicKeyFile, b.publicKeyFile]);
  });

  it('refuses a private key, another key type, an empty folder and a missing path', async () => {
    const pair = await writeKeyPair(fresh());
    await expect(readTrustedKeys([pair.privateKeyFile])).rejects.toMatchObject({ code: 'BUNDLE_TRUSTED_KEYS_INVALID', message: expect.stringContaining('private key') });
    const rsa = join(work, 'rsa.pub');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(readTrustedKeys([rsa])).rejects.toMatchObject({ code: 'BUNDLE_TRUSTED_KEYS_INVALID' });
    const junk = join(work, 'junk.pem');
    writeFileSync(junk, 'not a key\n');
    await expect(readTrustedKeys([junk])).rejects.toMatchObject({ code: 'BUNDLE_TRUSTED_KEYS_INVALID' });
    const empty = fresh();
    mkdirSync(empty);
    await expect(readTrustedKeys([empty])).rejects.toMatchObject({ code: 'BUNDLE_TRUSTED_KEYS_INVALID' });
    await expect(readTrustedKeys([join(work, 'missing')])).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('signing and checking a manifest', () => {
  const manifest = { name: 'cw', version: '1', id: `sha256:${'a'.repeat(64)}`, nested: { b: 2, a: [1, 'x', null] } };

  async function keys(): Promise<{ signer: NonNullable<Awaited<ReturnType<typeof resolveSigningKey>>>; trusted: TrustedKey[]; other: TrustedKey[] }> {
    const dir = fresh();
    const mine = await writeKeyPair(dir, 'mine');
    const theirs = await writeKeyPair(dir, 'theirs');
    const signer = (await resolveSigningKey({ keyFile: mine.privateKeyFile }))!;
    return { signer, trusted: await readTrustedKeys([mine.publicKeyFile]), other: await readTrustedKeys([theirs.publicKeyFile]) };
  }

  it('round-trips: a trusted key verifies the signature, whatever the key order or layout of the stored JSON', async () => {
    const { signer, trusted } = await keys();
    const signature = signManifest(manifest, signer);
    expect(signature).toMatchObject({ algorithm: 'ed25519', keyId: signer.keyId });
    expect(Buffer.from(signature.value, 'base64')).toHaveLength(64);
    const stored = JSON.parse(JSON.stringify({ nested: { a: [1, 'x', null], b: 2 }, version: '1', id: manifest.id, name: 'cw', manifestSignature: signature }, null, 4)) as object;
    expect(checkSignature('d', stored, signature, { trustedKeys: trusted, allowUnsigned: false })).toEqual({ signing: { status: 'verified', keyId: signer.keyId }, problem: null });
  });

  it('refuses a manifest changed after signing, even with allowUnsigned', async () => {
    const { signer, trusted } = await keys();
    const signature = signManifest(manifest, signer);
    for (const changed of [
      { ...manifest, version: '2', manifestSignature: signature },
      { ...manifest, nested: { ...manifest.nested, extra: true }, manifestSignature: signature },
    ]) {
      for (const allowUnsigned of [false, true]) {
        const r = checkSignature('d', changed, signature, { trustedKeys: trusted, allowUnsigned });
        expect(r.signing.status).toBe('invalid');
        expect(r.problem?.code).toBe('BUNDLE_SIGNATURE_INVALID');
      }
    }
    // A signature copied from another manifest, or one made by another key under the trusted key's id, fails too.
    const copied = signManifest({ ...manifest, version: '9' }, signer);
    expect(checkSignature('d', manifest, copied, { trustedKeys: trusted, allowUnsigned: true }).problem?.code).toBe('BUNDLE_SIGNATURE_INVALID');
    const impostor = signManifest(manifest, { keyId: signer.keyId, key: generateKeyPairSync('ed25519').privateKey });
    expect(checkSignature('d', manifest, impostor, { trustedKeys: trusted, allowUnsigned: true }).problem?.code).toBe('BUNDLE_SIGNATURE_INVALID');
  });

  it('refuses an untrusted key and an unsigned manifest unless unsigned bundles are allowed', async () => {
    const { signer, other } = await keys();
    const signature = signManifest(manifest, signer);
    const untrusted = checkSignature('d', manifest, signature, { trustedKeys: other, allowUnsigned: false });
    expect(untrusted.signing).toEqual({ status: 'untrusted', keyId: signer.keyId });
    expect(untrusted.problem?.code).toBe('BUNDLE_SIGNATURE_UNTRUSTED');
    expect(untrusted.problem?.message).toContain(other[0]!.keyId);
    expect(checkSignature('d', manifest, signature, { trustedKeys: other, allowUnsigned: true }).problem).toBeNull();
    const unsigned = checkSignature('d', manifest, undefined, { trustedKeys: other, allowUnsigned: false });
    expect(unsigned).toMatchObject({ signing: { status: 'unsigned', keyId: null }, problem: { code: 'BUNDLE_UNSIGNED' } });
    expect(checkSignature('d', manifest, undefined, { trustedKeys: [], allowUnsigned: true }).problem).toBeNull();
  });
});
