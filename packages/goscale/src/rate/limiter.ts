/**
 * @module `Limiter`: a lazy token bucket with a FIFO queue of waiters (golang.org/x/time/rate).
 */
import { checkInteger, checkSignal, describe, type SignalOptions } from '../internal/abort.js';
import { List } from '../internal/list.js';
import { Claim } from '../internal/rate-claim.js';
import { RateBucket } from '../internal/rate-bucket.js';

const resolved = Promise.resolve();
const noop = (): void => {};
const refused: Reservation = Object.freeze({ ok: false, delayMs: Infinity, cancel: noop });
const free: Reservation = Object.freeze({ ok: true, delayMs: 0, cancel: noop });

/** Options of a {@link Limiter}. */
export interface LimiterOptions {
  /**
   * Tokens added per second: a number from 0 up, fractions such as `0.2` (one every 5 s) allowed. `Infinity` means
   * unlimited: every call goes at once and `burst` is ignored. `0` adds nothing: only the tokens in the bucket (at
   * most `burst`) can ever be taken, until `setRate` gives a positive rate.
   */
  rate: number;
  /** The bucket's size: an integer from 0 up, the most tokens that can be taken at one instant. A new limiter is full. */
  burst: number;
  /** The clock, in milliseconds; monotonic is best. Default `performance.now`. Inject a fake one in tests. */
  now?: (() => number) | undefined;
}

/**
 * What `reserve(n)` returns: a promise of `n` tokens at a fixed time. Go: `*rate.Reservation`.
 *
 * The holder is expected to wait `delayMs` (for instance `await sleep(r.delayMs, { signal })`) and then act, or to
 * call `cancel()` if it will not act.
 */
export interface Reservation {
  /** False when the tokens can never be promised: `n` exceeds the burst, or the rate is 0 and the bucket is short. */
  readonly ok: boolean;
  /** Milliseconds from the `reserve` call until the tokens are the holder's: 0 when they are free now, `Infinity` when not ok. */
  readonly delayMs: number;
  /**
   * Gives the tokens back. Before the reservation's time it removes the claim entirely (everyone queued behind it
   * moves up); at the very instant it was granted it puts the tokens back in the bucket; after that it does nothing,
   * the tokens having been spent. Calling it again, or on a reservation that is not ok, does nothing.
   */
  cancel(): void;
}

/**
 * A token-bucket rate limiter: `rate` tokens per second flow into a bucket of `burst`; each event takes `n`.
 * Go: `golang.org/x/time/rate.Limiter`; npm: bottleneck, p-throttle.
 *
 * Invariants:
 * - Rate: over any window [t0, t1] the tokens granted (waits resolved, allows that returned true, reservations at
 *   their time) never exceed `burst + rate × (t1 − t0)`. After the rate or burst is lowered, reservations already
 *   handed out are still honoured at their promised time (as in Go), and queued waiters go after the debt that leaves.
 * - Strict FIFO: `wait` and `reserve` claims are served in call order, so a later `wait(1)` never overtakes an
 *   earlier `wait(5)` (the large one would starve), and `allow` returns false while anyone is queued.
 * - An aborted `wait` rejects with `signal.reason` and leaves the bucket as if it had never been called: no tokens
 *   taken, no queue entry, no 'abort' listener; the claims behind it move up at once.
 * - Lazy: the bucket is computed from the clock when used, never ticked. One timer at most, armed only while some
 *   `wait` is queued, so an idle limiter never keeps the process alive and a busy one only as long as someone waits.
 *
 * Cost: a call that needs no waiting allocates nothing (`wait` returns a shared resolved promise); a queued `wait`
 * allocates its promise and one record. Queueing, granting and aborting are O(1) per waiter; `setBurst` and the first
 * `reserve` after a queued claim leaves early are O(queue length).
 * @example
 * ```ts
 * const api = new Limiter({ rate: 50, burst: 10 }); // 50 calls/s, at most 10 at once
 * await api.wait(1, { signal });
 * await fetch(url, { signal });
 * ```
 */
