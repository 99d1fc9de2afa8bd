/**
 * A small seeded pseudo-random generator (mulberry32) for probabilistic faults, so a test that sets
 * `randomSeed` sees the same faults on every run. Identifiers use node:crypto instead.
 */
export interface Rng {
  /** A number in [0, 1). */
  next(): number;
  /** True with the given probability (0 never draws, so it does not shift the sequence). */
  chance(probability: number | undefined): boolean;
}

/** A generator from the seed (random when none is given). */
export function createRng(seed: number = Math.floor(Math.random() * 2 ** 32)): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance(probability) {
      if (probability === undefined || probability <= 0) return false;
      if (probability >= 1) return true;
      return next() < probability;
    },
  };
}
