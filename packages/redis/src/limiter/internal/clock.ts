/**
 * @module `RedisClock`: maps an instant of the Redis clock to this process's `performance.now()`, never early.
 * @internal
 */

/** How long one minimum stays in use before a fresher one replaces it (bounds the effect of drift or a clock step). */
const PERIOD_MS = 2_000;

/**
 * Each reply carries Redis' `TIME` at the instant the script ran; it reached us some latency later, so
 * `received − redisNow` is the clocks' offset plus that latency, never less than the offset. The smallest such
 * sample (over the current and the previous period) is the tightest bound that is still never early.
 *
 * Why it matters: sleeping `delay` from the moment a reply arrives adds that reply's latency to the grant. Latency
 * varies (a burst of callers queues at Redis), so grants planned 2 ms apart would fire bunched together and a
 * one-second window downstream could see more than `burst + rate`. Waking at `planned + minimum offset` keeps the
 * spacing Redis planned, shifted by the smallest latency seen.
 */
export class RedisClock {
  #best = Infinity;
  #previous = Infinity;
  #since = -Infinity;

  /** Records one reply: Redis' TIME (µs) when it ran, our `performance.now()` (ms) when it arrived. */
  sample(redisUs: number, receivedMs: number): void {
    if (receivedMs - this.#since > PERIOD_MS) {
      this.#previous = this.#best;
      this.#best = Infinity;
      this.#since = receivedMs;
    }
    this.#best = Math.min(this.#best, receivedMs - redisUs / 1000);
  }

  /** The local `performance.now()` at which the Redis instant `redisUs` has surely passed. */
  toLocal(redisUs: number): number {
    return redisUs / 1000 + Math.min(this.#best, this.#previous);
  }
}
