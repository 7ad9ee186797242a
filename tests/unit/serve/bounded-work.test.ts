// Bounded work per request: scoring is priced before it starts (422 over --max-request-cost), runs in slices that
// let other requests through (/healthz answers while a long /interventions runs), and is ended at the request's
// deadline (503 with Retry-After). The mechanism is tested with slow test scorers, not with timings: the
// load-test's hostile phase measures the latencies (docs/api.md, "Bounded work").
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorResponseSchema } from '../../../src/serve/api-schemas.js';
import type { Path } from '../../../src/schemas/path.js';
import type { PathScorer, ScoreMode, ScoreOptions } from '../../../src/schemas/scoring.js';
import type { BundleLoader } from '../../../src/serve/types.js';
import { TimeSlicer } from '../../../src/util/slicer.js';
import { auth, fakeApp, fakeLoader, path, tempDir, TransparentScorer, writeFakeBundle } from './helpers.js';

/** Busy CPU work of about `ms` milliseconds. */
function spin(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    /* busy */
  }
}

/**
 * The transparent scorer's risks, after `workMs` of CPU work per call: sliced (1 ms chunks with a pause between,
 * as the bundle's scorer does) or in one blocking piece. Cost: one unit per event.
 */
class SlowScorer extends TransparentScorer {
  constructor(
    private readonly workMs: number,
    private readonly sliced: boolean,
  ) {
    super();
  }
  override async scoreTrajectories(paths: readonly Path[], opts: ScoreOptions = {}): Promise<Float64Array[]> {
    if (!this.sliced) spin(this.workMs);
    else {
      const slicer = new TimeSlicer(opts.signal, 2);
      for (let done = 0; done < this.workMs; done++) {
        spin(1);
        await slicer.pause();
      }
    }
    return super.scoreTrajectories(paths);
  }
  costOf(eventCounts: readonly number[], _mode: ScoreMode): number {
    return eventCounts.reduce((a, b) => a + b, 0);
  }
}

function loaderWith(scorer: PathScorer): BundleLoader {
  return async (dir) => ({ ...(await fakeLoader(dir)), scorer });
}

const interventions = (events: number) => ({
  method: 'POST' as const,
  url: '/v1/models/cw/interventions',
  headers: auth('planner'),
  payload: { path: path(Array.from({ length: events }, (_, i) => (i % 3 === 0 ? 'RISK' : 'VISIT'))) },
});
const score = (events: number) => ({
  method: 'POST' as const,
  url: '/v1/models/cw/score',
  headers: auth('planner'),
  payload: { paths: [path(Array.from({ length: events }, () => 'RISK'))] },
});

describe('bounded work per request', () => {
  const t = tempDir();
  writeFakeBundle(t.dir, 'cw', '1');
  let app: FastifyInstance | null = null;
  afterEach(async () => {
    await app?.close();
    app = null;
  });

  it('refuses a request over the cost limit with 422 naming the limit, before scoring; one under it is served', async () => {
    const scorer = new SlowScorer(0, true);
    app = await fakeApp(t.dir, { loader: loaderWith(scorer), maxRequestCost: 100 });
    // /score: one unit per event. 100 events pass, 101 do not.
    expect((await app.inject(score(100))).statusCode).toBe(200);
    const over = await app.inject(score(101));
    expect(over.statusCode).toBe(422);
    const body = ErrorResponseSchema.parse(over.json());
    expect(body.error.code).toBe('SERVE_REQUEST_TOO_COSTLY');
    expect(body.error.message).toMatch(/101 units .* the limit is 100 \(--max-request-cost\)/);
    // /interventions prices the trajectory and every variant: a 6-event path (trajectory 6; the original, 6 occlusions and 2 services x 1 grid
    // age of final risks: 6 + 6 x 5 + 2 x 7 = 50 units) passes; a 12-event one (12 + 12 + 12 x 11 + 2 x 13 = 182) does not.
    const calls = scorer.calls.length;
    expect((await app.inject(interventions(6))).statusCode).toBe(200);
    const costly = await app.inject(interventions(12));
    expect(costly.statusCode).toBe(422);
    expect(costly.json().error.message).toMatch(/182 units of scoring work \(15 paths scored\)/);
    // The refused request scored nothing.
    expect(scorer.calls.length).toBe(calls + 2);
  });

  it('keeps answering /healthz while a long /interventions runs (sliced), and not when the scorer blocks', async () => {
    const order = async (scorer: SlowScorer): Promise<string[]> => {
      const local = tempDir();
      writeFakeBundle(local.dir, 'cw', '1');
      const served = await fakeApp(local.dir, { loader: loaderWith(scorer) });
      try {
        const done: string[] = [];
        const long = served.inject(interventions(8)).then((r) => done.push(`interventions ${r.statusCode}`));
        // Let the long request reach its scorer before the probe is sent.
        while (scorer.calls.length === 0) await new Promise((r) => setImmediate(r));
        const probe = served.inject({ method: 'GET', url: '/healthz' }).then((r) => done.push(`healthz ${r.statusCode}`));
        await Promise.all([long, probe]);
        return done;
      } finally {
        await served.close();
        local.cleanup();
      }
    };
    // The check can fail: a scorer that blocks the event loop holds /healthz until it has finished.
    expect(await order(new SlowScorer(150, false))).toEqual(['interventions 200', 'healthz 200']);
    expect(await order(new SlowScorer(150, true))).toEqual(['healthz 200', 'interventions 200']);
  });

  it('ends scoring at the deadline with 503 and Retry-After, on /interventions and on batched /score', async () => {
    app = await fakeApp(t.dir, { loader: loaderWith(new SlowScorer(400, true)), requestDeadlineMs: 30 });
    for (const request of [interventions(5), score(5)]) {
      const res = await app.inject(request);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('2');
      const body = ErrorResponseSchema.parse(res.json());
      expect(body.error.code).toBe('SERVE_DEADLINE_EXCEEDED');
      expect(body.error.message).toMatch(/deadline of 30 ms/);
    }
  });

  it('serves slow requests in full when the deadline is off', async () => {
    app = await fakeApp(t.dir, { loader: loaderWith(new SlowScorer(60, true)), requestDeadlineMs: 0 });
    expect((await app.inject(interventions(5))).statusCode).toBe(200);
  });
});
