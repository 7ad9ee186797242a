// Shared helpers of the synth tests: generate a population into a fresh temporary folder and read it back.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isoToDay } from '../../../src/schemas/dates.js';
import type { TruthChild } from '../../../src/schemas/truth.js';
import { generatePopulation, type SynthResult } from '../../../src/synth/generate.js';
import { resolveScenario, type ScenarioInput } from '../../../src/synth/scenario.js';

export interface Generated {
  dir: string;
  result: SynthResult;
  cleanup: () => void;
}

export function generate(persons: number, seed: number, scenario: ScenarioInput = {}, dirtyRate = 0, start = '2002-01-01', end = '2016-12-31'): Generated {
  const root = mkdtempSync(join(tmpdir(), 'synth-test-'));
  const dir = join(root, 'pop');
  const result = generatePopulation({
    persons,
    seed,
    outDir: dir,
    birthsFromDay: isoToDay(start),
    birthsToDay: isoToDay(end),
    scenario: resolveScenario(scenario),
    dirtyRate,
  });
  return { dir, result, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function readCsv(file: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

export function readTruth(dir: string): TruthChild[] {
  return readFileSync(join(dir, 'truth', 'children.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as TruthChild);
}
