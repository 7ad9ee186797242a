// Reads an event store back: the validated manifest, then one shard at a time (checksum checked) as the
// persons' whole histories, so a consumer's memory holds one shard however large the store.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ServicepathError } from '../errors/index.js';
import { formatZodIssues } from '../errors/zod-issues.js';
import type { PersonHistory } from '../schemas/store.js';
import { sha256Hex } from '../util/hash.js';
import { CODES_FILE, MANIFEST_FILE, type StoreManifest, StoreManifestSchema } from './manifest.js';
import { decodeShard } from './shard-codec.js';

interface CodeInfo {
  name: string;
  domain?: string;
}

export interface EventStore {
  readonly dir: string;
  readonly manifest: StoreManifest;
  readonly shardCount: number;
  /** The persons of shard `i` (0 <= i < shardCount) in pseudonym order. */
  readShard(i: number): Promise<PersonHistory[]>;
  /** Every person, shard by shard, in pseudonym order. */
  persons(): AsyncIterable<PersonHistory>;
  /** Code -> name (and domain) from the source's vocabulary; empty when the source had none. */
  codeDictionary(): Promise<Map<string, CodeInfo>>;
}

export async function openStore(dir: string): Promise<EventStore> {
  const root = resolve(dir);
  let text: string;
  try {
    text = await readFile(join(root, MANIFEST_FILE), 'utf8');
  } catch (err) {
    throw new ServicepathError('STORE_NOT_FOUND', { dir: root }, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('STORE_INVALID', { dir: root, detail: 'manifest.json is not valid JSON' }, { cause: err });
  }
  const parsed = StoreManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new ServicepathError('STORE_INVALID', { dir: root, detail: `manifest.json: ${formatZodIssues(parsed.error)}` }, { cause: parsed.error });
  }
  return new ShardedStore(root, parsed.data);
}

class ShardedStore implements EventStore {
  constructor(
    readonly dir: string,
    readonly manifest: StoreManifest,
  ) {}

  get shardCount(): number {
    return this.manifest.shards.files.length;
  }

  async readShard(i: number): Promise<PersonHistory[]> {
    const entry = this.manifest.shards.files[i];
    if (entry === undefined) throw new RangeError(`shard ${i} out of range 0..${this.shardCount - 1}`);
    let bytes: Buffer;
    try {
      bytes = await readFile(join(this.dir, entry.file));
    } catch (err) {
      throw new ServicepathError('STORE_INVALID', { dir: this.dir, detail: `${entry.file} is missing` }, { cause: err });
    }
    if (bytes.length !== entry.bytes || sha256Hex(bytes) !== entry.sha256) {
      throw new ServicepathError('STORE_INVALID', { dir: this.dir, detail: `${entry.file} does not match its checksum in the manifest` });
    }
    try {
      return decodeShard(bytes);
    } catch (err) {
      throw new ServicepathError('STORE_INVALID', { dir: this.dir, detail: `${entry.file}: ${(err as Error).message}` }, { cause: err });
    }
  }

  async *persons(): AsyncGenerator<PersonHistory> {
    for (let i = 0; i < this.shardCount; i++) yield* await this.readShard(i);
  }

  async codeDictionary(): Promise<Map<string, CodeInfo>> {
    const map = new Map<string, CodeInfo>();
    const entry = this.manifest.files.find((f) => f.file === CODES_FILE);
    if (entry === undefined) return map;
    const bytes = await readFile(join(this.dir, entry.file));
    if (sha256Hex(bytes) !== entry.sha256) {
      throw new ServicepathError('STORE_INVALID', { dir: this.dir, detail: `${entry.file} does not match its checksum in the manifest` });
    }
    for (const line of bytes.toString('utf8').split('\n')) {
      if (line === '') continue;
      const e = JSON.parse(line) as { code: string; name: string; domain?: string };
      map.set(e.code, e.domain === undefined ? { name: e.name } : { name: e.name, domain: e.domain });
    }
    return map;
  }
}
