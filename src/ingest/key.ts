// Where the pseudonymisation key comes from: --key-file, else SERVICEPATH_PSEUDONYM_KEY, else --demo-key; never none.
import { readFile } from 'node:fs/promises';
import { ServicepathError } from '../errors/index.js';
import { DEMO_KEY, MIN_KEY_BYTES } from './pseudonym.js';

type KeySource = 'file' | 'env' | 'demo';

export const KEY_ENV = 'SERVICEPATH_PSEUDONYM_KEY';

interface KeyOptions {
  keyFile?: string | undefined;
  demoKey?: boolean | undefined;
  env?: Record<string, string | undefined>;
}

/**
 * The key bytes and their source. A key file's bytes are used as they are, less trailing whitespace (so that
 * `openssl rand -hex 32 > key` works); the environment variable is taken as UTF-8 text. Explicit flags win over
 * the environment; --key-file with --demo-key is refused.
 */
export async function resolvePseudonymKey(options: KeyOptions): Promise<{ key: Buffer; keySource: KeySource }> {
  const env = options.env ?? process.env;
  if (options.keyFile !== undefined && options.demoKey === true) {
    throw new ServicepathError('INGEST_KEY_CONFLICT', { detail: '--key-file and --demo-key' });
  }
  if (options.keyFile !== undefined) {
    let bytes: Buffer;
    try {
      bytes = await readFile(options.keyFile);
    } catch (err) {
      throw new ServicepathError('FILE_NOT_FOUND', { file: options.keyFile }, { cause: err });
    }
    return { key: checkedKey(trimEnd(bytes), 'the key file'), keySource: 'file' };
  }
  if (options.demoKey === true) return { key: DEMO_KEY, keySource: 'demo' };
  const fromEnv = env[KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { key: checkedKey(Buffer.from(fromEnv.trimEnd(), 'utf8'), KEY_ENV), keySource: 'env' };
  throw new ServicepathError('INGEST_KEY_MISSING');
}

function checkedKey(key: Buffer, source: string): Buffer {
  if (key.length < MIN_KEY_BYTES) {
    throw new ServicepathError('INGEST_KEY_WEAK', { source, bytes: key.length, min: MIN_KEY_BYTES });
  }
  return key;
}

function trimEnd(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d || bytes[end - 1] === 0x20 || bytes[end - 1] === 0x09)) end -= 1;
  return bytes.subarray(0, end);
}
