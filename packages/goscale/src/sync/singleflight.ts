/**
 * @module `SingleFlight`: collapse concurrent calls with one key into one execution (golang.org/x/sync/singleflight).
 */
import { signalRejection, type SignalOptions } from '../internal/abort.js';
import { describe } from '../internal/args.js';
import { Shared } from './internal/shared.js';

/**
 * Deduplicates concurrent work by key: while a call for a key is in flight, later calls with that key join it
 * instead of running their own `fn`. Go: `golang.org/x/sync/singleflight.Group`; npm: usually a hand-written `Map` of
 * in-flight promises.
 *
 * Invariants:
 * - Keys compare like `Map` keys (SameValueZero). At most one `fn` per key is in flight, except after `forget(key)`.
 * - Once a run settles its key is free: the next call runs `fn` again (nothing is cached). Every caller that joined
 *   gets that run's value or error.
 * - `forget(key)` makes the next call run `fn` anew even while a run is in flight; callers already joined keep
 *   waiting for the old run.
 * - A caller's `signal` governs only that caller's wait: aborting it rejects that call with `signal.reason` and
 *   removes its 'abort' listener; the run goes on for the others. A signal already aborted rejects at once and
 *   starts nothing.
 *
 * `V` bounds the values; each call is typed by its own `fn`. Cost: one map entry and one promise per run; a caller
 * with a signal adds a promise and a waiter record.
 * @example
 * ```ts
 * const flights = new SingleFlight<string, User>();
 * const user = await flights.do(id, () => db.loadUser(id));
 * ```
 */
export class SingleFlight<K = string, V = unknown> {
  readonly #flights = new Map<K, Shared<V>>();

  /** The number of keys with a run in flight. */
  get size(): number {
    return this.#flights.size;
  }

  /**
   * Joins the run in flight for `key`, or starts `fn` (synchronously) as that run.
   * @param key - the deduplication key.
   * @param fn - the work; a non-function rejects with a TypeError and starts nothing.
   * @param options - `signal` aborts this caller's wait only.
   * @returns the value (or rejection) of the run this call joined.
   * @example
   * ```ts
   * const page = await flights.do(url, () => fetchPage(url), { signal });
   * ```
   */
  do<R extends V>(key: K, fn: () => R | PromiseLike<R>, options?: SignalOptions): Promise<R> {
    if (typeof fn !== 'function') {
      return Promise.reject(
        new TypeError(`singleflight: expected \`fn\` to be a function, got ${describe(fn)}`),
      );
    }
    const signal = options?.signal;
    const rejection = signalRejection('singleflight', signal);
    if (rejection !== undefined) return rejection;
    const current = this.#flights.get(key);
    if (current !== undefined) return current.join<R>(signal);
    const flight = new Shared<V>();
    this.#flights.set(key, flight);
    const promise = flight.join<R>(signal);
    flight.run(fn, () => {
      // After forget(key) a newer run may own the key; leave it alone.
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
    return promise;
  }

  /**
   * Forgets the run in flight for `key`, so the next `do(key, …)` runs its `fn` anew. Callers already waiting keep
   * waiting for the old run. A no-op when nothing is in flight.
   * @param key - the key to forget.
   * @example
   * ```ts
   * flights.forget(id); // the user changed: do not join the stale load
   * ```
   */
  forget(key: K): void {
    this.#flights.delete(key);
  }
}
