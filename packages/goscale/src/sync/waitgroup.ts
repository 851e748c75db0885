/**
 * @module `WaitGroup`: wait for a counted set of tasks to finish (Go's `sync.WaitGroup`).
 */
import { signalRejection, type SignalOptions } from '../internal/abort.js';
import { describe } from '../internal/args.js';
import { List } from '../internal/list.js';
import { enqueue, Waiter } from '../internal/waiter.js';

const resolved = Promise.resolve();

/**
 * A counter of outstanding tasks that callers can wait to reach zero. Go: `sync.WaitGroup`; npm: usually
 * `Promise.all` over an array that must be kept by hand.
 *
 * Invariants:
 * - `count` never goes below zero: an `add`/`done` that would make it negative throws a RangeError and changes nothing.
 * - Every `wait` pending when the counter reaches zero is fulfilled at that moment, in arrival order; the group can
 *   then be reused (a later `add` starts a new round).
 * - An aborted `wait` rejects with `signal.reason` and leaves no queue entry or 'abort' listener; a signal already
 *   aborted rejects even when the count is zero.
 *
 * Cost: `add`/`done` O(1); reaching zero is O(number of waiters); a wait allocates a promise and a waiter record.
 * @example
 * ```ts
 * const wg = new WaitGroup();
 * for (const url of urls) {
 *   wg.add();
 *   void fetch(url).finally(() => wg.done());
 * }
 * await wg.wait({ signal });
 * ```
 */
export class WaitGroup {
  #count = 0;
  readonly #waiters = new List<Waiter>();
  readonly #cancel = (waiter: Waiter): void => void this.#waiters.remove(waiter);

  /** The number of tasks added and not yet done. */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds `delta` (which may be negative) to the counter; at zero, all pending waits are fulfilled.
   * @param delta - a safe integer, 1 by default; a value that would take the counter below zero throws a RangeError
   *   quoting it (e.g. `waitgroup: add(-2) would make the counter negative (1)`) and changes nothing; so does one
   *   that would take it past `Number.MAX_SAFE_INTEGER`, where a double stops counting exactly.
   * @example
   * ```ts
   * wg.add(jobs.length);
   * ```
   */
  add(delta = 1): void {
    if (typeof delta !== 'number' || !Number.isSafeInteger(delta)) {
      const Err = typeof delta === 'number' ? RangeError : TypeError;
      throw new Err(`waitgroup: expected \`delta\` to be an integer, got ${describe(delta)}`);
    }
    const next = this.#count + delta;
    if (next < 0) {
      throw new RangeError(`waitgroup: add(${delta}) would make the counter negative (${this.#count})`);
    }
    // Past 2^53 the sum would be rounded: later done() calls would no longer bring it back to exactly zero.
    if (next > Number.MAX_SAFE_INTEGER) {
      throw new RangeError(
        `waitgroup: add(${delta}) would take the counter (${this.#count}) past Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER})`,
      );
    }
    this.#count = next;
    if (next !== 0) return;
    // Settling only queues promise reactions, so no user code runs (and no add() can interleave) while draining.
    for (let waiter = this.#waiters.shift(); waiter !== undefined; waiter = this.#waiters.shift()) {
      waiter.settle(undefined);
    }
  }

  /**
   * Marks one task done: `add(-1)`. Throws a RangeError when the counter is already zero.
   * @example
   * ```ts
   * try { await work(); } finally { wg.done(); }
   * ```
   */
  done(): void {
    if (this.#count === 0) throw new RangeError('waitgroup: done() called with the counter at 0');
    this.add(-1);
  }

  /**
   * Waits until the counter is zero.
   * @param options - `signal` aborts the wait: the promise rejects with `signal.reason`; the counter is unaffected.
   * @returns a promise fulfilled when the counter reaches (or already is) zero.
   * @example
   * ```ts
   * await wg.wait({ signal: AbortSignal.timeout(5_000) });
   * ```
   */
  wait(options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    const rejection = signalRejection('waitgroup', signal);
    if (rejection !== undefined) return rejection;
    if (this.#count === 0) return resolved;
    return enqueue(this.#waiters, new Waiter(this.#cancel, signal, 0));
  }
}
