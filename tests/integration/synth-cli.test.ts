// The generator and the ingest meet: a dirty population from the CLI, ingested; the quarantine is exactly
// truth/dirty-rows.csv and the duplicate count is exactly the duplicated rows of the recording noise.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { CommandIo } from '../../src/cli/common.js';
import { DEMO_KEY, openCanonicalSources, QUARANTINE_FILE, runIngest } from '../../src/ingest/index.js';

function captureIo(): CommandIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, isTty: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

function rowsOf(file: string): string[][] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
}

describe('synth CLI -> ingest', () => {
  const root = mkdtempSync(join(tmpdir(), 'synth-cli-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const pop = join(root, 'pop');

  it('generates a dirty population and prints a JSON summary', async () => {
    const io = captureIo();
    const code = await runCli(['synth', '--persons', '900', '--seed', '4', '--out', pop, '--dirty-rate', '0.004', '--json'], io);
    expect(io.err).toEqual([]);
    expect(code).toBe(0);
    const summary = JSON.parse(io.out.join(''));
    expect(summary.persons).toBe(900);
    expect(summary.dirtyRows).toBeGreaterThan(50);
  });

  it('refuses an existing output folder with FILE_EXISTS', async () => {
    const io = captureIo();
    const code = await runCli(['synth', '--persons', '10', '--seed', '4', '--out', pop], io);
    expect(code).toBe(2);
    expect(io.err.join('')).toContain('error FILE_EXISTS');
  });

  it('rejects malformed options with CLI_USAGE and a bad scenario with CONFIG_INVALID', async () => {
    const io = captureIo();
    expect(await runCli(['synth', '--persons', 'many', '--seed', '1', '--out', join(root, 'x')], io)).toBe(2);
    expect(io.err.join('')).toContain('CLI_USAGE');
    const scenario = join(root, 'bad.json');
    (await import('node:fs')).writeFileSync(scenario, '{"baseRate": 0.1, "colour": "blue"}');
    expect(await runCli(['synth', '--persons', '10', '--seed', '1', '--out', join(root, 'y'), '--scenario', scenario], io)).toBe(3);
    expect(io.err.join('')).toContain('CONFIG_INVALID');
  });

  it('is quarantined by the ingest exactly as truth/dirty-rows.csv lists, nothing else', async () => {
    const effects = JSON.parse(readFileSync(join(pop, 'truth', 'effects.json'), 'utf8'));
    const summary = await runIngest({
      sources: await openCanonicalSources(pop),
      outDir: join(root, 'store'),
      key: DEMO_KEY,
      keySource: 'demo',
      maxRejectRate: 0.5,
      extractionDate: effects.window.extractionDate,
    });
    const quarantined = rowsOf(join(root, 'store', QUARANTINE_FILE)).map((r) => `${r[0]}:${r[1]}:${r[3]}`).sort();
    const listed = rowsOf(join(pop, 'truth', 'dirty-rows.csv')).map((r) => `${r[0]}:${r[1]}:${r[2]}`).sort();
    expect(quarantined).toEqual(listed);
    // Recording noise writes exact duplicate rows: the ingest counts them and the store keeps one of each.
    const dirtyEventLines = new Set(rowsOf(join(pop, 'truth', 'dirty-rows.csv')).filter((r) => r[0] === 'events.csv').map((r) => Number(r[1])));
    const lines = readFileSync(join(pop, 'events.csv'), 'utf8').trim().split('\n').filter((_, i) => !dirtyEventLines.has(i + 1));
    const duplicateRows = lines.filter((l, i) => i > 0 && l === lines[i - 1]).length;
    expect(duplicateRows).toBeGreaterThan(100);
    expect(summary.totals.duplicates).toBe(duplicateRows);
    expect(summary.counts.persons).toBe(900);
  });
});
