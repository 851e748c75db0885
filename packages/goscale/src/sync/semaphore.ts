/**
 * @module `Semaphore`: a weighted, strictly FIFO, abortable semaphore (golang.org/x/sync/semaphore).
 */
import { signalRejection, type SignalOptions } from '../internal/abort.js';
import { checkInteger } from '../internal/args.js';
import { PermitQueue } from './internal/permit-queue.js';

const resolved = Promise.resolve();

/**
 * A weighted semaphore of `size` permits. Go: `golang.org/x/sync/semaphore.Weighted`; npm: `async-sema`'s `Sema`,
 * `async-mutex`'s `Semaphore`.
 *
 * Invariants:
 * - Strict FIFO, no barging: a call is granted only when its permits are free and nobody is queued before it, so a
 *   large waiter at the head is never overtaken by smaller later ones (it would starve otherwise), and `tryAcquire`
 *   returns false while anyone waits.
 * - An aborted `acquire` rejects with `signal.reason` and leaves the semaphore unchanged: no permit taken, no queue
 *   entry, no 'abort' listener. If it was the head, the waiters behind it that now fit are granted at once.
 * - A waiter whose signal has aborted is never granted, not even when permits are freed from inside another 'abort'
 *   listener of the same signal, before its own listener has run.
 * - `available` never goes below 0 nor above `size`; `release(n)` beyond what is held throws and changes nothing.
 *
 * Cost: an uncontended `acquire` allocates nothing (it returns a shared resolved promise); a queued one allocates its
 * promise and an 8-byte queue slot, plus a waiter record when it is weighted or has a signal. Queueing, granting and
 * aborting are O(1) per waiter (amortised). 200,000 queued at once run within a few percent of a bare array of
 * resolve functions (BENCHMARKS.md).
 * @example
 * ```ts
 * const sem = new Semaphore(4);
 * await sem.acquire(1, { signal });
 * try { await work(); } finally { sem.release(); }
 * ```
 */
export class Semaphore {
  readonly #size: number;
  readonly #queue: PermitQueue;

  /**
   * @param size - the number of permits, a safe integer from 1 up; anything else throws (TypeError/RangeError) quoting it.
   */
  constructor(size: number) {
    checkInteger('semaphore', 'size', size, 1);
    this.#size = size;
    this.#queue = new PermitQueue(size);
  }

  /** The total number of permits. */
  get size(): number {
    return this.#size;
  }

  /** Permits free right now (`size` minus those held). */
  get available(): number {
    return this.#queue.free;
  }

  /** The number of queued `acquire` calls (calls, not permits). */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Waits for `n` permits, in arrival order.
   * @param n - an integer from 0 to `size`; `n > size` (which could never be granted) and non-integers reject at once
   *   with a RangeError/TypeError quoting the value.
   * @param options - `signal` aborts the wait: the promise rejects with `signal.reason` and nothing is taken.
   * @returns a promise fulfilled once the `n` permits are held by the caller.
   * @example
   * ```ts
   * await sem.acquire(3);
   * ```
   */
  acquire(n = 1, options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    if (!this.#fits(n)) {
      try {
        this.#check('acquire', n);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const rejection = signalRejection('semaphore', signal);
    if (rejection !== undefined) return rejection;
    const queue = this.#queue;
    if (queue.free >= n && queue.length === 0) {
      queue.free -= n;
      return resolved;
    }
    return n === 1 && signal === undefined ? queue.waitOne() : queue.wait(n, signal);
  }

  /**
   * Takes `n` permits if they are free right now and nobody is queued (Go's `TryAcquire`).
   * @param n - as for `acquire`; misuse throws.
   * @returns true when the permits were taken, false (and nothing changed) otherwise.
   * @example
   * ```ts
   * if (!sem.tryAcquire()) return reply(503);
   * ```
   */
  tryAcquire(n = 1): boolean {
    if (!this.#fits(n)) this.#check('tryAcquire', n);
    const queue = this.#queue;
    if (queue.free < n || queue.length > 0) return false;
    queue.free -= n;
    return true;
  }

  /**
   * Gives back `n` permits and grants queued waiters, head first, as long as the head fits.
   * @param n - a safe integer from 0 up, at most the number held; otherwise throws (e.g.
   *   `semaphore: release(3) exceeds held (1)`) and changes nothing.
   * @example
   * ```ts
   * sem.release(3);
   * ```
   */
  release(n = 1): void {
    if (!this.#fits(n)) checkInteger('semaphore', 'n', n, 0);
    const queue = this.#queue;
    const held = this.#size - queue.free;
    if (n > held) throw new RangeError(`semaphore: release(${n}) exceeds held (${held})`);
    queue.free += n;
    queue.grant();
  }

  /** The common case, checked without calls: an integer from 0 to size. */
  #fits(n: number): boolean {
    return typeof n === 'number' && n >= 0 && n <= this.#size && Number.isInteger(n);
  }

  /** Throws the error `n` deserves; called only when `#fits(n)` is false. */
  #check(method: string, n: number): void {
    checkInteger('semaphore', 'n', n, 0);
    if (n > this.#size) throw new RangeError(`semaphore: ${method}(${n}) exceeds size (${this.#size})`);
  }
}
