/**
 * @module `Release`: the one-shot unlock function returned by `Mutex.lock` and the `RWMutex` lock calls.
 */

/**
 * Gives a held lock back. It is a plain function and also `Disposable`, so both styles work:
 * `const release = await mu.lock(); try { … } finally { release(); }` and `using release = await mu.lock();`.
 *
 * Invariants: each Release belongs to one acquisition and works once. A second call (or a dispose after a call)
 * throws a RangeError and changes nothing, so a stale Release can never unlock someone else's hold.
 * Cost: one closure per acquisition.
 * @example
 * ```ts
 * {
 *   using release = await mu.lock();
 *   balance += 1;
 * } // released here, even on throw
 * ```
 */
export interface Release extends Disposable {
  /** Gives the lock back; the next waiter in line (if any) is granted it before this returns. Throws when repeated. */
  (): void;
}

/** Wraps `unlock` as a one-shot Release whose second call throws a RangeError naming `owner`. @internal */
export function createRelease(owner: string, unlock: () => void): Release {
  let held = true;
  const release = (() => {
    if (!held) throw new RangeError(`${owner}: release called twice (this hold was already released)`);
    held = false;
    unlock();
  }) as Release;
  release[Symbol.dispose] = release;
  return release;
}

/**
 * Runs critical sections for one kind of hold and gives the hold back through `unlock` when each one settles. Its
 * pass-through handlers are made once per lock, so a `withLock` call allocates no closures of its own. @internal
 */
export class Unlocker {
  constructor(readonly unlock: () => void) {}

  readonly #ok = (value: unknown): unknown => {
    this.unlock();
    return value;
  };

  readonly #fail = (error: unknown): never => {
    this.unlock();
    throw error;
  };

  /** Runs `fn` (the hold is already taken); a synchronous outcome unlocks at once, a thenable when it settles. */
  run<T>(fn: () => T | PromiseLike<T>): Promise<T> {
    let result: T | PromiseLike<T>;
    try {
      result = fn();
    } catch (error) {
      this.unlock();
      return Promise.reject(error);
    }
    if (result === null || (typeof result !== 'object' && typeof result !== 'function')) {
      this.unlock();
      return Promise.resolve(result);
    }
    return Promise.resolve(result).then(this.#ok, this.#fail) as Promise<T>;
  }

  /** Waits for `granted` (the hold being handed over), then runs `fn` as `run` does. */
  async runAfter<T>(granted: Promise<unknown>, fn: () => T | PromiseLike<T>): Promise<T> {
    await granted;
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }
}
