/**
 * @module One shared run that many callers wait on, each abortable on its own (used by Once and SingleFlight).
 * @internal
 */
import { List } from '../../internal/list.js';
import { enqueue, Waiter } from '../../internal/waiter.js';

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;

/**
 * The outcome of one run of a function, handed to every caller that joins.
 *
 * Callers without a signal share one promise, created only when the first of them joins, so a rejection nobody
 * asked for is never reported as unhandled. Callers with a signal get their own promise and a waiter in a list; an
 * abort unlinks that waiter in O(1) and the run goes on for the others.
 */
export class Shared<T> {
  #state = PENDING;
  #value: unknown = undefined;
  #promise: Promise<T> | undefined = undefined;
  #resolve: ((value: T) => void) | undefined = undefined;
  #reject: ((reason: unknown) => void) | undefined = undefined;
  #waiters: List<Waiter> | undefined = undefined;
  #cancel: ((waiter: Waiter) => void) | undefined = undefined;

  /** Number of callers with a signal still waiting. */
  get waiting(): number {
    return this.#waiters?.length ?? 0;
  }

  /** True once the run has settled. */
  get settled(): boolean {
    return this.#state !== PENDING;
  }

  /** A promise of the run's outcome for one caller. `signal` must be valid and not aborted (checked by the caller). */
  join<R extends T>(signal: AbortSignal | undefined): Promise<R> {
    if (signal !== undefined && this.#state === PENDING) {
      const waiters = (this.#waiters ??= new List<Waiter>());
      this.#cancel ??= (waiter) => void waiters.remove(waiter);
      return enqueue<R>(waiters, new Waiter(this.#cancel, signal, 0));
    }
    if (this.#promise === undefined) {
      if (this.#state === FULFILLED) this.#promise = Promise.resolve(this.#value as T);
      else if (this.#state === REJECTED) this.#promise = Promise.reject(this.#value);
      else {
        this.#promise = new Promise<T>((resolve, reject) => {
          this.#resolve = resolve;
          this.#reject = reject;
        });
      }
    }
    return this.#promise as Promise<R>;
  }

  /** Runs `fn` now and settles with its outcome; `onSettle` runs first (e.g. to drop a SingleFlight entry). */
  run(fn: () => T | PromiseLike<T>, onSettle?: () => void): void {
    let result: T | PromiseLike<T>;
    try {
      result = fn();
    } catch (error) {
      this.#settle(REJECTED, error, onSettle);
      return;
    }
    if (result === null || (typeof result !== 'object' && typeof result !== 'function')) {
      this.#settle(FULFILLED, result, onSettle);
      return;
    }
    Promise.resolve(result).then(
      (value) => this.#settle(FULFILLED, value, onSettle),
      (error: unknown) => this.#settle(REJECTED, error, onSettle),
    );
  }

  #settle(state: number, value: unknown, onSettle: (() => void) | undefined): void {
    onSettle?.();
    this.#state = state;
    this.#value = value;
    if (state === FULFILLED) this.#resolve?.(value as T);
    else this.#reject?.(value);
    this.#resolve = this.#reject = undefined;
    const waiters = this.#waiters;
    if (waiters === undefined) return;
    for (let waiter = waiters.shift(); waiter !== undefined; waiter = waiters.shift()) {
      if (state === FULFILLED) waiter.settle(value);
      else waiter.fail(value);
    }
  }
}
