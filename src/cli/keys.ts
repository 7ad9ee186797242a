// `servicepath keys new`: an Ed25519 key pair for signing bundles (docs/bundle-format.md, "Signature"): the private
// key for `train --signing-key`, the public key for `verify --trusted-keys` and `serve --trusted-keys`.
import { writeKeyPair } from '../bundle/signing.js';
import { ServicepathError } from '../errors/index.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath keys new --out DIR [--name NAME] [--json]

Writes a new Ed25519 key pair for signing model bundles:
  DIR/NAME.key   the private key (PEM PKCS#8, mode 0600): give it to \`train --signing-key\`, or put its text in
                 SERVICEPATH_SIGNING_KEY; keep it where only the trainer can read it
  DIR/NAME.pub   the public key (PEM SPKI): give it (or DIR) to \`serve --trusted-keys\` and \`verify --trusted-keys\`
Existing files are never overwritten. Prints the key id that signed manifests name.

  --out DIR      folder for the two files (created when missing, mode 0700)
  --name NAME    file name without extension (default: signing)
  --json         print the key id and files as JSON`;

export const command: CommandModule = {
  name: 'keys',
  summary: 'create an Ed25519 key pair for signing bundles',
  usage,
  run: async (argv, io) => {
    const [sub, ...rest] = argv;
    if (sub !== 'new') throw new ServicepathError('CLI_USAGE', { detail: `expected "keys new", got "${sub ?? ''}"\n\n${usage}` });
    const { values } = parseOptions(rest, { out: { type: 'string' }, name: { type: 'string' } }, usage);
    const written = await writeKeyPair(requireOption(values, 'out', usage), values.name ?? 'signing');
    emit(io, values.json === true, written, () =>
      [
        `key ${written.keyId}`,
        `  private: ${written.privateKeyFile} (train --signing-key; keep it secret)`,
        `  public:  ${written.publicKeyFile} (serve --trusted-keys, verify --trusted-keys)`,
      ].join('\n'),
    );
    return 0;
  },
};
