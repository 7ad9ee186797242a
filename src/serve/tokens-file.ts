
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { formatZodIssues, ServicepathError } from '../errors/index.js';
import { ROLES } from './types.js';

export const TokenEntrySchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'id: 1-64 letters, digits, _ . -'),
    role: z.enum(ROLES),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'sha256: 64 lowercase hex digits'),
  })
  .strict();
export type TokenEntry = z.infer<typeof TokenEntrySchema>;

const TokensFileSchema = z
  .object({ tokens: z.array(TokenEntrySchema) })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.tokens.forEach((t, i) => {
      if (seen.has(t.id)) ctx.addIssue({ code: 'custom', path: ['tokens', i, 'id'], message: `duplicate id ${t.id}` });
      seen.add(t.id);
    });
  });
export type TokensFile = z.infer<typeof TokensFileSchema>;


/** A fresh bearer token: 32 random bytes, base64url, with a recognisable prefix. */
export function generateToken(): string {
  return `sp_${randomBytes(32).toString('base64url')}`;
}

export async function readTokensFile(file: string): Promise<TokensFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ServicepathError('FILE_NOT_FOUND', { file }, { cause: err });
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ServicepathError('CONFIG_INVALID', { file, issues: 'not valid JSON' }, { cause: err });
  }
  const parsed = TokensFileSchema.safeParse(raw);
  if (!parsed.success) throw new ServicepathError('CONFIG_INVALID', { file, issues: formatZodIssues(parsed.error) });
  return parsed.data;
}
