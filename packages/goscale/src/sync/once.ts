/**
 * @module `Once`: run a function once ever and share its outcome (Go's `sync.Once` / `sync.OnceValue`).
 */
import { signalRejection, type SignalOptions } from '../internal/abort.js';
import { describe } from '../internal/args.js';
import { Shared } from './internal/shared.js';

/**
 * Runs a function at most once and gives every caller its result or its error. Go: `sync.Once` (`sync.OnceValue`
 * for the value); npm: `lodash.once` or a module-level promise (same sharing, but no per-caller abort).
 *
 * Invariants:
 * - The first `do` call (with a valid `fn` and a signal that is not already aborted) runs its `fn` synchronously;
 *   no later call runs anything. Every caller, before or after it settles, gets the same value or the same error;
 *   a failure is not retried.
 * - A caller's `signal` governs only that caller's wait: aborting it rejects that call with `signal.reason` and
 *   removes its 'abort' listener; the run goes on and its outcome still reaches everyone else. A signal already
 *   aborted rejects at once and, on the first call, does not use up the Once.
 *
 * `T` (default `unknown`) bounds what `fn` may return; each call is typed by its own `fn`, so set `T` when call sites
 * pass different functions. Cost: one promise per run; a caller with a signal adds a promise and a waiter record.
 * @example
 * ```ts
 * const init = new Once<Db>();
 * const db = await init.do(() => connect(url));
 * ```
 */
export class Once<T = unknown> {
  #shared: Shared<T> | undefined = undefined;

  /** True once `fn` has been started (it may still be running). */
  get started(): boolean {
    return this.#shared !== undefined;
  }

  /**
   * Runs `fn` if no call has yet, and resolves with the outcome of that one run.
   * @param fn - the function; a non-function rejects with a TypeError and starts nothing.
   * @param options - `signal` aborts this caller's wait only.
   * @returns the value (or the rejection) of the single run.
   * @example
   * ```ts
   * await once.do(setup, { signal });
   * ```
   */
  do<R extends T>(fn: () => R | PromiseLike<R>, options?: SignalOptions): Promise<R> {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`once: expected \`fn\` to be a function, got ${describe(fn)}`));
    }
    const signal = options?.signal;
    const rejection = signalRejection('once', signal);
    if (rejection !== undefined) return rejection;
    if (this.#shared !== undefined) return this.#shared.join<R>(signal);
    const shared = (this.#shared = new Shared<T>());
    // Join before running, so a synchronous outcome still reaches this caller through the same path.
    const promise = shared.join<R>(signal);
    shared.run(fn);
    return promise;
  }
}
