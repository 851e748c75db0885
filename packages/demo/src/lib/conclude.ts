/**
 * @module Small pure helpers the sections' conclusion functions share, so that wording follows the numbers.
 */
import { fmtX } from './format.js';

/**
 * Compares two durations as a phrase: `3.1x faster than`, `1.4x slower than`, `as fast as` (within 5%).
 * @param ms - the duration being described.
 * @param baselineMs - the duration it is compared with.
 * @returns the phrase, to go between the two names.
 * @example
 * ```ts
 * `goscale map was ${speedPhrase(1000, 3100)} fixed batches` // 'goscale map was 3.1x faster than fixed batches'
 * ```
 */
export function speedPhrase(ms: number, baselineMs: number): string {
  if (ms <= 0 || baselineMs <= 0) return 'not comparable with';
  const ratio = baselineMs / ms;
  if (Math.abs(ratio - 1) < 0.05) return 'about as fast as';
  return ratio > 1 ? `${fmtX(ratio)} faster than` : `${fmtX(1 / ratio)} slower than`;
}

/**
 * How many times faster `ms` is than `baselineMs` (Infinity when `ms` is 0).
 * @param ms - the duration being described.
 * @param baselineMs - the one it is compared with.
 * @returns `baselineMs / ms`.
 * @example
 * ```ts
 * speedup(500, 1000) // 2
 * ```
 */
export function speedup(ms: number, baselineMs: number): number {
  return ms <= 0 ? Infinity : baselineMs / ms;
}

/**
 * Percent of time saved going from `beforeMs` to `afterMs`: 40 means 40% less time.
 * @param afterMs - the new duration.
 * @param beforeMs - the old one.
 * @returns the percentage (negative when slower; 0 when `beforeMs` is 0).
 * @example
 * ```ts
 * percentFaster(600, 1000) // 40
 * ```
 */
export function percentFaster(afterMs: number, beforeMs: number): number {
  return beforeMs <= 0 ? 0 : ((beforeMs - afterMs) / beforeMs) * 100;
}

/**
 * A count with its noun in the right number.
 * @param n - the count.
 * @param word - the singular.
 * @param many - the plural (default: `word` + s).
 * @returns e.g. `1 error`, `3 errors`.
 * @example
 * ```ts
 * plural(3, 'query', 'queries') // '3 queries'
 * ```
 */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}
