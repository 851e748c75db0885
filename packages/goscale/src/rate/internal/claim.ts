/**
 * @module The queue record of the `Limiter`: one pending `wait()` or one promised `reserve()`.
 * @internal
 */
import { reasonOf } from '../../internal/abort.js';
import type { ListNode } from '../../internal/list.js';
import { noop } from '../../internal/noop.js';

/** Called when a waiter's signal aborts while it is still queued: the limiter unlinks it and re-plans. */
export type DropClaim = (claim: Claim) => void;

/**
 * A claim on `n` tokens that has not taken them yet. A waiter (`at` is NaN) takes them as soon as it is at the head
 * of the queue and the bucket holds `n`; a reservation takes them at its promised time `at`, because its holder acts
 * then whatever happens (it was told `delayMs`).
 *
 * The record is the list node and (through `handleEvent`) the 'abort' listener too, so a queued wait costs this
 * object and its promise, nothing else.
 */
export class Claim implements ListNode {
  prev: ListNode | undefined = undefined;
  next: ListNode | undefined = undefined;
  linked = false;
  resolve: () => void = noop;
  reject: (reason: unknown) => void = noop;
  /**
   * The latest time it will be served, committed when a reservation was made behind it (that reservation's time came
   * from this plan): `at` for a reservation, the waiter's planned time for a waiter ahead of one, Infinity otherwise.
   */
  latest = Infinity;
  /** When the current tail plan serves it (kept for a waiter, so that a reservation can commit it in O(1)). */
  planned = NaN;

  /**
   * @param n - the tokens claimed.
   * @param at - the promised time (limiter clock, ms) of a reservation; NaN for a waiter.
   * @param drop - the owner's hook, run on abort before the promise rejects.
   * @param signal - the waiter's signal, if any; it holds this claim as a once-listener until the wait ends.
   */
  constructor(
    readonly n: number,
    readonly at: number,
    readonly drop: DropClaim | undefined,
    readonly signal: AbortSignal | undefined,
  ) {}

  /** True for a `wait()`, false for a `reserve()`. */
  get isWaiter(): boolean {
    return this.at !== this.at;
  }

  /** The 'abort' listener (EventTarget calls `handleEvent` on listener objects, which spares a closure per wait). */
  handleEvent(): void {
    this.drop?.(this);
    this.reject(reasonOf(this.signal!));
  }

  /** Ends a wait successfully: drops the abort listener, then fulfils. The caller has already unlinked it. */
  settle(): void {
    this.signal?.removeEventListener('abort', this);
    this.resolve();
  }

  /** Ends a wait with `reason`: drops the abort listener, then rejects. The caller has already unlinked it. */
  fail(reason: unknown): void {
    this.signal?.removeEventListener('abort', this);
    this.reject(reason);
  }
}
