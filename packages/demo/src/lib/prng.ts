/**
 * @module A seeded pseudo-random generator and the distributions the services draw latencies from.
 */

/**
 * Hashes a seed and a key into a 32-bit integer (FNV-1a, then a murmur finaliser).
 *
 * Services derive each item's latency from `hash(seed, itemKey)` rather than from a shared stream, so that every
 * strategy in a section sees exactly the same service times whatever order it sends the requests in.
 * @param seed - the run's seed.
 * @param key - any stable key (an item index, a resource name).
 * @returns an unsigned 32-bit integer.
 * @example
 * ```ts
 * const h = hash(42, 'deploy-7');
 * ```
 */
export function hash(seed: number, key: string | number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  const text = String(key);
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stream of uniform numbers in [0, 1). Same seed, same stream. */
export interface Rng {
  /** The next uniform number in [0, 1). */
  next(): number;
  /** A log-normal sample with the given median and shape `sigma` (a long right tail, like real latencies). */
  lognormal(median: number, sigma: number): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
}

/**
 * Creates a mulberry32 generator: 32 bits of state, fast, and good enough for latencies (not for cryptography).
 *
 * @param seed - any integer; equal seeds give equal streams.
 * @returns the generator.
 * @example
 * ```ts
 * const rng = createRng(42);
 * const ms = rng.lognormal(20, 0.5);
 * ```
 */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    lognormal(median, sigma) {
      // Box-Muller; 1 - u keeps log() away from 0.
      const u1 = 1 - next();
      const u2 = next();
      const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
      return median * Math.exp(sigma * z);
    },
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
  };
}

/**
 * A log-normal sample for one key: `createRng(hash(seed, key)).lognormal(median, sigma)`.
 *
 * @param seed - the run's seed.
 * @param key - the item's stable key.
 * @param median - the distribution's median.
 * @param sigma - its shape (0.5 gives a p99 of about 3.2x the median).
 * @returns the sample, always > 0.
 * @example
 * ```ts
 * const serviceMs = keyedLognormal(42, 7, 20, 0.5);
 * ```
 */
export function keyedLognormal(seed: number, key: string | number, median: number, sigma: number): number {
  return createRng(hash(seed, key)).lognormal(median, sigma);
}