export class Limiter {
  readonly #bucket: RateBucket;
  readonly #now: () => number;
  readonly #queue = new List<Claim>();
  /** Reservations still queued, in promised-time order, so an overdue one is found in O(1). Lazily pruned. */
  #promised: Claim[] = [];
  #promisedHead = 0;
  #waiters = 0;
  #timer: ReturnType<typeof setTimeout> | undefined = undefined;
  #timerAt = NaN;
  /** When the last queued claim will be served and the tokens left then; NaN when it must be recomputed. */
  #tailAt = NaN;
  #tailTokens = 0;
  readonly #drop = (claim: Claim): void => {
    this.#unlink(claim);
  };
  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = NaN;
    this.#sync(this.#now());
  };

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
   * so this is what is filling up for the head of the queue; it is negative only while a reservation promised before
   * the rate was lowered is being paid off.
   */
  get tokens(): number {
    if (this.#bucket.rate === Infinity) return Infinity;
    this.#sync(this.#now());
    return this.#bucket.tokens;
  }

  /** The number of queued `wait` calls (calls, not tokens). */
  get pending(): number {
    return this.#waiters;
  }

  /**
   * Waits until `n` tokens are the caller's, in FIFO order with every other `wait` and `reserve`.
   *
   * @param n - tokens to take, an integer from 0 up (default 1).
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
      checkSignal('limiter', signal);
    } catch (error) {
      return Promise.reject(error);
    }
    const bucket = this.#bucket;
    if (n > bucket.burst && bucket.rate !== Infinity) return Promise.reject(exceeds('wait', n, bucket.burst));
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (bucket.rate === Infinity) return resolved;
    const now = this.#now();
    if (this.#queue.length !== 0) this.#sync(now);
    if (this.#queue.length === 0 && bucket.take(n, now)) return resolved;
    const claim = new Claim(n, NaN, this.#drop, signal);
    const promise = new Promise<void>((resolve, reject) => {
      claim.resolve = resolve;
      claim.reject = reject;
    });
    this.#append(claim);
    this.#waiters++;
    signal?.addEventListener('abort', claim, { once: true });
    this.#arm();
    return promise;
  }

  /**
   * Takes `n` tokens if they are in the bucket now and nobody is queued; never waits. Go: `AllowN`.
   *
   * @param n - tokens to take, an integer from 0 up (default 1); anything else throws quoting it.
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
    const now = this.#now();
    if (this.#queue.length !== 0) this.#sync(now);
    return this.#queue.length === 0 && bucket.take(n, now);
  }

  /**
   * Promises `n` tokens at a fixed time, behind every claim already queued, without waiting. Go: `ReserveN`.
   * Within the burst (and with a positive rate) it always succeeds, with a `delayMs` that grows with the tokens owed.
   *
   * @param n - tokens to reserve, an integer from 0 up (default 1); anything else throws quoting it.
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
    const now = this.#now();
    if (this.#queue.length !== 0) this.#sync(now);
    if (this.#queue.length === 0 && bucket.take(n, now)) return this.#granted(n, now);
    const at = this.#plan(n);
    if (at === Infinity) return refused;
    const claim = new Claim(n, at, undefined, undefined);
    this.#queue.push(claim);
    this.#promised.push(claim);
    // A waiter queued behind this reservation must wake at its time, so the timer may have to move.
    this.#arm();
    let cancelled = false;
    return {
      ok: true,
      delayMs: at - now,
      cancel: () => {
        if (cancelled) return;
        cancelled = true;
        const t = this.#now();
        this.#sync(t);
        if (claim.linked) this.#unlink(claim);
        else if (t <= at) this.#giveBack(n, t);
      },
    };
  }

  /**
   * Changes the rate from now on. Queued waiters are re-planned at the new rate; reservations keep their time.
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
    this.#sync(now);
    this.#bucket.setRate(rate, now);
    this.#tailAt = NaN;
    if (rate === Infinity) {
      for (let claim = this.#queue.shift(); claim !== undefined; claim = this.#queue.shift()) {
        if (claim.isWaiter) claim.settle();
      }
      this.#waiters = 0;
      this.#promised = [];
      this.#promisedHead = 0;
    }
    this.#sync(now);
  }

  /**
   * Changes the bucket's size from now on. Lowering it drops tokens above the new size; raising it adds none (they
   * fill up at the rate). Queued waiters are re-planned; those that want more than the new burst (with a finite rate)
   * can never be served and reject with a RangeError. Reservations keep their time.
   *
   * @param burst - an integer from 0 up; anything else throws quoting it.
   * @example
   * ```ts
   * limiter.setBurst(1); // no more bursts while the upstream recovers
   * ```
   */
  setBurst(burst: number): void {
    checkInteger('limiter', 'burst', burst, 0);
    const now = this.#now();
    this.#sync(now);
    this.#bucket.setBurst(burst, now);
    this.#tailAt = NaN;
    if (this.#bucket.rate !== Infinity) {
      for (let claim = this.#queue.head; claim !== undefined;) {
        const next = claim.next as Claim | undefined;
        if (claim.isWaiter && claim.n > burst) {
          this.#queue.remove(claim);
          this.#waiters--;
          claim.fail(exceeds('wait', claim.n, burst));
        }
        claim = next;
      }
    }
    this.#sync(now);
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
    this.#tailAt = NaN;
    this.#sync(now);
  }

  /** Removes a claim that has not taken its tokens (abort, cancel): the ones behind it move up. */
  #unlink(claim: Claim): void {
    const wasHead = this.#queue.head === claim;
    this.#queue.remove(claim);
    if (claim.isWaiter) this.#waiters--;
    this.#tailAt = NaN;
    // Only the head can be holding the others back; with it gone, the next ones may go at once.
    if (wasHead) this.#sync(this.#now());
    else this.#arm();
  }

  /** Queues `claim` at the tail, keeping the tail plan up to date. */
  #append(claim: Claim): void {
    this.#plan(claim.n);
    this.#queue.push(claim);
  }

  /**
   * When a claim of `n` appended now would be served (limiter clock), advancing the tail plan past it. `Infinity`
   * when never (rate 0). Every claim ahead is served exactly as planned unless the rate, the burst or the queue
   * changes, which is when the plan is recomputed.
   */
  #plan(n: number): number {
    const bucket = this.#bucket;
    if (this.#queue.length === 0) {
      this.#tailAt = bucket.last;
      this.#tailTokens = bucket.tokens;
    } else if (this.#tailAt !== this.#tailAt) {
      this.#replanTail();
    }
    const at = this.#tailAt + bucket.msUntil(n, this.#tailTokens);
    this.#tailTokens = bucket.after(Math.max(this.#tailTokens, n), n);
    this.#tailAt = at;
    return at;
  }

  /** Walks the queue to find when its last claim will be served. */
  #replanTail(): void {
    const bucket = this.#bucket;
    let at = bucket.last;
    let tokens = bucket.tokens;
    for (let claim = this.#queue.head; claim !== undefined; claim = claim.next as Claim | undefined) {
      if (claim.isWaiter) {
        at += bucket.msUntil(claim.n, tokens);
        tokens = Math.max(tokens, claim.n);
      } else if (claim.at > at) {
        tokens = bucket.refilled(tokens, claim.at - at);
        at = claim.at;
      }
      // A reservation overdue in this plan (the rate was lowered) still takes its tokens: counting them here, later
      // than it will, only makes the plan err late, never early.
      tokens = bucket.after(tokens, claim.n);
    }
    this.#tailAt = at;
    this.#tailTokens = tokens;
  }

  /** The earliest queued reservation (the only kind that can be due before the head), pruning finished ones. */
  #firstPromised(): Claim | undefined {
    const promised = this.#promised;
    while (this.#promisedHead < promised.length && !promised[this.#promisedHead]!.linked)
      this.#promisedHead++;
    if (this.#promisedHead === promised.length) {
      if (promised.length !== 0) this.#promised = [];
      this.#promisedHead = 0;
      return undefined;
    }
    if (this.#promisedHead > 1024 && this.#promisedHead * 2 > promised.length) {
      this.#promised = promised.slice(this.#promisedHead);
      this.#promisedHead = 0;
    }
    return this.#promised[this.#promisedHead];
  }

  /**
   * Serves, in time order, every claim due by `now`, each at the instant it became due (so a late timer grants late
   * but never loses tokens), then arms the timer for the next one.
   */
  #sync(now: number): void {
    const bucket = this.#bucket;
    const queue = this.#queue;
    for (let head = queue.head; head !== undefined; head = queue.head) {
      let claim = head;
      let due = head.isWaiter ? bucket.last + bucket.msUntil(head.n, bucket.tokens) : head.at;
      const first = this.#firstPromised();
      // A reservation is honoured at its time even when a waiter ahead of it was slowed by a lower rate since.
      if (first !== undefined && first !== head && first.at < due) {
        claim = first;
        due = first.at;
      }
      if (!(due <= now)) break;
      bucket.advance(due);
      queue.remove(claim);
      bucket.debit(claim.n);
      if (claim.isWaiter) {
        this.#waiters--;
        claim.settle();
      }
    }
    bucket.advance(now);
    this.#arm();
  }

  /** Keeps exactly one timer, due when the next claim is, while any waiter is queued; none otherwise. */
  #arm(): void {
    let due = Infinity;
    const head = this.#queue.head;
    if (this.#waiters !== 0 && head !== undefined) {
      const bucket = this.#bucket;
      due = head.isWaiter ? bucket.last + bucket.msUntil(head.n, bucket.tokens) : head.at;
      const first = this.#firstPromised();
      if (first !== undefined && first.at < due) due = first.at;
    }
    if (due === this.#timerAt) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = due;
    if (due === Infinity) return;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, due - this.#now()));
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
