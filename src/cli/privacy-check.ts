// `servicepath privacy-check`: every published number of a bundle (and optionally a profile) against the disclosure
// rules (src/privacy/audit.ts); prints each finding with its file and JSON pointer and exits non-zero on any.
import { auditBundle, type FileFinding, type PrivacyAudit, privacyErrors } from '../privacy/audit.js';
import { auditProfile } from '../privacy/metrics.js';
import { ServicepathError } from '../errors/index.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath privacy-check (--bundle DIR | --profile DIR) [--json]

Scans every published number of the bundle (cohort-paths.json, and the tables of metrics.json that the model card
copies) against the disclosure rules its manifest records (docs/privacy.md): groups below k, outcome counts or
their complements below the minimum count, counts not rounded, and hidden cells a reader could recover by
differencing along the cohort-path tree or a received / not-received split. Prints each finding with the file and
JSON pointer. Exits 0 when there is none, else with BUNDLE_PRIVACY_VIOLATION (exit code 5). The service refuses a
bundle that fails it, and verify runs it.

  --bundle DIR     the model bundle (models/<name>/<version>)
  --profile DIR    a profile folder (servicepath profile --out DIR), held to the default rules
  --json           print the audit as JSON`;

function render(dir: string, audit: { rules: { k: number; minCount: number; roundTo: number }; cells: Record<string, number>; findings: FileFinding[] }): string {
  const { k, minCount, roundTo } = audit.rules;
  const cells = Object.entries(audit.cells)
    .map(([file, n]) => `${file} ${n}`)
    .join(', ');
  const lines = [`Privacy check of ${dir}: k ${k}, minimum count ${minCount}, counts rounded to ${roundTo}`, `Published cells: ${cells === '' ? 'none read' : cells}`];
  for (const f of audit.findings) lines.push(`  ${f.file} ${f.pointer}: ${f.message}`);
  lines.push(audit.findings.length === 0 ? 'No finding: every published cell follows the rules.' : `${audit.findings.length} finding(s).`);
  return lines.join('\n');
}

export const command: CommandModule = {
  name: 'privacy-check',
  summary: 'audit every published number of a bundle against the disclosure rules',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(argv, { bundle: { type: 'string' }, profile: { type: 'string' } }, usage);
    const dir = values.profile ?? requireOption(values, 'bundle', usage);
    let audit: PrivacyAudit;
    try {
      audit = values.profile === undefined ? await auditBundle(dir) : await auditProfile(dir);
    } catch (err) {
      throw new ServicepathError(values.profile === undefined ? 'BUNDLE_NOT_FOUND' : 'FILE_NOT_FOUND', values.profile === undefined ? { dir } : { file: dir }, { cause: err });
    }
    emit(io, values.json === true, { bundle: dir, ...audit }, () => render(dir, audit));
    const [first] = privacyErrors(dir, audit);
    if (first !== undefined) throw first;
    return 0;
  },
};
