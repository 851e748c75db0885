/**
 * @module `Limiter`: a lazy token bucket with a FIFO queue of waiters (golang.org/x/time/rate).
 */
import { signalRejection, type SignalOptions } from '../internal/abort.js';
import { checkInteger, describe } from '../internal/args.js';
import { promiseOf } from '../internal/waiter.js';
import { RateBucket } from './internal/bucket.js';
import { Claim } from './internal/claim.js';
import { RateQueue } from './internal/queue.js';
import type { LimiterOptions, Reservation } from './options.js';
import { noop } from '../internal/noop.js';

export type { LimiterOptions, Reservation } from './options.js';

const resolved = Promise.resolve();
const refused: Reservation = Object.freeze({ ok: false, delayMs: Infinity, cancel: noop });
const free: Reservation = Object.freeze({ ok: true, delayMs: 0, cancel: noop });

/**
 * A token-bucket rate limiter: `rate` tokens per second flow into a bucket of `burst`; each event takes `n`.
 * Go: `golang.org/x/time/rate.Limiter`; npm: bottleneck, p-throttle.
 *
 * Invariants:
 * - Rate: over any window [t0, t1] the tokens granted (waits resolved, allows that returned true, reservations at
 *   their time) never exceed `burst + rate × (t1 − t0)`, with no exception. While the rate and burst stay put that is
 *   their own values; once they change, the highest rate and burst in play bound it, because a promise made under
 *   them is kept. A reservation is a promise made from the plan of everything queued ahead of it, so making one
 *   commits that plan, as Go's negative tokens commit every reservation's debit at once: the reservation takes its
 *   tokens at its time whatever the rate or burst is by then (into debt if need be), and each wait ahead of it will be
 *   served no later than that plan said. A lowered rate or burst slows only the claims behind the last reservation,
 *   which wait out the debt, so nothing is squeezed against a kept promise.
 * - Strict FIFO, no exception: `wait` and `reserve` claims are served in call order, so a later `wait(1)` never
 *   overtakes an earlier `wait(5)` (the large one would starve), and `allow` returns false while anyone is queued.
 * - An aborted `wait` rejects with `signal.reason` and leaves the limiter as if it had never been called: no tokens
 *   taken, no queue entry, no 'abort' listener; the claims behind it move up at once. `setRate` and `setBurst` re-plan
 *   the queued waits. A wait whose signal has aborted is never served, not even when tokens are freed from inside
 *   another 'abort' listener of the same signal before its own listener has run.
 * - Lazy: the bucket is computed from the clock when used, never ticked, and a claim is accounted at the instant it
 *   became due, so a late timer delays a grant but never loses tokens. One timer at most, armed only while some
 *   `wait` is queued: an idle limiter never keeps the process alive, a busy one only as long as someone waits.
 *
 * Cost: a call that needs no waiting reads the clock once and allocates nothing (`wait` returns a shared resolved
 * promise); a queued `wait` allocates its promise and one record (about 470 B with the caller's `await`). Queueing, granting and aborting are O(1) per waiter; `setBurst`, and the first
 * `reserve` behind a queue after a claim left it early or the rate changed, are O(queue length).
 * @example
 * ```ts
 * const api = new Limiter({ rate: 50, burst: 10 }); // 50 calls/s, at most 10 at once
 * await api.wait(1, { signal });
 * await fetch(url, { signal });
 * ```
 */
export class Limiter {
  readonly #bucket: RateBucket;
  readonly #queue: RateQueue;
  readonly #now: () => number;

