// Micro-batching: score requests that arrive within a short window share one scoreTrajectories call.
// While a forward pass runs, new requests gather and go together as soon as it ends. A request whose deadline
// fires leaves the queue (or stops waiting for a pass already running). Final-risk calls (an explanation's
// variants of one path) bypass the queue and go straight to the scorer, which slices its work so that batched
// passes run between its slices; they are counted, so that drain() waits for them too.
import type { Path } from '../schemas/path.js';
import type { PathScorer, ScoreMode, ScoreOptions } from '../schemas/scoring.js';

export interface BatcherOptions {
  /** How long the first request of a batch waits for company. */
  windowMs: number;
  /** A batch is sent at once when it holds this many paths. */
  maxBatchPaths: number;
  /** Called after each forward pass (metrics). */
  onBatch?: (info: { paths: number; requests: number; durationMs: number }) => void;
}

interface Waiting {
  paths: readonly Path[];
  resolve: (r: Float64Array[]) => void;
  reject: (e: unknown) => void;
}

const noop = (): void => {};

export class Batcher implements PathScorer {
  private queue: Waiting[] = [];
  private queuedPaths = 0;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  /** Direct (unbatched) calls running now. */
  private readonly direct = new Set<Promise<unknown>>();

  /** The bundle's replicate risks (intervals of the estimates), passed straight through when the scorer has them. */
  readonly scoreFinalReplicates?: (paths: readonly Path[], opts?: ScoreOptions) => Promise<Float64Array[]>;
  readonly intervalLevel?: number;
  readonly seldomGiven?: (service: { code: string; relation: string }, ageDays: number) => boolean;

  constructor(
    private readonly scorer: PathScorer,
    private readonly options: BatcherOptions,
  ) {
    if (scorer.seldomGiven !== undefined) this.seldomGiven = scorer.seldomGiven.bind(scorer);
    const replicates = scorer.scoreFinalReplicates?.bind(scorer);
    if (replicates !== undefined && scorer.intervalLevel !== undefined) {
      this.intervalLevel = scorer.intervalLevel;
      this.scoreFinalReplicates = (paths, opts = {}) => this.tracked(replicates(paths, opts));
    }
  }

  /** A direct (unbatched) call, tracked so that drain() waits for it. */
  private tracked<T>(call: Promise<T>): Promise<T> {
    this.direct.add(call);
    const done = () => this.direct.delete(call);
    call.then(done, done);
    return call;
  }

  get modelKind() {
    return this.scorer.modelKind;
  }

  scoreTrajectories(paths: readonly Path[], opts: ScoreOptions = {}): Promise<Float64Array[]> {
    if (paths.length === 0) return Promise.resolve([]);
    const signal = opts.signal;
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const waiting: Waiting = { paths, resolve, reject };
      if (signal !== undefined) {
        const onAbort = () => {
          // Still queued: leave the queue. In a running pass: stop waiting (the pass's answer is dropped).
          const at = this.queue.indexOf(waiting);
          if (at >= 0) {
            this.queue.splice(at, 1);
            this.queuedPaths -= paths.length;
          }
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        waiting.resolve = (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        };
        waiting.reject = (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        };
      }
      this.queue.push(waiting);
      this.queuedPaths += paths.length;
      if (this.queuedPaths >= this.options.maxBatchPaths) this.sendSoon(0);
      else this.sendSoon(this.options.windowMs);
    });
  }

  /** Final risks straight from the scorer (it slices its own work), or from its trajectories when it has no scoreFinal. */
  scoreFinal(paths: readonly Path[], opts: ScoreOptions = {}): Promise<Float64Array> {
    const scorer = this.scorer;
    const call =
      scorer.scoreFinal !== undefined
        ? scorer.scoreFinal(paths, opts)
        : scorer.scoreTrajectories(paths, opts).then((out) => Float64Array.from(out, (z) => z[z.length - 1] as number));
    return this.tracked(call);
  }

  costOf(eventCounts: readonly number[], mode: ScoreMode): number {
    return this.scorer.costOf?.(eventCounts, mode) ?? 0;
  }

  /** Resolves when nothing is queued or running, direct calls included (before a bundle is disposed). */
  async drain(): Promise<void> {
    while (this.inFlight !== null || this.queue.length > 0 || this.direct.size > 0) {
      if (this.inFlight === null) this.sendSoon(0);
      const direct = [...this.direct].map((p) => p.then(noop, noop));
      await (this.inFlight ?? (direct.length > 0 ? Promise.race(direct) : new Promise((r) => setImmediate(r))));
    }
  }

  private sendSoon(delayMs: number): void {
    if (this.inFlight !== null) return; // sent when the running pass ends
    if (delayMs === 0) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      this.send();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.send();
      }, delayMs);
    }
  }

  private send(): void {
    if (this.queue.length === 0 || this.inFlight !== null) return;
    // Take whole requests up to maxBatchPaths (one oversized request goes alone).
    const batch: Waiting[] = [];
    let n = 0;
    while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.paths.length <= this.options.maxBatchPaths)) {
      const w = this.queue.shift()!;
      batch.push(w);
      n += w.paths.length;
    }
    this.queuedPaths -= n;
    this.inFlight = this.run(batch, n).finally(() => {
      this.inFlight = null;
      // Whoever queued during the pass has waited long enough: send at once.
      if (this.queue.length > 0) this.sendSoon(0);
    });
  }

  private async run(batch: Waiting[], n: number): Promise<void> {
    const all: Path[] = [];
    for (const w of batch) for (const p of w.paths) all.push(p);
    const started = performance.now();
    try {
      const results = await this.scorer.scoreTrajectories(all);
      if (results.length !== n) throw new Error(`scorer returned ${results.length} trajectories for ${n} paths`);
      this.options.onBatch?.({ paths: n, requests: batch.length, durationMs: performance.now() - started });
      let at = 0;
      for (const w of batch) {
        w.resolve(results.slice(at, at + w.paths.length));
        at += w.paths.length;
      }
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
}
