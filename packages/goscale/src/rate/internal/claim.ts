/**
 * @module The queue record of the `Limiter`: one pending `wait()` or one promised `reserve()`.
 * @internal
 */
import { noop } from '../../internal/noop.js';
import { type CancelWaiter, Waiter } from '../../internal/waiter.js';

/** Called when a waiter's signal aborts while it is still queued: the limiter unlinks it and re-plans. */
export type DropClaim = (claim: Claim) => void;

/**
 * A claim on `n` tokens that has not taken them yet. A waiter (`at` is NaN) takes them as soon as it is at the head
 * of the queue and the bucket holds `n`; a reservation takes them at its promised time `at`, because its holder acts
 * then whatever happens (it was told `delayMs`).
 *
 * It is the shared {@link Waiter} (list node, settlers and 'abort' listener in one object; `tag` holds `n`, `cancel`
 * the limiter's drop hook) plus the times the limiter plans with, so a queued wait costs this object and its promise.
 */
export class Claim extends Waiter {
  /**
   * The latest time it will be served, committed when a reservation was made behind it (that reservation's time came
   * from this plan): `at` for a reservation, the waiter's planned time for a waiter ahead of one, Infinity otherwise.
   */
  declare latest: number;
  /**
   * A waiter's time in the current tail plan (kept so that a reservation can commit it in O(1)); a reservation's
   * promised time. One field for both: a queued wait is this record times the queue's length, and the two never
   * coexist on one claim.
   */
  declare planned: number;

  /**
   * @param n - the tokens claimed.
   * @param at - the promised time (limiter clock, ms) of a reservation; NaN for a waiter.
   * @param drop - the owner's hook, run on abort before the promise rejects; undefined for a reservation (which has
   *   no signal), and that absence is what marks it one.
   * @param signal - the waiter's signal, if any; it holds this claim as a once-listener until the wait ends.
   */
  constructor(n: number, at: number, drop: DropClaim | undefined, signal: AbortSignal | undefined) {
    // The hook is only ever called with this record, a Claim.
    super((drop ?? noop) as CancelWaiter, signal, n);
    this.latest = Infinity;
    this.planned = at;
  }

  /** The tokens claimed. */
  get n(): number {
    return this.tag;
  }

  /** True for a `wait()`, false for a `reserve()`. */
  get isWaiter(): boolean {
    return this.cancel !== noop;
  }

  /** A reservation's promised time (limiter clock, ms); NaN for a waiter. */
  get at(): number {
    return this.isWaiter ? NaN : this.planned;
  }
}
