/**
 * @module Helpers shared by the library's tests (left out of the build): hand-opened gates, a microtask flush, and
 * abort-listener counting for the leak checks.
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

/** The number of 'abort' listeners on `signal`: what every leak check compares before and after. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}
