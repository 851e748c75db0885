/**
 * @module The option and result types of `Limiter`.
 */

/**
 * Options of a `Limiter`.
 *
 * @example
 * ```ts
 * new Limiter({ rate: 1 / 60, burst: 5 }); // one per minute, up to 5 at once after a quiet spell
 * new Limiter({ rate: 100, burst: 1, now: () => fakeNow }); // a test clock (ms)
 * ```
 */
export interface LimiterOptions {
  /**
   * Tokens added per second: a number from 0 up, fractions such as `0.2` (one every 5 s) allowed. `Infinity` means
   * unlimited: every call goes at once and `burst` is ignored. `0` adds nothing: only the tokens in the bucket (at
   * most `burst`) can ever be taken; after that `allow` is false, `reserve` is not ok, and `wait` queues until
   * `setRate` gives a positive rate or its signal aborts (holding no timer, so pass a signal).
   */
  rate: number;
  /** The bucket's size: a safe integer from 0 up, the most tokens that can be taken at one instant. A new limiter is full. */
  burst: number;
  /** The clock, in milliseconds; monotonic is best. Default `performance.now`. Inject a fake one in tests. */
  now?: (() => number) | undefined;
}

/**
 * What `reserve(n)` returns: a promise of `n` tokens at a fixed time. Go: `*rate.Reservation`.
 *
 * The holder is expected to wait `delayMs` and then act, or to call `cancel()` if it will not act. The time is fixed
 * when it is handed out: lowering the rate later does not move it, nor the waits queued ahead of it (the limiter
 * honours the plan it was made from and makes the claims behind it wait out the debt, as Go's negative tokens do).
 * @example
 * ```ts
 * const r = limiter.reserve(2);
 * if (!r.ok) throw new RangeError('batch larger than the burst');
 * try {
 *   await sleep(r.delayMs, { signal });
 * } catch (error) {
 *   r.cancel(); // will not act: give the tokens back
 *   throw error;
 * }
 * await sendBatch();
 * ```
 */
export interface Reservation {
  /** False when the tokens can never be promised: `n` exceeds the burst, or the rate is 0 and the bucket is short. */
  readonly ok: boolean;
  /**
   * Milliseconds from the `reserve` call until the tokens are the holder's: 0 when they are free now, `Infinity` when
   * not ok.
   */
  readonly delayMs: number;
  /**
   * Gives the tokens back. Before the reservation's time it removes the claim entirely (everyone queued behind it
   * moves up, unlike Go's `Cancel`, which cannot move reservations already made); at the very instant it was granted
   * it puts the tokens back in the bucket; after that it does nothing, the tokens having been spent. Calling it
   * again, or on a reservation that is not ok, does nothing.
   */
  cancel(): void;
}
