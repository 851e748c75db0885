/**
 * @module Helpers shared by the library's tests (left out of the build): hand-opened gates, a microtask flush, a
 * promise's state observed without waiting, and abort-listener counting for the leak checks.
 * @internal
 */
import { getEventListeners } from 'node:events';

/** A promise the test settles by hand: holds a task until the test lets it go. */
export interface Gate<T = void> {
  promise: Promise<T>;
  open(value: T): void;
  fail(reason: unknown): void;
}

/** Creates a {@link Gate}. */
export function gate<T = void>(): Gate<T> {
  let open!: (value: T) => void;
  let fail!: (reason: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

/** Resolves once every queued microtask (and those they queue) has run: a macrotask boundary, not a clock. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Whether `promise` has settled by the time the microtask queue is drained. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush();
  return settled;
}

/** A promise's state as last observed. */
export interface Tracked<T> {
  state: 'pending' | 'fulfilled' | 'rejected';
  /** True once settled either way. */
  done: boolean;
  value: T | undefined;
  error: unknown;
}

/** Records the outcome of `promise` as it settles, so tests can assert "still pending" without timing. */
export function track<T>(promise: Promise<T>): Tracked<T> {
  const t: Tracked<T> = { state: 'pending', done: false, value: undefined, error: undefined };
  promise.then(
    (value) => {
      t.state = 'fulfilled';
      t.done = true;
      t.value = value;
    },
    (error: unknown) => {
      t.state = 'rejected';
      t.done = true;
      t.error = error;
    },
  );
  return t;
}

/** The number of 'abort' listeners on `signal`: what every leak check compares before and after. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}
