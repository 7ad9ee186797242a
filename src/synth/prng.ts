// Stream ids of the generator's seeded random numbers (sfc32 `Rng`, src/util/random.ts): each purpose draws from
// its own stream (seed, stream, index), so adding draws to one purpose never shifts another.

export const STREAM = { families: 1, pilot: 2, dirty: 3, noise: 4 } as const;
