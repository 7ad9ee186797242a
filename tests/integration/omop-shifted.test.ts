// A regression fixture built from the shared OMOP sample as de-identified research extracts ship: every date
// shifted 150 years ahead (by a constant number of days, so every interval and age stays exactly the same) and
// every id remapped to a random signed 64-bit integer. Ingest with the defaults must give the same persons,
// events and quarantine reasons as the unshifted sample, with the extraction date taken from the extract.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { splitCsvFields } from '../../src/ingest/csv.js';
import type { IngestSummary } from '../../src/ingest/index.js';
import { dayToIso, parseIsoDate } from '../../src/schemas/dates.js';
import { mulberry32 } from '../../src/util/random.js';

const GIBLEED = '../shared/data/eunomia-gibleed-omop';
const present = existsSync(GIBLEED);
const SKIPPED = `skipped: needs ${GIBLEED} (Eunomia GiBleed, docs/gibleed.md); absent`;
if (!present) console.warn(`tests/integration/omop-shifted.test.ts ${SKIPPED}`);

/** The tables the importer reads (person, periods, death, the event tables) and cdm_source (the release date). */
const TABLES = [
  'person',
  'observation_period',
  'death',
  'condition_occurrence',
  'drug_exposure',
  'procedure_occurrence',
  'measurement',
  'observation',
  'visit_occurrence',
  'device_exposure',
  'cdm_source',
];
/** 150 years of days, from 2000-01-01 to 2150-01-01. */
const SHIFT_DAYS = (parseIsoDate('2150-01-01') as number) - (parseIsoDate('2000-01-01') as number);

const shiftDate = (text: string): string => {
  const day = parseIsoDate(text.slice(0, 10));
  return day === null ? text : `${dayToIso(day + SHIFT_DAYS)}${text.slice(10)}`;
};
const quote = (f: string) => (/[",\n\r]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f);

/** A random signed 64-bit integer as text, from a seeded stream (two 32-bit draws). */
function int64(next: () => number): string {
  const hi = BigInt(Math.floor(next() * 2 ** 32));
  const lo = BigInt(Math.floor(next() * 2 ** 32));
  return BigInt.asIntN(64, (hi << 32n) | lo).toString();
}

/** Writes the shifted, remapped copy of each table; person_id maps the same way in every table. */
function buildShifted(out: string): void {
  const next = mulberry32(20261206).next;
  const personIds = new Map<string, string>();
  const mapped = (map: Map<string, string>, id: string) => {
    if (id === '') return id;
    let v = map.get(id);
    if (v === undefined) {
      v = int64(next);
      map.set(id, v);
    }
    return v;
  };
  for (const table of TABLES) {
    const file = join(GIBLEED, `${table}.csv`);
    if (!existsSync(file)) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    const header = splitCsvFields(lines[0] as string) as string[];
    const keyIds = new Map<string, string>();
    // The table's own key (its first column when it ends in _id and is not person_id) gets a map of its own.
    const key = header[0]?.endsWith('_id') === true && header[0] !== 'person_id' ? 0 : -1;
    const rows = lines.slice(1).filter((l) => l !== '');
    const body = rows.map((line) => {
      const fields = splitCsvFields(line) as string[];
      const by = (name: string) => header.indexOf(name);
      const shifted = fields.map((f, i) => {
        const col = header[i] as string;
        if (col === 'person_id') return mapped(personIds, f);
        if (i === key) return mapped(keyIds, f);
        if (col.endsWith('_date') || col.endsWith('_datetime')) return f === '' ? f : shiftDate(f);
        return f;
      });
      if (table === 'person' && fields[by('month_of_birth')] !== '' && fields[by('day_of_birth')] !== '') {
        const pad = (x: string) => x.padStart(2, '0');
        const birth = shiftDate(`${fields[by('year_of_birth')]}-${pad(fields[by('month_of_birth')] as string)}-${pad(fields[by('day_of_birth')] as string)}`);
        shifted[by('year_of_birth')] = String(Number(birth.slice(0, 4)));
        shifted[by('month_of_birth')] = String(Number(birth.slice(5, 7)));
        shifted[by('day_of_birth')] = String(Number(birth.slice(8, 10)));
      }
      return shifted.map(quote).join(',');
    });
    writeFileSync(join(out, `${table}.csv`), `${[header.map(quote).join(','), ...body].join('\n')}\n`);
  }
}

async function ingestDefaults(input: string, out: string): Promise<IngestSummary> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { stdout: (t: string) => void stdout.push(t), stderr: (t: string) => void stderr.push(t), isTty: false };
  // Only the reject rate is given (the sample's periods of absent persons are 1.2% of rows, docs/importers.md).
  const code = await runCli(['ingest', '--format', 'omop', '--input', input, '--out', out, '--demo-key', '--max-reject-rate', '0.02', '--json'], io);
  expect(code, stderr.join('\n')).toBe(0);
  return JSON.parse(stdout.join('')) as IngestSummary;
}

describe.skipIf(!present)(`GiBleed shifted 150 years ahead, ids remapped to signed 64-bit integers${present ? '' : ` (${SKIPPED})`}`, () => {
  let tmp: string;
  let plain: IngestSummary;
  let shifted: IngestSummary;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'gibleed-shift-'));
    const input = join(tmp, 'shifted');
    mkdirSync(input);
    buildShifted(input);
    plain = await ingestDefaults(GIBLEED, join(tmp, 'plain-store'));
    shifted = await ingestDefaults(input, join(tmp, 'shifted-store'));
  }, 180_000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('takes the extraction date from the extract, the same one shifted, and says why', () => {
    expect(plain.extractionDateBasis).toMatch(/^implied by the extract: /);
    expect(shifted.extractionDateBasis).toBe(plain.extractionDateBasis);
    expect(parseIsoDate(shifted.extractionDate)).toBe((parseIsoDate(plain.extractionDate) as number) + SHIFT_DAYS);
    expect(Number(shifted.extractionDate.slice(0, 4))).toBeGreaterThan(2150);
    const manifest = JSON.parse(readFileSync(join(tmp, 'shifted-store', 'manifest.json'), 'utf8')) as { extractionDate: string; extractionDateBasis: string };
    expect(manifest).toMatchObject({ extractionDate: shifted.extractionDate, extractionDateBasis: shifted.extractionDateBasis });
  });

  it('gives the same persons, events and quarantine reasons as the unshifted sample (dates aside)', () => {
    expect(shifted.rejected).toBe(false);
    expect(shifted.counts).toEqual(plain.counts);
    expect(shifted.totals).toEqual(plain.totals);
    const byFile = (s: IngestSummary) => Object.fromEntries(s.inputs.map((f) => [f.file, { read: f.read, accepted: f.accepted, quarantined: f.quarantined, duplicates: f.duplicates, byReason: f.byReason }]));
    expect(byFile(shifted)).toEqual(byFile(plain));
    expect(shifted.counts.persons).toBeGreaterThan(2600);
    const range = (s: IngestSummary) => [parseIsoDate(s.dateRange!.min), parseIsoDate(s.dateRange!.max)];
    expect(range(shifted)).toEqual(range(plain).map((d) => (d as number) + SHIFT_DAYS));
  });
});
