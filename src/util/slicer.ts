// Cooperative time slicing for long CPU work on the service's one event loop: the work calls pause() between
// chunks; once a slice has run for sliceMs, pause() yields (setImmediate), so that I/O, /healthz and other
// requests are answered between slices. pause() also ends the work when its AbortSignal has fired (a request's
// deadline), throwing the signal's reason.

/** Default slice: short enough that a waiting request sees at most a few milliseconds of someone else's work. */
const DEFAULT_SLICE_MS = 4;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class TimeSlicer {
  private sliceStart = performance.now();

  constructor(
    private readonly signal: AbortSignal | undefined = undefined,
    private readonly sliceMs = DEFAULT_SLICE_MS,
  ) {
    this.throwIfAborted();
  }

  /** Between chunks: yields when the slice is spent, and throws the signal's reason once it has fired. */
  async pause(): Promise<void> {
    if (performance.now() - this.sliceStart >= this.sliceMs) {
      await nextTurn();
      this.sliceStart = performance.now();
    }
    this.throwIfAborted();
  }

  private throwIfAborted(): void {
    if (this.signal?.aborted === true) throw this.signal.reason;
  }
}
