// SHA-256 and size of a file inside the store, as the manifest records them.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

export async function fileChecksum(dir: string, file: string): Promise<{ file: string; sha256: string; bytes: number }> {
  const path = join(dir, file);
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { file, sha256: hash.digest('hex'), bytes: (await stat(path)).size };
}

