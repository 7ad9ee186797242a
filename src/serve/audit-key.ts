// The audit key (docs/audit.md): an Ed25519 key pair (`servicepath keys audit`). The private key signs the log's
// checkpoints; an HMAC-SHA256 key derived from it (HKDF-SHA256, fixed info string) MACs every entry. An auditor with
// the public key checks checkpoint signatures; one with the private key checks every MAC as well.
import { createHmac, createPrivateKey, createPublicKey, createSecretKey, hkdfSync, type KeyObject, sign, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ServicepathError } from '../errors/index.js';
import { sha256Hex } from '../util/hash.js';

/** `serve`'s audit key when --audit-key is not given: a path to the PEM file, or the PEM text itself. */
export const AUDIT_KEY_ENV = 'SERVICEPATH_AUDIT_KEY';

/** HKDF info of the entry MAC key: changing it changes every MAC. */
const MAC_KEY_INFO = 'servicepath audit-log entry MAC v1';

/** What a checkpoint verifier needs: the public key and its id. */
export interface AuditPublicKey {
  keyId: string;
  publicKey: KeyObject;
}

/** The server's audit key: signs checkpoints and MACs entries. */
export interface AuditKey extends AuditPublicKey {
  privateKey: KeyObject;
  /** HMAC-SHA256 key of the entry MACs (HKDF-SHA256 of the private key's PKCS#8 DER). */
  macKey: KeyObject;
}

/** The first 16 hex digits of the sha256 of the public key's SPKI DER (as bundle signing keys are named). */
function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 16);
}

async function readPem(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
  }
}

/** An audit key from its PEM text (an unencrypted Ed25519 private key); `source` names it in errors. */
export function auditKeyFromPem(pem: string, source: string): AuditKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new ServicepathError('AUDIT_KEY_INVALID', { source, detail: 'not an unencrypted PEM private key (`servicepath keys audit` writes one)' }, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ServicepathError('AUDIT_KEY_INVALID', { source, detail: `a ${privateKey.asymmetricKeyType ?? 'symmetric'} key, not Ed25519` });
  }
  const publicKey = createPublicKey(privateKey);
  const ikm = privateKey.export({ type: 'pkcs8', format: 'der' });
  const macKey = createSecretKey(Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), MAC_KEY_INFO, 32)));
  return { keyId: keyIdOf(publicKey), publicKey, privateKey, macKey };
}

/** The private audit key in a PEM file (`serve --audit-key`, `audit verify --key`). */
export async function readAuditKey(file: string): Promise<AuditKey> {
  return auditKeyFromPem(await readPem(file), file);
}

/** An audit public key (`audit verify --public-key`); a private key is accepted too (its public half is used). */
export async function readAuditPublicKey(file: string): Promise<AuditPublicKey> {
  const pem = await readPem(file);
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
    const { keyId, publicKey } = auditKeyFromPem(pem, file);
    return { keyId, publicKey };
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: pem, format: 'pem' });
  } catch (err) {
    throw new ServicepathError('AUDIT_KEY_INVALID', { source: file, detail: 'not a PEM public key' }, { cause: err });
  }
  if (publicKey.asymmetricKeyType !== 'ed25519') {
    throw new ServicepathError('AUDIT_KEY_INVALID', { source: file, detail: `a ${publicKey.asymmetricKeyType ?? 'unknown'} key, not Ed25519` });
  }
  return { keyId: keyIdOf(publicKey), publicKey };
}

/**
 * The key `serve` keys its audit log with: --audit-key FILE, else SERVICEPATH_AUDIT_KEY (a path to the PEM file,
 * or the PEM text itself), else null (unkeyed).
 */
export async function resolveAuditKey(options: { keyFile?: string | undefined; env?: Record<string, string | undefined> }): Promise<AuditKey | null> {
  if (options.keyFile !== undefined) return readAuditKey(options.keyFile);
  const fromEnv = (options.env ?? process.env)[AUDIT_KEY_ENV]?.trim();
  if (fromEnv === undefined || fromEnv === '') return null;
  return fromEnv.startsWith('-----BEGIN') ? auditKeyFromPem(fromEnv, AUDIT_KEY_ENV) : readAuditKey(fromEnv);
}

/** The entry MAC: HMAC-SHA256 (hex) of the same bytes as the entry hash, prevHash + canonical entry. */
export function macHex(macKey: KeyObject, input: string): string {
  return createHmac('sha256', macKey).update(input, 'utf8').digest('hex');
}

/** The bytes a checkpoint signature covers: a fixed prefix, the seq and the hash of the entry checkpointed. */
function checkpointStatement(seq: number, hash: string): Buffer {
  return Buffer.from(`servicepath audit checkpoint v1\nseq ${seq}\nhash ${hash}\n`, 'utf8');
}

/** Ed25519 signature (base64) of a checkpoint of entry `seq` whose hash is `hash`. */
export function signCheckpoint(key: AuditKey, seq: number, hash: string): string {
  return sign(null, checkpointStatement(seq, hash), key.privateKey).toString('base64');
}

export function checkpointSignatureHolds(key: AuditPublicKey, seq: number, hash: string, signature: string): boolean {
  try {
    return verify(null, checkpointStatement(seq, hash), key.publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
