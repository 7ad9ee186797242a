// The world the browser tests run against: a generated population, a real logreg bundle trained on it, real
// tokens and the real service listening on 127.0.0.1 (random free port), all made through the CLI in-process.
// 4000 persons give cohort paths long enough to show a trajectory, and still build in seconds.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { runCli } from '../../src/cli/main.js';
import { servingLoader } from '../../src/serve/default-loader.js';
import { startServer, type RunningServer } from '../../src/serve/server.js';
import { readTokensFile } from '../../src/serve/tokens-file.js';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(REPO, 'test-artifacts', 'e2e');
export const MODEL_NAME = 'cw-demo';
/** The same model trained with `adjustment: none`: its candidates must be labelled unadjusted. */
export const UNADJUSTED_MODEL = 'cw-naive';
export const CHROMIUM = process.env.SERVICEPATH_CHROMIUM ?? '/usr/bin/chromium';

export interface World {
  url: string;
  tokens: { planner: string; auditor: string };
  server: RunningServer;
  close: () => Promise<void>;
}

/** Runs one CLI command in-process; a non-zero exit fails with the command's own output. */
async function cli(argv: string[]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), isTty: false });
  if (code !== 0) throw new Error(`servicepath ${argv.join(' ')} exited ${code}:\n${err.join('\n')}\n${out.join('\n')}`);
  return out.join('');
}

export async function buildWorld(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'sp-e2e-'));
  const population = join(dir, 'population');
  const store = join(dir, 'store');
  const models = join(dir, 'models');
  const tokensFile = join(dir, 'tokens.json');
  await cli(['synth', '--persons', '4000', '--seed', '11', '--start', '2013-01-01', '--end', '2016-12-31', '--out', population]);
  await cli(['ingest', '--input', population, '--out', store, '--demo-key', '--extraction-date', '2024-01-01', '--json']);
  await cli([
    'train', '--store', store, '--task', join(population, 'task.json'), '--catalogue', join(population, 'catalogue.json'),
    '--model', 'logreg', '--out', models, '--name', MODEL_NAME, '--seed', '7', '--json',
  ]);
  const naiveConfig = join(dir, 'naive.json');
  writeFileSync(naiveConfig, JSON.stringify({ adjustment: 'none' }));
  await cli([
    'train', '--store', store, '--task', join(population, 'task.json'), '--catalogue', join(population, 'catalogue.json'),
    '--model', 'logreg', '--out', models, '--name', UNADJUSTED_MODEL, '--seed', '7', '--config', naiveConfig, '--json',
  ]);
  const token = async (id: string, role: string) =>
    (JSON.parse(await cli(['tokens', 'add', '--file', tokensFile, '--id', id, '--role', role, '--json'])) as { token: string }).token;
  const tokens = { planner: await token('planner-e2e', 'planner'), auditor: await token('auditor-e2e', 'auditor') };
  const server = await startServer({
    host: '127.0.0.1',
    port: 0,
    modelsDir: models,
    // As `servicepath serve --allow-unsigned` (the demo's path): every verify check, the unsigned bundle accepted.
    loader: servingLoader({ trustedKeys: [], allowUnsigned: true }),
    tokens: (await readTokensFile(tokensFile)).tokens,
    auditLogFile: join(dir, 'audit.jsonl'),
    watch: false,
  });
  return {
    url: server.url,
    tokens,
    server,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless. Playwright gives every launch a fresh temporary profile (user-data dir). */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
