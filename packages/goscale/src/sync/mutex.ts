/**
 * @module `Mutex`: a fair, abortable mutual-exclusion lock (Go's `sync.Mutex`).
 */
import { signalRejection, type SignalOptions } from '../internal/abort.js';
import { describe } from '../internal/args.js';
import { List } from '../internal/list.js';
import { enqueue, Waiter } from '../internal/waiter.js';
import { createRelease, Unlocker, type Release } from './release.js';

const resolved = Promise.resolve();

/**
 * A mutual-exclusion lock. Go: `sync.Mutex`; npm: `async-mutex`'s `Mutex`.
 *
 * Invariants:
 * - Strict FIFO: the lock passes from holder to the longest waiter directly, at release time, so no later caller
 *   (not even `tryLock`) can barge in between; `tryLock` fails while the lock is held, hence while anyone waits.
 * - An aborted wait rejects with `signal.reason` and leaves nothing: its queue entry and 'abort' listener are gone
 *   and the lock is exactly as it was. A signal that is already aborted rejects even when the lock is free.
 * - A successful wait also removes its 'abort' listener. A waiter whose signal has aborted is never granted the lock,
 *   not even by an unlock that runs inside another 'abort' listener of the same signal.
 *
 * Cost: an uncontended `lock()` allocates its promise and its Release; a queued one adds one waiter record.
 * Queueing, granting and aborting are O(1) whatever the queue length (async-mutex pays O(n)).
 * @example
 * ```ts
 * const mu = new Mutex();
 * {
 *   using release = await mu.lock({ signal });
 *   await writeFile(path, await render());
 * }
 * ```
 */
export class Mutex {
  #locked = false;
  readonly #waiters = new List<Waiter>();
  /** The queued withLock call whose turn it is: handed the lock, its fn about to run or running. One at a time. */
  #turn: Waiter | undefined = undefined;
  readonly #unlock = (): void => {
    let next = this.#waiters.shift();
    while (next?.signal?.aborted) {
      next.abandon();
      next = this.#waiters.shift();
    }
    // Hand-off: the lock stays taken and passes straight to the next waiter, so nobody can overtake it.
    if (next === undefined) this.#locked = false;
    else if (next.fn === undefined) next.settle(createRelease('mutex', this.#unlock));
    else {
      // A queued withLock runs its fn here rather than behind an awaited grant (one record, no async frame). It runs
      // in a microtask, not on this stack: release() must not run someone else's section, and a long queue of
      // synchronous sections must not nest one call deeper per hand-off. A reaction on a resolved promise, not
      // queueMicrotask, which in Node allocates an AsyncResource and a bound function per call (3x slower here).
      next.signal?.removeEventListener('abort', next);
      this.#turn = next;
      void resolved.then(this.#runTurn);
    }
  };
  readonly #runTurn = (): void => {
    const turn = this.#turn!;
    const fn = turn.fn!;
    turn.fn = undefined;
    let result: unknown;
    try {
      result = fn();
    } catch (error) {
      this.#endTurn(error, false);
      return;
    }
    if (result === null || (typeof result !== 'object' && typeof result !== 'function'))
      this.#endTurn(result, true);
    else Promise.resolve(result).then(this.#turnOk, this.#turnFail);
  };
  // Made once per lock: only one turn runs at a time, so they find it in #turn instead of closing over it.
  readonly #turnOk = (value: unknown): void => this.#endTurn(value, true);
  readonly #turnFail = (error: unknown): void => this.#endTurn(error, false);
  readonly #unlocker = new Unlocker(this.#unlock);
  // A waiter is only ever queued while the lock is held, so unlinking one never lets anyone else in.
  readonly #cancel = (waiter: Waiter): void => void this.#waiters.remove(waiter);

  /** Gives the lock on (as `finally` would), then settles the caller's promise, as an unqueued withLock does. */
  #endTurn(outcome: unknown, ok: boolean): void {
    const turn = this.#turn!;
    this.#turn = undefined;
    this.#unlock();
    if (ok) turn.resolve(outcome);
    else turn.reject(outcome);
  }

  /** True while someone holds the lock. */
  get locked(): boolean {
    return this.#locked;
  }

  /**
   * Waits for the lock.
   * @param options - `signal` aborts the wait: the promise rejects with `signal.reason` and the queue is unchanged.
   * @returns a promise of the Release for this hold, fulfilled in arrival order.
   * @example
   * ```ts
   * const release = await mu.lock();
   * try { await critical(); } finally { release(); }
   * ```
   */
  lock(options?: SignalOptions): Promise<Release> {
    const signal = options?.signal;
    const rejection = signalRejection('mutex', signal);
    if (rejection !== undefined) return rejection;
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(createRelease('mutex', this.#unlock));
    }
    return enqueue(this.#waiters, new Waiter(this.#cancel, signal, 0));
  }

  /**
   * Takes the lock if it is free right now (Go's `TryLock`).
   * @returns the Release for this hold, or `undefined` when the lock is held (or anyone is waiting for it).
   * @example
   * ```ts
   * const release = mu.tryLock();
   * if (release) try { flush(); } finally { release(); }
   * ```
   */
  tryLock(): Release | undefined {
    if (this.#locked) return undefined;
    this.#locked = true;
    return createRelease('mutex', this.#unlock);
  }

  /**
   * Runs `fn` holding the lock and releases it when `fn`'s result settles, fulfilled or not. When the lock is free,
   * `fn` starts at once, before `withLock` returns (as in Go); otherwise when its turn comes. Cost: a free lock adds no
   * allocation beyond the returned promise; a queued call adds one waiter record (it holds `fn`, which the lock runs on
   * hand-off in a microtask), and no async frame.
   * @param fn - the critical section; a throw or rejection releases the lock and is passed on.
   * @param options - `signal` aborts the wait for the lock (not `fn` once it runs).
   * @returns `fn`'s result. A non-function `fn` rejects with a TypeError and takes nothing.
   * @example
   * ```ts
   * const n = await mu.withLock(async () => ++counter);
   * ```
   */
  withLock<T>(fn: () => T | PromiseLike<T>, options?: SignalOptions): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`mutex: expected \`fn\` to be a function, got ${describe(fn)}`));
    }
    const signal = options?.signal;
    const rejection = signalRejection('mutex', signal);
    if (rejection !== undefined) return rejection;
    if (!this.#locked) {
      this.#locked = true;
      return this.#unlocker.run(fn);
    }
    const waiter = new Waiter(this.#cancel, signal, 0);
    waiter.fn = fn;
    return enqueue(this.#waiters, waiter);
  }
}
