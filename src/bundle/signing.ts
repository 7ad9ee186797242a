// Ed25519 signatures of bundle manifests (docs/bundle-format.md, "Signature"): key pairs (`servicepath keys new`),
// the signing key of `train` (--signing-key FILE or SERVICEPATH_SIGNING_KEY), the trusted public keys of `verify`
// and `serve` (--trusted-keys), and the check of a manifest's signature against them.
// The signature covers the manifest as canonical JSON (keys sorted, no whitespace) without its own field.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServicepathError } from '../errors/index.js';
import type { ManifestSignature } from '../schemas/manifest.js';
import { sha256Hex } from '../util/hash.js';

/** Holds the signing key's PEM text itself (like SERVICEPATH_PSEUDONYM_KEY holds the pseudonym key). */
export const SIGNING_KEY_ENV = 'SERVICEPATH_SIGNING_KEY';

/** The manifest field that holds the signature (not covered by it). */
const SIGNATURE_FIELD = 'manifestSignature';

/** An Ed25519 key with its id: the first 16 hex digits of the sha256 of the public key's SPKI DER. */
export interface IdentifiedKey {
  keyId: string;
  key: KeyObject;
}

/** A public key given to --trusted-keys, with the file it came from. */
export interface TrustedKey extends IdentifiedKey {
  file: string;
}

/** What a loader or verify accepts. */
export interface SignaturePolicy {
  trustedKeys: readonly TrustedKey[];
  /**
   * Accept a bundle without a signature, or one signed by a key that is not trusted (whose signature cannot be
   * checked). A signature by a trusted key that does not verify is refused regardless.
   */
  allowUnsigned: boolean;
}

/**
 * How a bundle's manifest is signed: verified (a trusted key, the signature holds), untrusted (signed by a key not
 * in the trusted keys: not checked), unsigned, or invalid (a trusted key's signature that does not hold).
 */
export interface BundleSigning {
  status: 'verified' | 'untrusted' | 'unsigned' | 'invalid';
  keyId: string | null;
}

