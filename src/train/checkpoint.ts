// Per-epoch checkpoints in `<out>/.<name>.checkpoint/`: the latest weights with Adam's state, the best weights,
// and state.json (epoch, early-stopping state, log). state.json is replaced atomically and names its folders,
// so a run killed at any moment resumes from the last complete epoch.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ServicepathError } from '../errors/index.js';

const EpochLogSchema = z
  .object({
    epoch: z.number().int().min(1),
    trainLoss: z.number(),
    valLoss: z.number(),
    valAuroc: z.number().nullable(),
    seconds: z.number().min(0),
    examplesPerSecond: z.number().min(0),
    best: z.boolean(),
    /** Training examples seen so far; logged when an epoch is cut into several evaluation rounds. */
    examplesSeen: z.number().int().min(0).optional(),
    /** Adam's learning rate during the round; logged when it decays on plateaus (learningRateDecay < 1). */
    learningRate: z.number().positive().optional(),
  })
  .strict();
export type EpochLog = z.infer<typeof EpochLogSchema>;

const CheckpointStateSchema = z
  .object({
    /** Hash of the resolved config and the data: a checkpoint of another run is refused. */
    fingerprint: z.string(),
    /** Evaluation rounds done (one per epoch unless evaluateEveryExamples cuts epochs into rounds). */
    epochsDone: z.number().int().min(0),
    latestDir: z.string(),
    bestDir: z.string().nullable(),
    /** The moving average of the weights (TrainConfig.emaDecay > 0), as of the latest round. */
    averageDir: z.string().nullable().optional(),
    bestEpoch: z.number().int().min(0),
    bestValAuroc: z.number().nullable(),
    epochsWithoutImprovement: z.number().int().min(0),
    /** The shuffle of epoch e is seeded by (seed, e), so no stream state is needed beyond the epoch. */
    rng: z.object({ seed: z.number().int(), nextEpoch: z.number().int() }).strict(),
    log: z.array(EpochLogSchema),
  })
  .strict();
export type CheckpointState = z.infer<typeof CheckpointStateSchema>;

const STATE_FILE = 'state.json';

export async function readCheckpointState(dir: string, fingerprint: string): Promise<CheckpointState | null> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_FILE), 'utf8');
  } catch {
    return null; // no checkpoint yet: start from epoch 1
  }
  let parsed: CheckpointState;
  try {
    parsed = CheckpointStateSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new ServicepathError('TRAIN_CHECKPOINT_INVALID', { dir, detail: `${STATE_FILE} is malformed` }, { cause: err });
  }
  if (parsed.fingerprint !== fingerprint) {
    throw new ServicepathError('TRAIN_CHECKPOINT_INVALID', { dir, detail: 'it was made with another configuration, task or store' });
  }
  return parsed;
}

/** Writes state.json atomically, then removes epoch folders it no longer names. */
export async function writeCheckpointState(dir: string, state: CheckpointState, obsolete: readonly string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `${STATE_FILE}.tmp`);
  await writeFile(tmp, `${JSON.stringify(state)}\n`);
  await rename(tmp, join(dir, STATE_FILE));
  for (const sub of obsolete) if (sub !== state.latestDir && sub !== state.bestDir && sub !== state.averageDir) await rm(join(dir, sub), { recursive: true, force: true });
}
