// `servicepath ingest`: validate, pseudonymise, link and store register extracts (docs/ingest.md).
import { DEFAULT_DOMAINS } from '../schemas/data-contract.js';
import { parseIsoDate } from '../schemas/dates.js';
import { isServicepathError, ServicepathError } from '../errors/index.js';
import {
  DEFAULT_MAX_REJECT_RATE,
  formatRate,
  type IngestSources,
  type IngestSummary,
  KEY_ENV,
  MAX_THREADS,
  openCanonicalSources,
  resolvePseudonymKey,
  runIngest,
  todayUtc,
} from '../ingest/index.js';
import { type CommandIo, type CommandModule, emit, intOption, numberOption, parseOptions, requireOption } from './common.js';

const FORMATS = ['canonical', 'omop', 'meds'] as const;
type Format = (typeof FORMATS)[number];

const usage = `Usage: servicepath ingest --input DIR --out STORE [--format canonical|omop|meds]
                          (--key-file FILE | env ${KEY_ENV} | --demo-key)
                          [--max-reject-rate 0.01] [--extraction-date YYYY-MM-DD] [--domains a,b,...]
                          [--threads N] [--json]

Validates every row of a register extract, quarantines bad rows with a reason (never their values),
replaces every id with a keyed pseudonym, links families, orders each person's events in time and
writes an event store (docs/ingest.md, docs/store-format.md).

  --input DIR             canonical: a folder of persons*, links*, events*, observation_periods*
                          (.csv, .csv.gz, .ndjson); omop: a folder of OMOP CDM CSV tables;
                          meds: a MEDS folder or file (Parquet or CSV)
  --format F              canonical (default), omop or meds
  --out STORE             the store folder to create (must not exist)
  --key-file FILE         secret pseudonymisation key, at least 32 bytes
                          (e.g. \`openssl rand -hex 32 > key\`); else ${KEY_ENV} is used
  --demo-key              use the public demo key: for synthetic samples only (recorded in the manifest)
  --max-reject-rate R     quarantined/read above which no store is published (default ${DEFAULT_MAX_REJECT_RATE});
                          the quarantine then goes to STORE.rejected/ and the exit code is 4
  --extraction-date D     dates after D are quarantined (default: for omop the latest observation period end
                          (else event) date, or cdm_source.source_release_date when later; otherwise today, UTC);
                          give it for reproducible stores
  --domains LIST          accepted event domains, comma-separated (default: the format's list;
                          canonical: ${DEFAULT_DOMAINS.join(',')})
  --threads N             threads for large events files and for building shards (default: the cores,
                          at most ${MAX_THREADS}); the store is the same whatever N
  --json                  print the summary as JSON`;

/** Loads a reader module by a computed path, so that the CLI builds even when an importer is absent. */
async function importReader(format: Exclude<Format, 'canonical'>): Promise<Record<string, unknown>> {
  const file = format === 'omop' ? '../ingest/omop.js' : '../ingest/meds.js';
  try {
    return (await import(file)) as Record<string, unknown>;
  } catch (err) {
    throw new ServicepathError('INGEST_FORMAT_UNAVAILABLE', { format, detail: (err as Error).message }, { cause: err });
  }
}

/** The extraction date an extract implies (OMOP only; src/ingest/omop.ts omopExtractionDate), or null. */
async function impliedExtractionDate(format: Format, input: string): Promise<{ date: string; basis: string } | null> {
  if (format !== 'omop') return null;
  const implied = (await importReader(format))['omopExtractionDate'];
  if (typeof implied !== 'function') throw new ServicepathError('INGEST_FORMAT_UNAVAILABLE', { format, detail: 'the module has no extraction-date function' });
  return (await implied(input)) as { date: string; basis: string } | null;
}

async function openSources(format: Format, input: string): Promise<IngestSources> {
  if (format === 'canonical') return openCanonicalSources(input);
  const mod = await importReader(format);
  const open = mod[format === 'omop' ? 'openOmopSources' : 'openMedsSources'];
  if (typeof open !== 'function') {
    throw new ServicepathError('INGEST_FORMAT_UNAVAILABLE', { format, detail: 'the module has no reader function' });
  }
  const sources = (await open(input)) as IngestSources;
  const domains = mod[format === 'omop' ? 'OMOP_DOMAINS' : 'MEDS_DOMAINS'];
  return sources.domains === undefined && Array.isArray(domains) ? { ...sources, domains: domains as string[] } : sources;
}

const number = (n: number) => n.toLocaleString('en-US');