  /**
   * @param options - `rate` (tokens per second), `burst` (bucket size) and an optional `now` clock; a bad value
   *   throws (TypeError/RangeError) quoting it.
   */
  constructor(options: LimiterOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`limiter: expected options { rate, burst }, got ${describe(options)}`);
    }
    const { rate, burst, now = () => performance.now() } = options;
    checkRate(rate);
    checkInteger('limiter', 'burst', burst, 0);
    if (typeof now !== 'function') {
      throw new TypeError(`limiter: expected \`now\` to be a function, got ${describe(now)}`);
    }
    this.#now = now;
    this.#bucket = new RateBucket(rate, burst, now());
    this.#queue = new RateQueue(this.#bucket, now);
  }

  /** Tokens added per second (`Infinity`: unlimited). */
  get rate(): number {
    return this.#bucket.rate;
  }

  /** The bucket's size. */
  get burst(): number {
    return this.#bucket.burst;
  }

  /**
   * The tokens in the bucket now, fractional (`Infinity` when the rate is). Queued waiters have not taken theirs yet,
   * so this is what is filling up for the head of the queue; it is negative only while a claim promised before the
   * rate or burst was lowered (a reservation, or a wait queued ahead of one) is being paid off.
   */
  get tokens(): number {
    if (this.#bucket.rate === Infinity) return Infinity;
    this.#queue.sync(this.#now());
    return this.#bucket.tokens;
  }

  /** The number of queued `wait` calls (calls, not tokens). */
  get pending(): number {
    return this.#queue.waiters;
  }

  /**
   * Waits until `n` tokens are the caller's, in FIFO order with every other `wait` and `reserve`.
   *
   * @param n - tokens to take, a safe integer from 0 up (default 1).
   * @param options - `signal`: aborting it rejects with `signal.reason` and leaves the limiter as if the call had
   *   never been made. An already-aborted signal rejects at once, even when tokens are there.
   * @returns a promise that resolves when the tokens are taken. It rejects with a RangeError when `n` exceeds the
   *   burst (with a finite rate), at once or when `setBurst` later lowers the burst below `n`; and with a
   *   TypeError/RangeError for a bad `n` or signal.
   * @example
   * ```ts
   * for (const url of urls) {
   *   await limiter.wait(1, { signal });
   *   void fetch(url, { signal });
   * }
   * ```
   */
  wait(n = 1, options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    try {
      checkInteger('limiter', 'n', n, 0);
    } catch (error) {
      return Promise.reject(error);
    }
    const bucket = this.#bucket;
    if (n > bucket.burst && bucket.rate !== Infinity) return Promise.reject(exceeds('wait', n, bucket.burst));
    const rejection = signalRejection('limiter', signal);
    if (rejection !== undefined) return rejection;
    if (bucket.rate === Infinity) return resolved;
    const queue = this.#queue;
    const now = this.#now();
    if (queue.length !== 0) queue.sync(now);
    if (queue.length === 0 && bucket.take(n, now)) return resolved;
    const claim = new Claim(n, NaN, queue.drop, signal);
    const promise = promiseOf<void>(claim);
    queue.pushWaiter(claim);
    signal?.addEventListener('abort', claim, { once: true });
    return promise;
  }

  /**
   * Takes `n` tokens if they are in the bucket now and nobody is queued; never waits. Go: `AllowN`.
   *
   * @param n - tokens to take, a safe integer from 0 up (default 1); anything else throws quoting it.
   * @returns true when the tokens were taken; false (taking nothing) otherwise, and always when `n` exceeds the
   *   burst with a finite rate.
   * @example
   * ```ts
   * if (!limiter.allow()) return res.writeHead(429).end();
   * ```
   */
  allow(n = 1): boolean {
    checkInteger('limiter', 'n', n, 0);
    const bucket = this.#bucket;
    if (bucket.rate === Infinity) return true;
    if (n > bucket.burst) return false;
    const queue = this.#queue;
    const now = this.#now();
    if (queue.length !== 0) queue.sync(now);
    return queue.length === 0 && bucket.take(n, now);
  }

  /**
   * Promises `n` tokens at a fixed time, behind every claim already queued, without waiting. Go: `ReserveN`.
   * Within the burst (and with a positive rate) it always succeeds, with a `delayMs` that grows with the tokens owed.
   *
   * @param n - tokens to reserve, a safe integer from 0 up (default 1); anything else throws quoting it.
   * @returns `{ ok, delayMs, cancel }`: see {@link Reservation}. `ok` is false (and nothing is reserved) when `n`
   *   exceeds the burst with a finite rate, or when the rate is 0 and the bucket cannot cover the claim.
   * @example
   * ```ts
   * const r = limiter.reserve();
   * if (r.delayMs > 1_000) r.cancel(); // shed load instead of queueing for more than a second
   * else { await sleep(r.delayMs); await send(); }
   * ```
   */
  reserve(n = 1): Reservation {
    checkInteger('limiter', 'n', n, 0);
    const bucket = this.#bucket;
    if (bucket.rate === Infinity) return free;
    if (n > bucket.burst) return refused;
    const queue = this.#queue;
    const now = this.#now();
    if (queue.length !== 0) queue.sync(now);
    if (queue.length === 0 && bucket.take(n, now)) return this.#granted(n, now);
    const at = queue.plan(n);
    if (at === Infinity) return refused;
    const claim = new Claim(n, at, undefined, undefined);
    queue.pushReservation(claim);
    let cancelled = false;
    return {
      ok: true,
      delayMs: at - now,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        const t = this.#now();
        queue.sync(t);
        if (claim.linked) queue.unlink(claim);
        else if (t <= at) this.#giveBack(n, t);
      },
    };
  }

  /**
   * Changes the rate from now on. Queued waiters are re-planned at the new rate; reservations keep their time, and so
   * do the waiters queued ahead of a reservation when the new rate is lower (the reservation's time was planned on
   * them): only the claims behind the last reservation are slowed, and they wait out the debt.
   * From `Infinity` to a finite rate the bucket starts full, as a new limiter would; to `Infinity` every queued
   * waiter is served at once.
   *
   * @param rate - tokens per second, as in {@link LimiterOptions.rate}; a bad value throws quoting it.
   * @example
   * ```ts
   * limiter.setRate(retryAfter ? 1 / retryAfter : 50);
   * ```
   */
  setRate(rate: number): void {
    checkRate(rate);
    const now = this.#now();
    this.#queue.sync(now);
    this.#bucket.setRate(rate, now);
    this.#queue.replan();
    if (rate === Infinity) this.#queue.flush();
    else this.#queue.sync(now);
  }

  /**
   * Changes the bucket's size from now on. Lowering it drops tokens above the new size; raising it adds none (they
   * fill up at the rate). Queued waiters are re-planned; those that want more than the new burst (with a finite rate)
   * can never be served and reject with a RangeError. Reservations keep their time, as do the waiters ahead of one
   * (see `setRate`).
   *
   * @param burst - a safe integer from 0 up; anything else throws quoting it.
   * @example
   * ```ts
   * limiter.setBurst(1); // no more bursts while the upstream recovers
   * ```
   */
  setBurst(burst: number): void {
    checkInteger('limiter', 'burst', burst, 0);
    const now = this.#now();
    this.#queue.sync(now);
    this.#bucket.setBurst(burst, now);
    this.#queue.replan();
    if (this.#bucket.rate !== Infinity)
      this.#queue.rejectAbove(burst, (claim) => exceeds('wait', claim.n, burst));
    this.#queue.sync(now);
  }

  /** A reservation whose tokens were free at once: granted now, so `cancel` can only undo it at this instant. */
  #granted(n: number, at: number): Reservation {
    let cancelled = false;
    return {
      ok: true,
      delayMs: 0,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        const t = this.#now();
        if (t <= at) this.#giveBack(n, t);
      },
    };
  }

  #giveBack(n: number, now: number): void {
    this.#bucket.giveBack(n, now);
    this.#queue.replan();
    this.#queue.sync(now);
  }
}

function checkRate(rate: unknown): asserts rate is number {
  if (typeof rate !== 'number' || Number.isNaN(rate) || rate < 0) {
    const Err = typeof rate === 'number' ? RangeError : TypeError;
    throw new Err(
      `limiter: expected \`rate\` to be a number from 0 and up (or Infinity), got ${describe(rate)}`,
    );
  }
}

function exceeds(call: string, n: number, burst: number): RangeError {
  return new RangeError(`limiter: ${call}(${n}) exceeds burst (${burst})`);
}
