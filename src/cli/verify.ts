// `servicepath verify`: prints each check of src/bundle/verify.ts and exits non-zero (BUNDLE_VERIFY_FAILED) when
// any fails. The service runs the same checks before it serves a bundle (load = verify).
import { readTrustedKeys, type SignaturePolicy } from '../bundle/signing.js';
import { type VerifyReport, verifyBundleReport, verifyFailure } from '../bundle/verify.js';
import type { BackendPreference } from '../model/index.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath verify --bundle DIR [--trusted-keys FILE|DIR ...] [--allow-unsigned]
                         [--backend auto|wasm|cpu|tensorflow] [--json]

Checks a model bundle and prints each check with pass, fail or skipped (docs/bundle-format.md, "Verify and
reproduce"); \`servicepath serve\` runs the same checks before it serves a bundle:
  manifest        manifest.json is present and valid against its schema
  signature       the manifest's Ed25519 signature verifies with a trusted key
  files           every listed file is present with its size and sha256; the required files are listed
  unlisted        no file in the folder is missing from the manifest
  bundle-id       the manifest's id is the hash of the listed content files
  model-card      model-card.json is valid against the model card schema
  manifest-card   the card rebuilt from manifest.json, metrics.json and training-log.jsonl equals model-card.json
  splits          the manifest's split sizes equal metrics.json's
  privacy         every published number follows the disclosure rules (servicepath privacy-check lists them)
  input-example   the model loads and the input example reproduces its stored outputs (skipped when another
                  check failed)
Exits 0 when every check passes, else with BUNDLE_VERIFY_FAILED (exit code 5).

  --bundle DIR          the model bundle (models/<name>/<version>)
  --trusted-keys PATH   a public key (PEM, the .pub of \`servicepath keys new\`) or a folder of them (*.pub, *.pem);
                        repeatable. With it, an unsigned bundle or one signed by another key fails the signature
                        check unless --allow-unsigned is given
  --allow-unsigned      accept an unsigned bundle, or one signed by a key not among --trusted-keys (as
                        \`serve --allow-unsigned\` does); a signature by a trusted key that fails is refused anyway
  --backend B           TensorFlow.js backend for sequence models (default auto)
  --json                print the report as JSON

Without --trusted-keys there is no key to check a signature with: the signature check passes as with
--allow-unsigned, and the report says whether and by which key the manifest is signed.`;

const SIGNING_TEXT = {
  verified: (id: string | null) => `signed with trusted key ${id}; the signature verifies`,
  untrusted: (id: string | null) => `signed with key ${id}, which is not among the trusted keys: not checked`,
  unsigned: () => 'not signed',
  invalid: (id: string | null) => `signed with trusted key ${id}, but the signature does not verify`,
} as const;

export function renderVerifyReport(r: VerifyReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length));
  const lines = [`Bundle ${r.bundle}`];
  if (r.signing !== null) lines.push(`Signature: ${SIGNING_TEXT[r.signing.status](r.signing.keyId)}`);
  for (const c of r.checks) {
    lines.push(`  ${c.status.padEnd(7)} ${c.name.padEnd(width)}  ${c.description}`);
    for (const p of c.problems) lines.push(`          ${p.code}: ${p.message}`);
  }
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  const skipped = r.checks.filter((c) => c.status === 'skipped').length;
  lines.push(r.ok ? `All ${r.checks.length} checks passed.` : `${failed} of ${r.checks.length} checks failed${skipped > 0 ? `, ${skipped} skipped` : ''}.`);
  return lines.join('\n');
}

export const command: CommandModule = {
  name: 'verify',
  summary: 'check a bundle: schema, checksums, input example',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      { bundle: { type: 'string' }, backend: { type: 'string' }, 'trusted-keys': { type: 'string', multiple: true }, 'allow-unsigned': { type: 'boolean' } },
      usage,
    );
    const dir = requireOption(values, 'bundle', usage);
    const backend = (values.backend ?? 'auto') as BackendPreference; // checked by selectBackend (MODEL_BACKEND_INVALID)
    const keyPaths = values['trusted-keys'] ?? [];
    // Without trusted keys there is nothing to check a signature against: verify then reports it and passes.
    const signatures: SignaturePolicy = { trustedKeys: await readTrustedKeys(keyPaths), allowUnsigned: values['allow-unsigned'] === true || keyPaths.length === 0 };
    const report = await verifyBundleReport(dir, { backend, signatures });
    emit(io, values.json === true, report, () => renderVerifyReport(report));
    if (!report.ok) throw verifyFailure(report);
    return 0;
  },
};
