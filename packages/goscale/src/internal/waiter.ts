/**
 * @module The waiter record of the sync primitives and the Limiter: queue node, promise settlers and abort listener in
 * one object. (A channel's blocked send or receive keeps its own record, `chan/internal/waiter.ts`: a `select`'s
 * nodes share one listener, and a plain one's abort unlinks it from the queue it names.)
 * @internal
 */
import { reasonOf } from './abort.js';
import type { List, ListNode } from './list.js';
import { noop } from './noop.js';

/** Called when a waiter's signal aborts, while the waiter is still linked: the owner unlinks it and re-grants. */
export type CancelWaiter = (waiter: Waiter) => void;

/**
 * One pending call. The record is the list node and (through `handleEvent`) the 'abort' listener too, so a wait
 * costs this object, its promise and the promise's two settle functions, and nothing per call besides.
 */
export class Waiter implements ListNode {
  // Assigned in the constructor rather than by field initializers: one shape, set in one go, on the hot path.
  declare prev: ListNode | undefined;
  declare next: ListNode | undefined;
  declare linked: boolean;
  declare resolve: (value: unknown) => void;
  declare reject: (reason: unknown) => void;
  declare readonly cancel: CancelWaiter;
  declare readonly signal: AbortSignal | undefined;
  declare readonly tag: number;
  /**
   * A queued Mutex `withLock` section, which the Mutex runs itself on hand-off (no async frame waits in between);
   * `undefined` otherwise. A field of every waiter, not of a subclass: one shape keeps the shared code monomorphic
   * (a subclass made Mutex hand-offs up to 6x slower once a Semaphore had used the same code).
   */
  declare fn: (() => unknown) | undefined;

  /**
   * @param cancel - the owner's hook, run on abort before the promise rejects.
   * @param signal - the caller's signal, if any; it holds this waiter as a once-listener until the wait ends.
   * @param tag - owner-defined: a semaphore weight, 1 for an RWMutex writer, 1 when a Mutex waiter wants a Release,
   *   the tokens a Limiter claim takes.
   */
  constructor(cancel: CancelWaiter, signal: AbortSignal | undefined, tag: number) {
    this.cancel = cancel;
    this.signal = signal;
    this.tag = tag;
    this.prev = undefined;
    this.next = undefined;
    this.linked = false;
    this.resolve = noop;
    this.reject = noop;
    this.fn = undefined;
  }

  /** The 'abort' listener (EventTarget calls `handleEvent` on listener objects, which spares a closure per wait). */
  handleEvent(): void {
    this.cancel(this);
    this.reject(reasonOf(this.signal!));
  }

  /** Ends the wait successfully: drops the abort listener, then fulfils. The caller has already unlinked it. */
  settle(value: unknown): void {
    this.signal?.removeEventListener('abort', this);
    this.resolve(value);
  }

  /**
   * Rejects a waiter whose signal has aborted but whose listener has not run yet: the owner found it at the head while
   * granting from inside another 'abort' listener of the same signal. Granting it would hand a permit to a caller
   * that was already told to stop. The caller has already unlinked it.
   */
  abandon(): void {
    this.fail(reasonOf(this.signal!));
  }

  /** Ends the wait with `reason` (a shared run failed): drops the abort listener, then rejects. Already unlinked. */
  fail(reason: unknown): void {
    this.signal?.removeEventListener('abort', this);
    this.reject(reason);
  }
}

/** The waiter `executor` fills in: set just before `new Promise(executor)`, which calls it synchronously. */
let filling: Waiter | undefined;
// One executor for every wait, instead of a fresh closure per `new Promise`.
function executor(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  filling!.resolve = resolve;
  filling!.reject = reject;
}

/** Returns the promise `waiter` settles (its `resolve` and `reject` set); it is not queued nor listening yet. */
export function promiseOf<T>(waiter: Waiter): Promise<T> {
  filling = waiter;
  const promise = new Promise<T>(
    executor as (resolve: (value: T) => void, reject: (reason: unknown) => void) => void,
  );
  filling = undefined;
  return promise;
}

/** Queues `waiter` at the tail of `list` and returns the promise it settles. */
export function enqueue<T>(list: List<Waiter>, waiter: Waiter): Promise<T> {
  const promise = promiseOf<T>(waiter);
  list.push(waiter);
  waiter.signal?.addEventListener('abort', waiter, { once: true });
  return promise;
}
