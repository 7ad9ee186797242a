// The one SHA-256 helper: hex digest of bytes or of a string's UTF-8. crypto.hash (Node >= 20.12) is one call with
// no Hash object, several times faster for the service's short inputs (tokens, audit lines).
import * as crypto from 'node:crypto';

const oneShotHash = (crypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: 'hex') => string }).hash;

export function sha256Hex(data: Uint8Array | string): string {
  return oneShotHash !== undefined ? oneShotHash('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');
}
