/**
 * @module Test helpers for the channel tests: observe a promise's state synchronously, drain the microtask queue.
 */
import { getEventListeners } from 'node:events';

/** A promise's state as last observed. */
export interface Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  value: T | undefined;
  error: unknown;
}

/** Records the outcome of `promise` as it settles, so tests can assert "still pending" without timing. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { state: 'pending', value: undefined, error: undefined };
  promise.then(
    (value) => {
      t.state = 'fulfilled';
      t.value = value;
    },
    (error: unknown) => {
      t.state = 'rejected';
      t.error = error;
    },
  );
  return t;
}

/** Resolves after every queued microtask (and the promise reactions they queue) has run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How many 'abort' listeners `signal` has. */
export function listeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}