/** The summary as a table: one line per input file, then what the store holds. */
export function renderSummary(s: IngestSummary): string {
  const header = ['file', 'table', 'read', 'accepted', 'quarantined', 'duplicates', 'top reasons'];
  const rows = s.inputs.map((f) => {
    const reasons = Object.entries(f.byReason)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, 3)
      .map(([r, n]) => `${r} ${number(n)}`)
      .join(', ');
    return [f.file, f.table, number(f.read), number(f.accepted), number(f.quarantined), number(f.duplicates), reasons];
  });
  const t = s.totals;
  rows.push(['total', '', number(t.read), number(t.accepted), number(t.quarantined), number(t.duplicates), '']);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const numeric = new Set([2, 3, 4, 5]);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `Ingest (${s.sourceFormat}, extraction date ${s.extractionDate}: ${s.extractionDateBasis}; key from ${s.keySource}${s.keySource === 'demo' ? ': public demo key, synthetic data only' : ''})`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `persons ${number(s.counts.persons)} · events ${number(s.counts.events)} · links ${number(s.counts.links)} · observation periods ${number(s.counts.observationPeriods)} · codes ${number(s.counts.codes)}`,
    `event dates ${s.dateRange === null ? '(none)' : `${s.dateRange.min} .. ${s.dateRange.max}`}`,
    `reject rate ${formatRate(s.rejectRate)} (max ${formatRate(s.maxRejectRate)}); quarantine: ${s.quarantineFile}`,
  ];
  if (s.ignoredFiles.length > 0) out.push(`not read (no table matches the name): ${s.ignoredFiles.join(', ')}`);
  out.push(s.storeDir === null ? `no store published; see ${s.rejectedDir}` : `store: ${s.storeDir} (${s.shards} shard${s.shards === 1 ? '' : 's'})`);
  return out.join('\n');
}

export const command: CommandModule = {
  name: 'ingest',
  summary: 'validate, pseudonymise and store register extracts',
  usage,
  async run(argv: string[], io: CommandIo): Promise<number> {
    const { values } = parseOptions(
      argv,
      {
        input: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        'key-file': { type: 'string' },
        'demo-key': { type: 'boolean' },
        'max-reject-rate': { type: 'string' },
        'extraction-date': { type: 'string' },
        domains: { type: 'string' },
        threads: { type: 'string' },
      },
      usage,
    );
    const input = requireOption(values, 'input', usage);
    const out = requireOption(values, 'out', usage);
    const format = (values.format ?? 'canonical') as Format;
    if (!FORMATS.includes(format)) {
      throw new ServicepathError('CLI_USAGE', { detail: `--format must be one of ${FORMATS.join(', ')}, got "${format}"` });
    }
    const maxRejectRate = numberOption(values, 'max-reject-rate', DEFAULT_MAX_REJECT_RATE);
    if (maxRejectRate < 0 || maxRejectRate > 1) {
      throw new ServicepathError('CLI_USAGE', { detail: `--max-reject-rate must be between 0 and 1, got ${maxRejectRate}` });
    }
    const given = values['extraction-date'];
    // OMOP: what the extract implies (de-identified extracts shift dates far ahead); otherwise today.
    const implied = given === undefined ? await impliedExtractionDate(format, input) : null;
    const extractionDate = given ?? implied?.date ?? todayUtc();
    const extractionDateBasis =
      given !== undefined ? 'given (--extraction-date)' : implied !== null ? `implied by the extract: ${implied.basis}` : 'today (UTC): no extraction date given';
    if (parseIsoDate(extractionDate) === null) {
      throw new ServicepathError('CLI_USAGE', { detail: `--extraction-date must be a valid YYYY-MM-DD date, got "${extractionDate}"` });
    }
    const threads = values.threads === undefined ? undefined : intOption(values, 'threads', 1);
    if (threads !== undefined && threads < 1) throw new ServicepathError('CLI_USAGE', { detail: `--threads must be at least 1, got ${threads}` });
    const domains = values.domains === undefined ? undefined : values.domains.split(',').map((d) => d.trim()).filter((d) => d !== '');
    const { key, keySource } = await resolvePseudonymKey({ keyFile: values['key-file'], demoKey: values['demo-key'] });
    const sources = await openSources(format, input);
    const json = values.json === true;
    try {
      const summary = await runIngest({
        sources,
        outDir: out,
        key,
        keySource,
        maxRejectRate,
        extractionDate,
        extractionDateBasis,
        ...(domains === undefined ? {} : { domains }),
        ...(threads === undefined ? {} : { threads }),
      });
      emit(io, json, summary, () => renderSummary(summary));
      return 0;
    } catch (err) {
      // Above the reject rate the summary still matters: print it, then let the error report the exit code.
      if (!json && isServicepathError(err) && err.code === 'INGEST_REJECT_RATE') io.stdout(renderSummary(err.details as IngestSummary));
      throw err;
    }
  },
};
