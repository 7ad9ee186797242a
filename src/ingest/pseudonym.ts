// Keyed pseudonyms: HMAC-SHA256 of the raw id under the operator's secret, as 32 hex characters (128 bits).
import { createHmac } from 'node:crypto';

/** Hex characters kept from the 64 of HMAC-SHA256: 128 bits, so collisions are negligible at any register's size. */
export const PSEUDONYM_HEX_CHARS = 32;

/** Least key length accepted, in bytes (docs/data-contract.md, pseudonymisation). */
export const MIN_KEY_BYTES = 32;

/**
 * A fixed, public key for the bundled synthetic samples and tests only (`--demo-key`). Stores made with it say
 * `keySource: "demo"` in their manifest: anyone can recompute their pseudonyms.
 */
export const DEMO_KEY = Buffer.from('servicepath-demo-key:public:never-use-for-real-data', 'utf8');

/** The pseudonym of one raw id: lowercase hex, PSEUDONYM_HEX_CHARS long. The raw id is hashed as UTF-8. */
export function pseudonymise(key: Buffer, rawId: string): string {
  return pseudonymBytes(key, rawId).toString('hex');
}

/** The same pseudonym as bytes (PSEUDONYM_HEX_CHARS / 2 of them), as the store keeps it. */
export function pseudonymBytes(key: Buffer, rawId: string): Buffer {
  return createHmac('sha256', key).update(rawId, 'utf8').digest().subarray(0, PSEUDONYM_HEX_CHARS / 2);
}

/**
 * A short, one-way label of the key (HMAC of a fixed text), kept in the manifest so that two stores can be
 * seen to share a key without revealing it.
 */
export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('servicepath/key-fingerprint/v1', 'utf8').digest('hex').slice(0, 16);
}
