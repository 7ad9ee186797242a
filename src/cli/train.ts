// `servicepath train`: parses the flags, prints progress and the result. The work is src/bundle/assemble.ts
// trainBundle (inputs -> training stages -> bundle); docs/training.md.
import { type TrainBundleOptions, type TrainBundleResult, trainBundle } from '../bundle/assemble.js';
import { resolveSigningKey, SIGNING_KEY_ENV } from '../bundle/signing.js';
import type { Progress } from '../train/sequence.js';
import { type CommandIo, type CommandModule, emit, intOption, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath train --store STORE --task FILE --model logreg|gru|transformer [--out MODELS] --name NAME
                        [--catalogue FILE] [--truth DIR (--key-file FILE | --demo-key)] [--epochs N]
                        [--batch-size N] [--seed S] [--backend auto|wasm|cpu|tensorflow] [--version V]
                        [--config FILE] [--resume] [--signing-key FILE] [--json]

Builds one example per eligible person at the task's index date (own and relatives' events of the lookback
window, nothing after the index), splits by family, fits the model, calibrates it on the validation split,
evaluates it on the test split and writes an immutable bundle to MODELS/NAME/<version>/ (docs/training.md).

  --store STORE       event store (servicepath ingest)
  --task FILE         task spec (JSON or YAML; docs/tasks.md)
  --model KIND        logreg (baseline), gru or transformer
  --out MODELS        models folder (default: models, the repository's folder for bundles); the bundle goes to MODELS/NAME/<version>/
  --name NAME         bundle name (lowercase letters, digits, _ and -)
  --catalogue FILE    actionable-service catalogue; default: catalogue.json beside the task file
  --truth DIR         the generator's truth folder: adds the oracle AUROC (needs the store's key)
  --key-file FILE     the pseudonymisation key the store was made with (for --truth)
  --demo-key          the public demo key (stores made with --demo-key)
  --epochs N          most epochs (early stopping may end sooner)
  --batch-size N      examples per training step
  --seed S            seeds splits, initialisation, shuffling and the bootstrap
  --backend B         TensorFlow.js backend (default auto: tensorflow, else wasm, else cpu)
  --version V         bundle version (default: next number); an existing version is refused
  --config FILE       training overrides (JSON or YAML; unknown keys fail; docs/training.md)
  --resume            continue an interrupted run from MODELS/.NAME.checkpoint/
  --signing-key FILE  sign the manifest with this Ed25519 private key (PEM PKCS#8, \`servicepath keys new\`); else
                      the key in ${SIGNING_KEY_ENV} (its PEM text), else the bundle is unsigned and
                      \`serve\` loads it only with --allow-unsigned
  --json              print the result as JSON`;

function progressPrinter(io: CommandIo): { onProgress: (p: Progress) => void; done: () => void } {
  let drawn = false;
  return {
    onProgress: (p) => {
      if (!io.isTty) return;
      const width = 24;
      const filled = Math.round((p.batch / p.batches) * width);
      const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
      process.stderr.write(`\repoch ${p.epoch}/${p.epochs} [${bar}] ${Math.round(p.examplesPerSecond)} ex/s, ETA ${Math.ceil(p.etaSeconds)} s   `);
      drawn = true;
    },
    done: () => {
      if (drawn) process.stderr.write('\n');
      drawn = false;
    },
  };
}

const fmt = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : x.toFixed(3));

function renderResult(r: TrainBundleResult): string {
  const s = r.splits;
  return [
    r.bundle === null ? 'Training interrupted; resume with --resume.' : `Bundle written: ${r.bundle}`,
    `Model ${r.modelKind}; ${r.examples} examples (${r.positives} with the outcome); ${r.modelKind === 'logreg' ? `${r.epochs} penalty values tried` : `${r.epochs} epochs`}`,
    `Splits (persons/families/positives): train ${s.train.persons}/${s.train.families}/${s.train.positives}, validation ${s.validation.persons}/${s.validation.families}/${s.validation.positives}, test ${s.test.persons}/${s.test.families}/${s.test.positives}`,
    `Test AUROC ${fmt(r.test.auroc)}, AUPRC ${fmt(r.test.auprc)}, Brier ${fmt(r.test.brier)}, calibration slope ${fmt(r.test.calibrationSlope)}${r.test.oracleAuroc === null ? '' : `, oracle AUROC ${fmt(r.test.oracleAuroc)}`}`,
    ...(r.bundle === null ? [] : [r.signingKeyId === null ? `Unsigned (no --signing-key or ${SIGNING_KEY_ENV}): serve loads it only with --allow-unsigned` : `Manifest signed with key ${r.signingKeyId}`]),
  ].join('\n');
}

export const command: CommandModule = {
  name: 'train',
  summary: 'train a model on a store and a task; write a bundle',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(
      argv,
      {
        store: { type: 'string' },
        task: { type: 'string' },
        model: { type: 'string' },
        out: { type: 'string' },
        name: { type: 'string' },
        catalogue: { type: 'string' },
        truth: { type: 'string' },
        'key-file': { type: 'string' },
        'demo-key': { type: 'boolean' },
        epochs: { type: 'string' },
        'batch-size': { type: 'string' },
        seed: { type: 'string' },
        backend: { type: 'string' },
        version: { type: 'string' },
        config: { type: 'string' },
        resume: { type: 'boolean' },
        'signing-key': { type: 'string' },
      },
      usage,
    );
    const opts: TrainBundleOptions = {
      store: requireOption(values, 'store', usage),
      task: requireOption(values, 'task', usage),
      model: requireOption(values, 'model', usage),
      out: values.out ?? 'models',
      name: requireOption(values, 'name', usage),
      ...(values.catalogue === undefined ? {} : { catalogue: values.catalogue }),
      ...(values.truth === undefined ? {} : { truth: values.truth }),
      ...(values['key-file'] === undefined ? {} : { keyFile: values['key-file'] }),
      ...(values['demo-key'] === true ? { demoKey: true } : {}),
      ...(values.epochs === undefined ? {} : { epochs: intOption(values, 'epochs', 0) }),
      ...(values['batch-size'] === undefined ? {} : { batchSize: intOption(values, 'batch-size', 0) }),
      ...(values.seed === undefined ? {} : { seed: intOption(values, 'seed', 0) }),
      ...(values.backend === undefined ? {} : { backend: values.backend }),
      ...(values.version === undefined ? {} : { version: values.version }),
      ...(values.config === undefined ? {} : { config: values.config }),
      ...(values.resume === true ? { resume: true } : {}),
      // Read before training: a bad key fails now, not after an hour of training.
      signingKey: await resolveSigningKey({ keyFile: values['signing-key'] }),
    };
    const progress = progressPrinter(io);
    const result = await trainBundle(opts, {
      onStage: (m) => io.stderr(m),
      onProgress: progress.onProgress,
      onEpoch: (l) => {
        progress.done();
        io.stderr(`epoch ${l.epoch}: train loss ${l.trainLoss.toFixed(4)}, validation loss ${l.valLoss.toFixed(4)}, AUROC ${fmt(l.valAuroc)}, ${Math.round(l.examplesPerSecond)} ex/s${l.best ? ' (best)' : ''}`);
      },
    });
    emit(io, values.json === true, result, () => renderResult(result));
    return 0;
  },
};