function keyIdOf(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

/** JSON with object keys sorted (UTF-16 order) and no whitespace: RFC 8785 (JCS) for the values a manifest holds. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The bytes a signature covers: the manifest (as JSON would store it) without its signature field, canonical. */
function signedBytes(manifest: object): Buffer {
  const copy = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
  delete copy[SIGNATURE_FIELD];
  return Buffer.from(canonicalJson(copy), 'utf8');
}

export function signManifest(manifest: object, signingKey: IdentifiedKey): ManifestSignature {
  return { algorithm: 'ed25519', keyId: signingKey.keyId, value: sign(null, signedBytes(manifest), signingKey.key).toString('base64') };
}

/**
 * Checks a manifest's signature against the policy: the bundle's signing status, and the problem that refuses it
 * (null when accepted). `raw` is manifest.json as parsed JSON (what was signed), `signature` its parsed field.
 */
export function checkSignature(dir: string, raw: object, signature: ManifestSignature | undefined, policy: SignaturePolicy): { signing: BundleSigning; problem: ServicepathError | null } {
  if (signature === undefined) {
    return { signing: { status: 'unsigned', keyId: null }, problem: policy.allowUnsigned ? null : new ServicepathError('BUNDLE_UNSIGNED', { dir }) };
  }
  const { keyId } = signature;
  const trusted = policy.trustedKeys.find((k) => k.keyId === keyId);
  if (trusted === undefined) {
    const ids = [...new Set(policy.trustedKeys.map((k) => k.keyId))];
    const problem = policy.allowUnsigned ? null : new ServicepathError('BUNDLE_SIGNATURE_UNTRUSTED', { dir, keyId, trusted: ids.length === 0 ? 'none given' : ids.join(', ') });
    return { signing: { status: 'untrusted', keyId }, problem };
  }
  const holds = verify(null, signedBytes(raw), trusted.key, Buffer.from(signature.value, 'base64'));
  if (!holds) return { signing: { status: 'invalid', keyId }, problem: new ServicepathError('BUNDLE_SIGNATURE_INVALID', { dir, keyId }) };
  return { signing: { status: 'verified', keyId }, problem: null };
}

function signingKeyFrom(pem: string, source: string): IdentifiedKey {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new ServicepathError('BUNDLE_SIGNING_KEY_INVALID', { source, detail: 'not an unencrypted PEM private key' }, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ServicepathError('BUNDLE_SIGNING_KEY_INVALID', { source, detail: `a ${key.asymmetricKeyType ?? 'symmetric'} key, not Ed25519` });
  return { key, keyId: keyIdOf(key) };
}

/**
 * The key `train` signs with: --signing-key FILE, else SERVICEPATH_SIGNING_KEY (the PEM text), else null (the
 * bundle is written unsigned).
 */
export async function resolveSigningKey(options: { keyFile?: string | undefined; env?: Record<string, string | undefined> }): Promise<IdentifiedKey | null> {
  if (options.keyFile !== undefined) {
    let pem: string;
    try {
      pem = await readFile(options.keyFile, 'utf8');
    } catch (err) {
      throw new ServicepathError('FILE_NOT_FOUND', { file: options.keyFile }, { cause: err });
    }
    return signingKeyFrom(pem, options.keyFile);
  }
  const fromEnv = (options.env ?? process.env)[SIGNING_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return signingKeyFrom(fromEnv, SIGNING_KEY_ENV);
  return null;
}

async function readPublicKey(file: string): Promise<TrustedKey> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) throw new ServicepathError('BUNDLE_TRUSTED_KEYS_INVALID', { file, detail: 'a private key; give the public key (the .pub file)' });
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new ServicepathError('BUNDLE_TRUSTED_KEYS_INVALID', { file, detail: 'not a PEM public key' }, { cause: err });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ServicepathError('BUNDLE_TRUSTED_KEYS_INVALID', { file, detail: `a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519` });
  return { key, keyId: keyIdOf(key), file };
}

/** The public keys of --trusted-keys: each path a PEM file, or a folder whose *.pub and *.pem files are read. */
export async function readTrustedKeys(paths: readonly string[]): Promise<TrustedKey[]> {
  const out: TrustedKey[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      throw new ServicepathError('FILE_NOT_FOUND', { file: path }, { cause: err });
    }
    const files = isDir ? (await readdir(path)).filter((n) => /\.(pub|pem)$/.test(n)).sort().map((n) => join(path, n)) : [path];
    if (files.length === 0) throw new ServicepathError('BUNDLE_TRUSTED_KEYS_INVALID', { file: path, detail: 'the folder holds no public key (*.pub or *.pem)' });
    for (const file of files) out.push(await readPublicKey(file));
  }
  return out;
}

const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * A new Ed25519 key pair: DIR/NAME.key (private, PEM PKCS#8, mode 0600) and DIR/NAME.pub (public, PEM SPKI).
 * Existing files are never overwritten (FILE_EXISTS).
 */
export async function writeKeyPair(dir: string, name = 'signing'): Promise<{ keyId: string; privateKeyFile: string; publicKeyFile: string }> {
  if (!KEY_NAME.test(name)) throw new ServicepathError('CLI_USAGE', { detail: `--name must be letters, digits, _, . and -, got "${name}"` });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privateKeyFile = join(dir, `${name}.key`);
  const publicKeyFile = join(dir, `${name}.pub`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const file of [privateKeyFile, publicKeyFile]) {
    const taken = await stat(file).then(
      () => true,
      () => false,
    );
    if (taken) throw new ServicepathError('FILE_EXISTS', { file });
  }
  const write = async (file: string, text: string, mode: number) => {
    try {
      await writeFile(file, text, { mode, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ServicepathError('FILE_EXISTS', { file }, { cause: err });
      throw err;
    }
    await chmod(file, mode); // the umask may have narrowed or, for the public key, kept it: set it as meant
  };
  await write(privateKeyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  await write(publicKeyFile, publicKey.export({ type: 'spki', format: 'pem' }).toString(), 0o644);
  return { keyId: keyIdOf(publicKey), privateKeyFile, publicKeyFile };
}
