import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildModel,
  createTrainer,
  loadModelArtifacts,
  loadOptimizerState,
  predictLogits,
  resolveModelConfig,
  SEQUENCE_KINDS,
  saveModelArtifacts,
  selectBackend,
} from '../../../src/model/index.js';
import { syntheticBatch } from './helpers.js';

let dir = '';
beforeAll(async () => {
  await selectBackend('auto');
  dir = await mkdtemp(join(tmpdir(), 'sp-model-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const configOf = (variant: string) =>
  resolveModelConfig({ kind: variant === 'transformer' ? 'transformer' : 'gru', cell: variant === 'gru-full' ? 'full' : 'minimal', vocabSize: 20, numFeatures: 2, maxLen: 12, embedDim: 8, hiddenDim: 16, heads: 2, dropout: 0.1, seed: 5 });
const batch = syntheticBatch({ batchSize: 6, seqLen: 12, vocabSize: 20, numFeatures: 2, seed: 9 });

describe.each([...SEQUENCE_KINDS, 'gru-full'])('%s artifacts', (kind) => {
  it('save -> load gives identical predictions, without tfjs-node', async () => {
    const model = buildModel(configOf(kind));
    const trainer = createTrainer(model, { learningRate: 0.01, seed: 1 });
    trainer.step(batch); // move the weights off their initial values
    const out = join(dir, `${kind}-plain`);
    const files = await saveModelArtifacts(model, out);
    expect(files).toEqual(['model.json', 'weights.bin']);
    expect((await readdir(out)).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadModelArtifacts(out);
    expect(Array.from(predictLogits(loaded, batch))).toEqual(Array.from(predictLogits(model, batch)));
    trainer.dispose();
    model.dispose();
    loaded.dispose();
  });

  it('restored Adam state gives the same next step as the uninterrupted run', async () => {
    const model = buildModel(configOf(kind));
    const trainer = createTrainer(model, { learningRate: 0.01, seed: 2 });
    for (let i = 0; i < 3; i++) trainer.step(batch);
    const out = join(dir, `${kind}-resume`);
    const files = await saveModelArtifacts(model, out, { includeOptimizer: true, optimizer: trainer.optimizer });
    expect(files).toEqual(['model.json', 'weights.bin', 'optimizer.json', 'optimizer.bin']);

    const resumed = await loadModelArtifacts(out);
    const resumedTrainer = createTrainer(resumed, { learningRate: 0.01, seed: 2 });
    await loadOptimizerState(out, resumedTrainer.optimizer);
    expect(resumedTrainer.optimizer.iterations).toBe(3);

    const lossA = [trainer.step(batch), trainer.step(batch)];
    const lossB = [resumedTrainer.step(batch), resumedTrainer.step(batch)];
    expect(lossB).toEqual(lossA);
    expect(Array.from(predictLogits(resumed, batch))).toEqual(Array.from(predictLogits(model, batch)));

    // A fresh optimizer (no restored moments) takes a different step: the test can tell.
    const cold = await loadModelArtifacts(out);
    const coldTrainer = createTrainer(cold, { learningRate: 0.01, seed: 2 });
    coldTrainer.step(batch);
    expect(coldTrainer.step(batch)).not.toBe(lossA[1]);
    for (const t of [trainer, resumedTrainer, coldTrainer]) t.dispose();
    for (const m of [model, resumed, cold]) m.dispose();
  });
});

describe('artifact errors', () => {
  it('reports a missing or broken model.json with MODEL_ARTIFACTS_INVALID', async () => {
    await expect(loadModelArtifacts(join(dir, 'nothing-here'))).rejects.toMatchObject({ code: 'MODEL_ARTIFACTS_INVALID' });
    const broken = join(dir, 'broken');
    await saveModelArtifacts(buildModel(configOf('gru')), broken);
    await writeFile(join(broken, 'weights.bin'), new Uint8Array(8));
    await expect(loadModelArtifacts(broken)).rejects.toMatchObject({ code: 'MODEL_ARTIFACTS_INVALID' });
  });
});
