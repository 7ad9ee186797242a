// `servicepath profile`: data profile tables of an event store, printed and saved as CSV/JSON (docs/profile.md).
import { resolve } from 'node:path';
import { DEFAULT_TOP_CODES, buildProfile, renderProfileText, writeProfile } from '../profile/index.js';
import { openStore } from '../store/index.js';
import { type CommandModule, emit, intOption, parseOptions, requireOption } from './common.js';
import { ServicepathError } from '../errors/index.js';

const usage = `Usage: servicepath profile --store STORE [--out DIR] [--top N] [--json]

Profiles an event store: events per domain and year, persons per code (top N, with names from the
store's code dictionary), age at first event per domain (quartiles), and missing fields.
Counts of fewer than 10 persons are shown as <10 in every output.

  --store STORE   the event store written by \`servicepath ingest\`
  --out DIR       folder for <table>.csv and profile.json (default: STORE-profile beside the store;
                  it must not exist yet: outputs are never overwritten)
  --top N         rows of the persons-per-code table (default ${DEFAULT_TOP_CODES})
  --json          print the profile as JSON instead of tables`;

/** The default output folder sits beside the store: the store itself is immutable. */
export function defaultProfileDir(store: string): string {
  return `${resolve(store)}-profile`;
}

export const command: CommandModule = {
  name: 'profile',
  summary: 'data profile tables of an event store',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(argv, { store: { type: 'string' }, out: { type: 'string' }, top: { type: 'string' } }, usage);
    const store = requireOption(values, 'store', usage);
    const topCodes = intOption(values, 'top', DEFAULT_TOP_CODES);
    if (topCodes < 1) throw new ServicepathError('CLI_USAGE', { detail: `--top must be at least 1, got ${topCodes}` });
    const out = typeof values.out === 'string' && values.out !== '' ? values.out : defaultProfileDir(store);
    const reader = await openStore(store);
    const profile = await buildProfile(reader, { topCodes }, store);
    const files = await writeProfile(profile, out);
    if (values.json === true) {
      emit(io, true, { out, files, ...profile }, () => '');
    } else {
      io.stdout(await renderProfileText(profile));
      io.stdout(`Saved ${files.join(', ')} in ${out}`);
    }
    return 0;
  },
};
