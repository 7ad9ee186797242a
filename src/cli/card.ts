// `servicepath card`: rebuilds a bundle's model card from its evidence files and prints or writes it.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { buildModelCard, CARD_FILES, renderMarkdown, writeCardFiles } from '../card/index.js';
import { readJson, readTrainingLog } from '../card/read.js';
import { formatZodIssues, ServicepathError } from '../errors/index.js';
import type { MetricsFile } from '../schemas/metrics.js';
import { type ModelCard, ModelCardSchema } from '../schemas/model-card.js';
import { type CommandModule, emit, parseOptions, requireOption } from './common.js';

const usage = `Usage: servicepath card --bundle DIR [--previous DIR] [--out DIR] [--json]

Rebuilds the model card from the bundle's manifest.json, metrics.json and training-log.jsonl.
Prints it as Markdown (or as model-card.json with --json). Bundles are never edited: with --out DIR
the card is written to DIR as model-card.json, model-card.md and model-card.html.

  --bundle DIR     the model bundle (models/<name>/<version>)
  --previous DIR   the previous version's bundle: adds a change log against its model-card.json
  --out DIR        write the three card files here (must not hold them already)
  --json           print the card as JSON`;


async function readPreviousCard(dir: string): Promise<ModelCard> {
  const path = join(dir, 'model-card.json');
  const parsed = ModelCardSchema.safeParse(await readJson(path));
  if (!parsed.success) throw new ServicepathError('CARD_INPUT_INVALID', { file: path, issues: formatZodIssues(parsed.error) }, { details: parsed.error.issues });
  return parsed.data;
}

async function refuseExisting(dir: string): Promise<void> {
  for (const name of CARD_FILES) {
    const path = join(dir, name);
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new ServicepathError('FILE_EXISTS', { file: path });
  }
}

export const command: CommandModule = {
  name: 'card',
  summary: '(re)render the model card of a bundle',
  usage,
  async run(argv, io) {
    const { values } = parseOptions(argv, { bundle: { type: 'string' }, previous: { type: 'string' }, out: { type: 'string' } }, usage);
    const bundle = requireOption(values, 'bundle', usage);
    const card = buildModelCard({
      manifest: await readJson(join(bundle, 'manifest.json')),
      metrics: (await readJson(join(bundle, 'metrics.json'))) as MetricsFile,
      trainingLog: await readTrainingLog(join(bundle, 'training-log.jsonl')),
      ...(typeof values.previous === 'string' ? { previousCard: await readPreviousCard(values.previous) } : {}),
    });
    if (typeof values.out === 'string') {
      await refuseExisting(values.out);
      const written = await writeCardFiles(card, values.out);
      io.stderr(`wrote ${written.join(', ')}`);
    }
    emit(io, values.json === true, card, () => renderMarkdown(card));
    return 0;
  },
};
