// Micro-batching: concurrent requests share one forward pass; results go back to the right caller.
import { describe, expect, it } from 'vitest';
import { Batcher } from '../../../src/serve/batcher.js';
import { auth, fakeApp, fakeLoader, path, TransparentScorer, tempDir, writeFakeBundle } from './helpers.js';

describe('batcher', () => {
  it('merges concurrent calls into one scoreTrajectories call and splits the results back', async () => {
    const scorer = new TransparentScorer();
    const batches: number[] = [];
    const b = new Batcher(scorer, { windowMs: 5, maxBatchPaths: 100, onBatch: (i) => batches.push(i.requests) });
    const inputs = [path(['A']), path(['RISK', 'RISK']), path(['A', 'B', 'RISK'])];
    const out = await Promise.all(inputs.map((p) => b.scoreTrajectories([p])));
    expect(scorer.calls).toEqual([3]);
    expect(batches).toEqual([3]);
    const alone = await Promise.all(inputs.map((p) => new TransparentScorer().scoreTrajectories([p])));
    expect(out).toEqual(alone);
  });

  it('sends at once when the batch is full and never splits one request', async () => {
    const scorer = new TransparentScorer();
    const b = new Batcher(scorer, { windowMs: 60_000, maxBatchPaths: 2 });
    const big = [path(['A']), path(['B']), path(['C'])];
    const r = await Promise.all([b.scoreTrajectories(big), b.scoreTrajectories([path(['D'])]), b.scoreTrajectories([path(['E'])])]);
    expect(r.map((x) => x.length)).toEqual([3, 1, 1]);
    expect(scorer.calls).toEqual([3, 2]);
  });

  it('rejects every caller of a failed pass and keeps serving afterwards', async () => {
    let fail = true;
    const inner = new TransparentScorer();
    const b = new Batcher(
      { modelKind: 'logreg', scoreTrajectories: async (p) => (fail ? Promise.reject(new Error('boom')) : inner.scoreTrajectories(p)) },
      { windowMs: 1, maxBatchPaths: 10 },
    );
    const results = await Promise.allSettled([b.scoreTrajectories([path(['A'])]), b.scoreTrajectories([path(['B'])])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await b.scoreTrajectories([path(['A'])])).toHaveLength(1);
    await b.drain();
  });

  it('batches concurrent HTTP score requests of one model version', async () => {
    const t = tempDir();
    writeFakeBundle(t.dir, 'cw', '1');
    const scorers: TransparentScorer[] = [];
    const loader = async (dir: string) => {
      const bundle = await fakeLoader(dir);
      scorers.push(bundle.scorer as TransparentScorer);
      return bundle;
    };
    const app = await fakeApp(t.dir, { loader, batchWindowMs: 20 });
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        app.inject({ method: 'POST', url: '/v1/models/cw/score', headers: auth('planner'), payload: { paths: [path(Array.from({ length: i + 1 }, () => 'RISK'))] } }),
      ),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    expect(responses.map((r) => r.json().trajectories[0].risks.length)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(scorers[0]!.calls.length).toBeLessThan(8);
    const metrics = await app.inject({ method: 'GET', url: '/metrics', headers: auth('admin') });
    const passes = Number(/^servicepath_batch_paths_count (\d+)$/m.exec(metrics.body)?.[1]);
    expect(passes).toBe(scorers[0]!.calls.length);
    expect(Number(/^servicepath_batch_paths_sum (\d+)$/m.exec(metrics.body)?.[1])).toBe(8);
    expect(metrics.body).toContain('servicepath_http_requests_total{route="/v1/models/:name/score",method="POST",status="200"} 8');
    expect(metrics.body).toContain('servicepath_models_loaded{model="cw",version="1",state="ready"} 1');
    await app.close();
    t.cleanup();
  });
});
