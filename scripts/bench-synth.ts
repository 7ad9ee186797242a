// Benchmark of `servicepath synth`: runs the generator in a child process (this file with --child) and prints
// persons/s, events/s, wall time and the child's peak RSS. Usage (after npm run build):
//   node dist/scripts/bench-synth.js [--persons 50000] [--seed 1] [--out /tmp/bench-synth] [--keep]
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isoToDay } from '../src/schemas/dates.js';
import { generatePopulation } from '../src/synth/generate.js';
import { resolveScenario } from '../src/synth/scenario.js';

const { values } = parseArgs({
  options: {
    persons: { type: 'string', default: '50000' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: '/tmp/bench-synth' },
    keep: { type: 'boolean', default: false },
    child: { type: 'boolean', default: false },
  },
});
const persons = Number(values.persons);
const out = values.out!;

if (values.child) {
  const started = performance.now();
  const result = generatePopulation({
    persons,
    seed: Number(values.seed),
    outDir: out,
    birthsFromDay: isoToDay('2002-01-01'),
    birthsToDay: isoToDay('2016-12-31'),
    scenario: resolveScenario({}),
    dirtyRate: 0,
  });
  const wallS = (performance.now() - started) / 1000;
  process.stdout.write(`${JSON.stringify({ ...result, wallS, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
} else {
  rmSync(out, { recursive: true, force: true });
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [self, '--child', '--persons', String(persons), '--seed', values.seed!, '--out', out], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (child.status !== 0) {
    process.stderr.write(child.stderr);
    process.exitCode = 1;
  } else {
    const r = JSON.parse(child.stdout.trim()) as { persons: number; events: number; eligibleChildren: number; oracleAuroc: number; wallS: number; maxRssKiB: number };
    console.log(`synth bench: ${r.persons} persons, ${r.events} events, ${r.eligibleChildren} eligible children`);
    console.log(`  wall ${r.wallS.toFixed(1)} s, ${Math.round(r.persons / r.wallS)} persons/s, ${Math.round(r.events / r.wallS)} events/s`);
    console.log(`  peak RSS ${(r.maxRssKiB / 1024).toFixed(0)} MiB, oracle AUROC ${r.oracleAuroc.toFixed(4)}`);
    if (!values.keep) rmSync(out, { recursive: true, force: true });
  }
}
