// Training and inference speed of the sequence models against PyTorch, measured in the same run.
// Shape: vocab 1000, embed 32, hidden 64, T = 64, batch 256, Adam. Usage:
//   node dist/scripts/bench-train.js [--backend wasm|cpu] [--seconds 3] [--variants gru,gru-full] [--no-torch] [--features F]
// Variants: gru (the default config: minimal cell), gru-minimal, gru-minimal-2 (two layers), gru-full
// (classic fused GRU), gru-wide (the default cell with the wide part that `servicepath train` adds by default:
// per-(token, window) log counts on the feature read as time before the index), gru-wide-context (gru-wide with
// the time-decayed context, half-lives 30 and 180 days on the same feature), gru-wide-context1 (one half-life, 60
// days: what `servicepath train` builds by default since 2026-12-06), transformer, stock-gru
// (tfjs's own GRU layer).
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_STEP_FEATURES } from '../src/features/preprocessing.js';
import { buildStockGruModel } from '../src/model/baselines.js';
import {
  buildModel,
  createTrainer,
  type LayersModel,
  predictLogits,
  resolveModelConfig,
  type SequenceBatch,
  selectBackend,
  tensorCount,
} from '../src/model/index.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    seconds: { type: 'string', default: '3' },
    variants: { type: 'string', default: 'gru,gru-wide,gru-minimal-2,gru-full' },
    'no-torch': { type: 'boolean', default: false },
    // Step features per event: the default preprocessing's (src/features/preprocessing.ts DEFAULT_STEP_FEATURES).
    features: { type: 'string', default: String(DEFAULT_STEP_FEATURES.length) },
  },
});
const SECONDS = Number(args.seconds);
const SHAPE = { vocabSize: 1000, numFeatures: Number(args.features), maxLen: 64, embedDim: 32, hiddenDim: 64, layers: 1, heads: 2, dropout: 0, seed: 1 };
const T = 64;

function randomBatch(batchSize: number, seed: number): SequenceBatch {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const tokens = new Int32Array(batchSize * T).map(() => 1 + Math.floor(rand() * (SHAPE.vocabSize - 1)));
  const feats = new Float32Array(batchSize * T * SHAPE.numFeatures).map(() => rand());
  return {
    tokens,
    feats,
    lengths: new Int32Array(batchSize).fill(T),
    labels: new Float32Array(batchSize).map(() => (rand() < 0.5 ? 1 : 0)),
    weights: new Float32Array(batchSize).fill(1),
    batchSize,
    seqLen: T,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function timeMs(fn: () => void, reps: number): number {
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function benchModel(model: LayersModel) {
  const batch = randomBatch(256, 1);
  const trainer = createTrainer(model, { learningRate: 1e-3, seed: 1 });
  for (let i = 0; i < 2; i++) trainer.step(batch); // warm-up: kernels, Adam's moments
  const tensorsBefore = tensorCount();
  let steps = 0;
  const start = performance.now();
  while (performance.now() - start < SECONDS * 1000) {
    trainer.step(batch);
    steps++;
  }
  const trainSeqPerS = (steps * 256) / ((performance.now() - start) / 1000);
  const leaked = tensorCount() - tensorsBefore;
  trainer.dispose();
  const b1 = randomBatch(1, 2);
  const b64 = randomBatch(64, 3);
  const b640 = randomBatch(640, 4);
  predictLogits(model, b1);
  predictLogits(model, b640);
  const batch1Ms = timeMs(() => predictLogits(model, b1), 50);
  const batch64SeqPerS = (64 / timeMs(() => predictLogits(model, b64), 10)) * 1000;
  const batch640Ms = timeMs(() => predictLogits(model, b640), 5);
  return { trainSeqPerS, batch1Ms, batch64SeqPerS, batch640Ms, leaked };
}

function torchPeer(): Record<string, number | string> | null {
  const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'bench_train_torch.py');
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      const out = execFileSync(python, [script, String(SECONDS)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
      });
      return JSON.parse(out.trim().split('\n').pop() ?? '{}');
    } catch {
      // try the next interpreter; torch may live in only one of them
    }
  }
  return null;
}

/** The benchmark shape with the variant's kind, cell and depth; 'gru' keeps the default cell. */
function variantConfig(variant: string): Record<string, unknown> {
  if (variant === 'transformer') return { ...SHAPE, kind: 'transformer' };
  if (variant === 'gru' || variant === 'stock-gru') return { ...SHAPE, kind: 'gru' };
  if (variant === 'gru-full') return { ...SHAPE, kind: 'gru', cell: 'full' };
  if (variant === 'gru-minimal') return { ...SHAPE, kind: 'gru', cell: 'minimal' };
  if (variant === 'gru-wide') return { ...SHAPE, kind: 'gru', cell: 'minimal', wide: { windowEdgesDays: [365, 1096], featureIndex: 0, daysPerUnit: 1826.25 } };
  if (variant === 'gru-wide-context1') {
    return { ...variantConfig('gru-wide'), context: { halfLivesDays: [60], featureIndex: 0, daysPerUnit: 1826.25 } };
  }
  if (variant === 'gru-wide-context') {
    return { ...variantConfig('gru-wide'), context: { halfLivesDays: [30, 180], featureIndex: 0, daysPerUnit: 1826.25 } };
  }
  if (variant === 'gru-minimal-2') return { ...SHAPE, kind: 'gru', cell: 'minimal', layers: 2 };
  throw new Error(`unknown variant ${variant}`);
}

const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main(): Promise<void> {
  const backend = await selectBackend(args.backend as 'auto');
  console.log(`backend ${backend.name} ${backend.backendVersion} (tfjs ${backend.tfjsVersion}, simd ${backend.simd ?? '-'}, threads ${backend.threads ?? '-'})`);
  const torch = args['no-torch'] ? null : torchPeer();
  if (torch === null && !args['no-torch']) {
    console.log('PyTorch peer: not run (no python3 with torch found; on Debian: apt-get install python3-torch); the ratio column shows n/a');
  }
  const torchTrain = typeof torch?.trainSeqPerS === 'number' ? torch.trainSeqPerS : Number.NaN;
  const rows: string[] = [];
  for (const variant of (args.variants ?? '').split(',').filter(Boolean)) {
    const config = resolveModelConfig(variantConfig(variant));
    const model = variant === 'stock-gru' ? buildStockGruModel(config) : buildModel(config);
    const r = benchModel(model);
    model.dispose();
    const label = variant === 'gru' ? `gru, default cell ${config.cell}` : variant;
    rows.push(
      `| ${label} (tfjs-${backend.name}) | ${fmt(r.trainSeqPerS)} | ${Number.isNaN(torchTrain) ? 'n/a' : fmt(r.trainSeqPerS / torchTrain, 2)} | ${fmt(r.batch1Ms, 2)} | ${fmt(r.batch64SeqPerS)} | ${fmt(r.batch640Ms, 1)} | ${r.leaked} |`,
    );
    console.log(rows[rows.length - 1]);
  }
  if (torch !== null) {
    rows.push(
      `| GRU (PyTorch ${torch.torch}, 1 thread) | ${fmt(torchTrain)} | 1.00 | ${fmt(Number(torch.batch1Ms), 2)} | ${fmt(Number(torch.batch64SeqPerS))} | ${fmt(Number(torch.batch640Ms), 1)} | - |`,
    );
  }
  console.log('\n| model | train seq/s (B=256) | ratio to PyTorch | batch-1 ms (T=64) | batch-64 seq/s | batch-640 ms | tensors leaked |');
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
