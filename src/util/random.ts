// Seeded pseudo-random numbers for every stage: no Math.random, so the same seed gives the same stream on every
// platform. sfc32 (`Rng`) drives the synthetic population; mulberry32 keeps its whole state in one integer.
// The generated samples and pinned test figures depend on these exact streams: change nothing here lightly.

/** splitmix32 step: a good 32-bit mixer, used to derive stream seeds. */
export function mix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A small fast generator (sfc32, seeded through splitmix32) with the draws the population generator needs. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is the run's seed; `stream` separates purposes (families, pilot, dirty rows); `index` the family. */
  constructor(seed: number, stream: number, index = 0) {
    const s0 = mix32(seed ^ mix32(stream * 0x632be5ab + 1));
    const s1 = mix32(s0 ^ mix32(index + 0x51ed27));
    this.a = s1;
    this.b = mix32(s1 + 1);
    this.c = mix32(s1 + 2);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Standard normal (Box-Muller, one value per call for simplicity of replay). */
  normal(): number {
    const u = 1 - this.uniform();
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(1 - this.uniform()) * mean;
  }

  /** Poisson count (inversion for small means, normal approximation above 60). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 60) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.uniform();
    while (p > limit) {
      k++;
      p *= this.uniform();
    }
    return k;
  }

  /** Index drawn from unnormalised weights. */
  pick(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let u = this.uniform() * total;
    for (let i = 0; i < weights.length; i++) {
      u -= weights[i]!;
      if (u < 0) return i;
    }
    return weights.length - 1;
  }
}

/** A mulberry32 stream whose whole state is one integer, so checkpoints can save it. */
interface StateRng {
  /** Uniform in [0, 1). */
  next(): number;
  /** The state to save; `mulberry32(state)` (or `createRng(0, state)`) continues the stream exactly. */
  state(): number;
}

/** mulberry32 started from a raw 32-bit state (the bootstrap passes `seed >>> 0`). */
export function mulberry32(state: number): StateRng {
  let s = state;
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

/** mulberry32 from a scrambled seed (splits, training order), or from a saved `state` to continue a stream. */
export function createRng(seed: number, state?: number): StateRng {
  return mulberry32(state ?? (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) >>> 0));
}

/** Fisher-Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: StateRng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}
