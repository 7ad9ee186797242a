import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/main.js';
import { ModelCardSchema } from '../../../src/schemas/model-card.js';
import { fixtureEvidence } from './fixtures.js';

async function writeBundle(version: string, learningRate: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sp-card-'));
  const e = fixtureEvidence({ version, learningRate });
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(e.manifest));
  await writeFile(join(dir, 'metrics.json'), JSON.stringify(e.metrics));
  await writeFile(join(dir, 'training-log.jsonl'), `${e.trainingLog.map((l) => JSON.stringify(l)).join('\n')}\n`);
  return dir;
}

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), isTty: false }, out, err };
}

describe('servicepath card', () => {
  it('prints the card as JSON, writes the three files with --out, and adds a change log with --previous', async () => {
    const previous = await writeBundle('1', 0.01);
    const prevOut = await mkdtemp(join(tmpdir(), 'sp-card-out-'));
    expect(await runCli(['card', '--bundle', previous, '--out', prevOut], captureIo().io)).toBe(0);
    expect((await readdir(prevOut)).sort()).toEqual(['model-card.html', 'model-card.json', 'model-card.md']);
    // The previous bundle's card normally sits in the bundle; copy it there for --previous.
    await writeFile(join(previous, 'model-card.json'), await readFile(join(prevOut, 'model-card.json'), 'utf8'));

    const current = await writeBundle('2', 0.001);
    const { io, out } = captureIo();
    expect(await runCli(['card', '--bundle', current, '--previous', previous, '--json'], io)).toBe(0);
    const card = ModelCardSchema.parse(JSON.parse(out.join('')));
    expect(card.change_log?.previous_version.value).toBe('1');
  });

  it('prints Markdown by default and refuses to overwrite card files', async () => {
    const bundle = await writeBundle('3', 0.001);
    const { io, out } = captureIo();
    expect(await runCli(['card', '--bundle', bundle], io)).toBe(0);
    expect(out.join('')).toMatch(/^# Model card: child-welfare-3y 3/);
    const dir = await mkdtemp(join(tmpdir(), 'sp-card-out-'));
    await writeFile(join(dir, 'model-card.md'), 'old');
    const second = captureIo();
    expect(await runCli(['card', '--bundle', bundle, '--out', dir], second.io)).not.toBe(0);
    expect(second.err.join('')).toMatch(/FILE_EXISTS/);
  });

  it('fails with catalogued codes on a missing bundle or a broken training log, without a stack trace', async () => {
    const missing = captureIo();
    expect(await runCli(['card', '--bundle', join(tmpdir(), 'no-such-bundle-xyz')], missing.io)).toBe(3);
    expect(missing.err.join('')).toMatch(/^error FILE_NOT_FOUND: .*manifest\.json/);
    const bundle = await writeBundle('4', 0.001);
    await writeFile(join(bundle, 'training-log.jsonl'), '{"epoch":1}\nnot json\n');
    const broken = captureIo();
    expect(await runCli(['card', '--bundle', bundle], broken.io)).toBe(5);
    expect(broken.err.join('')).toMatch(/CARD_INPUT_INVALID: .*training-log\.jsonl: line 2: not valid JSON/);
    expect(broken.err.join('')).not.toMatch(/\n\s+at /);
  });
});
