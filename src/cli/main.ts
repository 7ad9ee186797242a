#!/usr/bin/env -S node --max-semi-space-size=32 --min-semi-space-size=32
// The `servicepath` binary: dispatches to one module per command. The only file that calls process.exit.
// Its first line starts node with a fixed 32 MB young-generation semi-space (SERVE_NODE_FLAGS, src/serve/young-generation.ts:
// the service's throughput under load; fixed, so RSS does not grow when load makes V8 widen it); `env -S` splits
// the line (coreutils 8.30+, BSD/macOS env).
import { type CommandIo, type CommandModule, processIo, reportError } from './common.js';
import { ServicepathError } from '../errors/index.js';

/** Command name -> module file (relative to this folder). Each module exports `command: CommandModule`. */
const COMMANDS: Record<string, { file: string; summary: string }> = {
  synth: { file: './synth.js', summary: 'generate a ground-truth synthetic population' },
  ingest: { file: './ingest.js', summary: 'validate, pseudonymise and store register extracts' },
  profile: { file: './profile.js', summary: 'data profile tables of an event store' },
  train: { file: './train.js', summary: 'train a model on a store and a task; write a bundle' },
  evaluate: { file: './evaluate.js', summary: 'evaluate a bundle on another store (external validation)' },
  compare: { file: './compare.js', summary: 'compare two bundles on the same examples (paired bootstrap)' },
  score: { file: './score.js', summary: 'risk trajectory of one path' },
  interventions: { file: './interventions.js', summary: 'intervention points of one path' },
  'cohort-paths': { file: './cohort-paths.js', summary: 'list the anonymised cohort paths of a bundle' },
  'evaluate-interventions': { file: './evaluate-interventions.js', summary: 'compare estimated effects with the generator\'s truth' },
  card: { file: './card.js', summary: '(re)render the model card of a bundle' },
  verify: { file: './verify.js', summary: 'check a bundle: schema, checksums, input example' },
  'privacy-check': { file: './privacy-check.js', summary: 'audit every published number of a bundle against the disclosure rules' },
  reproduce: { file: './reproduce.js', summary: 'retrain from a bundle\'s manifest and compare metrics' },
  serve: { file: './serve.js', summary: 'start the inference service' },
  audit: { file: './audit.js', summary: 'audit log tools (audit verify --log FILE)' },
  tokens: { file: './tokens.js', summary: 'create a tokens file entry (hash only) for the service' },
  keys: { file: './keys.js', summary: 'create an Ed25519 key pair for signing bundles (keys new) or for the audit log (keys audit)' },
};

function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['Usage: servicepath <command> [options]   (each command has --help and --json)', '', 'Commands:', ...lines].join('\n');
}

export async function runCli(argv: string[], io: CommandIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.stdout(mainHelp());
      return 0;
    }
    const entry = COMMANDS[name];
    if (entry === undefined) throw new ServicepathError('CLI_UNKNOWN_COMMAND', { command: name });
    const mod = (await import(entry.file)) as { command: CommandModule };
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(mod.command.usage);
      return 0;
    }
    return await mod.command.run(rest, io);
  } catch (err) {
    return reportError(io, err, json);
  }
}

// Run only when executed as the binary, not when imported by tests.
const invokedAsBin = process.argv[1] !== undefined && /(?:^|[\\/])(main\.(?:js|ts)|servicepath)$/.test(process.argv[1]);
if (invokedAsBin) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error INTERNAL_ERROR: ${String(err)}\n`);
      process.exit(1);
    },
  );
}
