// Small seeded random numbers (mulberry32) whose whole state is one integer, so checkpoints can save it.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** The state to save; `createRng(0, state)` continues the stream exactly. */
  state(): number;
}

export function createRng(seed: number, state?: number): Rng {
  let s = state ?? (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0);
  return {
    next(): number {
      s = (s + 0x6d2b79f5) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    state: () => s,
  };
}

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
