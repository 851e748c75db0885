/**
 * @module Test helpers for the pool tests: hand-opened gates and a full microtask flush.
 * @internal
 */

/** A promise the test settles by hand. */
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
