// `servicepath keys new`: an Ed25519 key pair for signing bundles (docs/bundle-format.md, "Signature"): the private
// key for `train --signing-key`, the public key for `verify --trusted-keys` and `serve --trusted-keys`.
// `servicepath keys audit`: the audit key pair (docs/audit.md): the private key for `serve --audit-key` and
// `audit verify --key`, the public key for `audit verify --public-key`.
import { writeKeyPair } from '../bundle/signing.js';
import { ServicepathError } from '../errors/index.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath keys new --out DIR [--name NAME] [--json]
       servicepath keys audit --out DIR [--name NAME] [--json]

Writes a new Ed25519 key pair for signing model bundles:
  DIR/NAME.key   the private key (PEM PKCS#8, mode 0600): give it to \`train --signing-key\`, or put its text in
                 SERVICEPATH_SIGNING_KEY; keep it where only the trainer can read it
  DIR/NAME.pub   the public key (PEM SPKI): give it (or DIR) to \`serve --trusted-keys\` and \`verify --trusted-keys\`
Existing files are never overwritten. Prints the key id that signed manifests name.

\`keys audit\` writes the audit key pair the same way (default name: audit; docs/audit.md):
  DIR/NAME.key   the private key (mode 0600): give it to \`serve --audit-key\` (or SERVICEPATH_AUDIT_KEY); it MACs
                 every audit entry and signs the checkpoints. An auditor with it checks every MAC
                 (\`audit verify --key\`)
  DIR/NAME.pub   the public key: \`audit verify --public-key\` checks the checkpoint signatures with it

  --out DIR      folder for the two files (created when missing, mode 0700)
  --name NAME    file name without extension (default: signing; audit for \`keys audit\`)
  --json         print the key id and files as JSON`;

export const command: CommandModule = {
  name: 'keys',
  summary: 'create an Ed25519 key pair for signing bundles (keys new) or for the audit log (keys audit)',
  usage,
  run: async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub !== 'new' && sub !== 'audit') throw new ServicepathError('CLI_USAGE', { detail: `expected "keys new" or "keys audit", got "${sub ?? ''}"\n\n${usage}` });
    const { values } = parseOptions(rest, { out: { type: 'string' }, name: { type: 'string' } }, usage);
    const audit = sub === 'audit';
    const written = await writeKeyPair(requireOption(values, 'out', usage), values.name ?? (audit ? 'audit' : 'signing'));
    emit(io, values.json === true, written, () =>
      [
        `${audit ? 'audit key' : 'key'} ${written.keyId}`,
        audit
          ? `  private: ${written.privateKeyFile} (serve --audit-key, audit verify --key; keep it secret)`
          : `  private: ${written.privateKeyFile} (train --signing-key; keep it secret)`,
        audit ? `  public:  ${written.publicKeyFile} (audit verify --public-key)` : `  public:  ${written.publicKeyFile} (serve --trusted-keys, verify --trusted-keys)`,
      ].join('\n'),
    );
    return 0;
  },
};
