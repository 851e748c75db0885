/**
 * @module A third-party API with one quota for all its callers (the "Many replicas" section): a token bucket of
 * `rate` calls a second and `burst` at once, 429 past it, and counters of what each caller sent.
 */
import { Limiter } from 'goscale';
import { listen, sendJson, type Running } from './server.js';

/** The API's quota. */
export interface Quota {
  /** Calls a second, for every caller together. */
  rate: number;
  /** Calls it takes at once after a quiet spell. */
  burst: number;
}

/** What the API saw since the last `resetStats()`. */
export interface QuotaStats {
  accepted: number;
  /** Answered 429 (over the quota). */
  rejected: number;
  /** The most calls (accepted or not) that arrived in any one-second window. */
  peakPerSecond: number;
  /** Milliseconds from the first call to the last. */
  spanMs: number;
}

/** A running quota API. */
export interface QuotaApi extends Running {
  readonly quota: Quota;
  resetStats(): void;
  stats(): QuotaStats;
}

/**
 * Starts the API on a loopback port. `POST /call` answers 200 while the bucket has a token, else 429 with
 * `retry-after`. The bucket starts full at each `resetStats()`, so every strategy meets the same API.
 * @param quota - rate and burst.
 * @returns the running API.
 * @example
 * ```ts
 * const api = await startQuotaApi({ rate: 50, burst: 10 });
 * ```
 */
export async function startQuotaApi(quota: Quota): Promise<QuotaApi> {
  let bucket = new Limiter(quota);
  let arrivals: number[] = [];
  let accepted = 0;
  let rejected = 0;
  const running = await listen((req, res) => {
    if (req.method !== 'POST' || req.url !== '/call') return sendJson(res, 404, { error: 'POST /call' });
    arrivals.push(performance.now());
    req.resume();
    if (bucket.allow()) {
      accepted++;
      return sendJson(res, 200, { ok: true });
    }
    rejected++;
    sendJson(res, 429, { error: 'quota exceeded' }, { 'retry-after': '1' });
  });
  return {
    ...running,
    quota,
    resetStats() {
      bucket = new Limiter(quota);
      arrivals = [];
      accepted = 0;
      rejected = 0;
    },
    stats: () => ({
      accepted,
      rejected,
      peakPerSecond: peakInWindow(arrivals, 1000),
      spanMs: arrivals.length < 2 ? 0 : arrivals.at(-1)! - arrivals[0]!,
    }),
  };
}

/**
 * The most of `times` (sorted ascending, ms) that fall in any window `[t, t + windowMs)`.
 * @param times - arrival times, ascending.
 * @param windowMs - the window's length.
 * @returns the largest count.
 * @example
 * ```ts
 * peakInWindow([0, 10, 999, 1000, 1500], 1000) // 3
 * ```
 */
export function peakInWindow(times: readonly number[], windowMs: number): number {
  let peak = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi]! - times[lo]! >= windowMs) lo++;
    peak = Math.max(peak, hi - lo + 1);
  }
  return peak;
}
