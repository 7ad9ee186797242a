// Task spec files: JSON and YAML load; errors name the file and the field path.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTaskSpec } from '../../../src/cohort/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sp-task-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadTaskSpec', () => {
  it('reads YAML and fills defaults', async () => {
    const file = join(dir, 't.yaml');
    await writeFile(file, 'name: t1\nindex: { rule: age, ageDays: 1096 }\nlookbackDays: 365\noutcome: { codes: [X] }\nhorizonDays: 100\n');
    const task = await loadTaskSpec(file);
    expect(task.censoring).toBe('exclude');
    expect(task.family.relations).toEqual(['mother', 'father', 'sibling']);
  });

  it('names the file and each bad field; unknown keys fail', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ name: 't', index: { rule: 'age', ageDays: -1 }, lookbackDays: 10, outcome: { codes: [] }, horizonDays: 5, extra: 1 }));
    const err = await loadTaskSpec(file).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONFIG_INVALID' });
    const message = (err as Error).message;
    expect(message).toContain(file);
    expect(message).toContain('index/ageDays');
    expect(message).toContain('outcome/codes');
  });

  it('a missing file is FILE_NOT_FOUND', async () => {
    await expect(loadTaskSpec(join(dir, 'none.json'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
