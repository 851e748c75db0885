/**
 * @module `RWMutex`: a fair, abortable reader/writer lock (Go's `sync.RWMutex`).
 */
import { signalRejection, type SignalOptions } from '../internal/abort.js';
import { describe } from '../internal/args.js';
import { List } from '../internal/list.js';
import { enqueue, Waiter } from '../internal/waiter.js';
import { createRelease, Unlocker, type Release } from './release.js';

// Waiter tags: bit 0 says writer (else reader), bit 1 says the caller wants a Release (else it runs a withLock fn).
const READ = 0;
const WRITE = 1;
const WANTS_RELEASE = 2;

/**
 * A reader/writer lock: any number of readers, or one writer. Go: `sync.RWMutex`; npm: `async-mutex` has no
 * reader/writer lock, so readers usually take the writers' Mutex too.
 *
 * Invariants (one FIFO queue of readers and writers):
 * - A waiting writer blocks new readers, so writers do not starve; a reader enters at once only when no writer holds
 *   the lock and nobody is queued.
 * - Grants go in queue order: a writer at the head enters when the last reader or the writer leaves; the readers at
 *   the head (up to the next queued writer) all enter together, e.g. every reader queued behind a writer when it
 *   leaves. Grants are hand-offs made at release time, so `tryLock`/`tryRLock` never barge past the queue.
 * - An aborted wait rejects with `signal.reason` and leaves nothing (no queue entry, no 'abort' listener). When the
 *   writer waiting at the head is aborted, the readers queued behind it enter at once if no writer holds the lock.
 *   A waiter whose signal has aborted is never granted, even by a release made inside another listener of that signal.
 *
 * Cost: uncontended calls allocate their promise and Release; queueing and aborting are O(1); a release grants the
 * k readers it lets in in O(k).
 * @example
 * ```ts
 * const rw = new RWMutex();
 * const value = await rw.withRLock(() => cache.get(key));
 * await rw.withLock(async () => cache.set(key, await load(key)));
 * ```
 */
export class RWMutex {
  #readers = 0;
  #writer = false;
  readonly #waiters = new List<Waiter>();
  readonly #runlock = (): void => {
    if (--this.#readers === 0) this.#grant();
  };
  readonly #unlock = (): void => {
    this.#writer = false;
    this.#grant();
  };
  readonly #readUnlocker = new Unlocker(this.#runlock);
  readonly #writeUnlocker = new Unlocker(this.#unlock);
  readonly #cancel = (waiter: Waiter): void => {
    const wasHead = this.#waiters.head === waiter;
    this.#waiters.remove(waiter);
    // Only the head can be blocking the others (e.g. a writer waiting for readers to leave holds back later readers).
    if (wasHead) this.#grant();
  };

  /**
   * Waits for a read hold (shared with other readers).
   * @param options - `signal` aborts the wait: the promise rejects with `signal.reason` and the queue is unchanged.
   * @returns a promise of the Release for this read hold.
   * @example
   * ```ts
   * using release = await rw.rlock();
   * ```
   */
  rlock(options?: SignalOptions): Promise<Release> {
    return this.#wait(READ, options);
  }

  /**
   * Waits for the write hold (exclusive).
   * @param options - `signal` aborts the wait: the promise rejects with `signal.reason` and the queue is unchanged;
   *   readers it held back may enter at once.
   * @returns a promise of the Release for this write hold.
   * @example
   * ```ts
   * using release = await rw.lock({ signal });
   * ```
   */
  lock(options?: SignalOptions): Promise<Release> {
    return this.#wait(WRITE, options);
  }

  /**
   * Takes a read hold if that is possible right now (no writer holds the lock and nobody waits).
   * @returns the Release for this read hold, or `undefined`.
   * @example
   * ```ts
   * const release = rw.tryRLock();
   * ```
   */
  tryRLock(): Release | undefined {
    return this.#enter(READ) ? this.#release(READ) : undefined;
  }

  /**
   * Takes the write hold if the lock is entirely free right now.
   * @returns the Release for this write hold, or `undefined`.
   * @example
   * ```ts
   * const release = rw.tryLock();
   * ```
   */
  tryLock(): Release | undefined {
    return this.#enter(WRITE) ? this.#release(WRITE) : undefined;
  }

  /**
   * Runs `fn` under a read hold, released when `fn`'s result settles. If the hold can be taken at
   * once, `fn` starts before this returns; otherwise when its turn comes.
   * @param fn - the reading section; its throw or rejection is passed on after the release.
   * @param options - `signal` aborts the wait for the hold.
   * @returns `fn`'s result.
   * @example
   * ```ts
   * const v = await rw.withRLock(() => cache.get(k));
   * ```
   */
  withRLock<T>(fn: () => T | PromiseLike<T>, options?: SignalOptions): Promise<T> {
    return this.#with(READ, fn, options);
  }

  /**
   * Runs `fn` under the write hold, released when `fn`'s result settles. If the hold can be taken at
   * once, `fn` starts before this returns; otherwise when its turn comes.
   * @param fn - the writing section; its throw or rejection is passed on after the release.
   * @param options - `signal` aborts the wait for the hold.
   * @returns `fn`'s result.
   * @example
   * ```ts
   * await rw.withLock(() => cache.clear());
   * ```
   */
  withLock<T>(fn: () => T | PromiseLike<T>, options?: SignalOptions): Promise<T> {
    return this.#with(WRITE, fn, options);
  }

  #with<T>(mode: number, fn: () => T | PromiseLike<T>, options: SignalOptions | undefined): Promise<T> {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`rwmutex: expected \`fn\` to be a function, got ${describe(fn)}`));
    }
    const signal = options?.signal;
    const rejection = signalRejection('rwmutex', signal);
    if (rejection !== undefined) return rejection;
    const unlocker = mode === WRITE ? this.#writeUnlocker : this.#readUnlocker;
    if (this.#enter(mode)) return unlocker.run(fn);
    return unlocker.runAfter(enqueue(this.#waiters, new Waiter(this.#cancel, signal, mode)), fn);
  }

  #wait(mode: number, options: SignalOptions | undefined): Promise<Release> {
    const signal = options?.signal;
    const rejection = signalRejection('rwmutex', signal);
    if (rejection !== undefined) return rejection;
    if (this.#enter(mode)) return Promise.resolve(this.#release(mode));
    return enqueue(this.#waiters, new Waiter(this.#cancel, signal, mode | WANTS_RELEASE));
  }

  /** Takes a hold of kind `mode` if possible right now: nobody queued and no conflicting holder. */
  #enter(mode: number): boolean {
    if (this.#writer || this.#waiters.length > 0) return false;
    if (mode === READ) this.#readers++;
    else if (this.#readers > 0) return false;
    else this.#writer = true;
    return true;
  }

  #release(mode: number): Release {
    return mode === WRITE ? createRelease('rwmutex', this.#unlock) : createRelease('rwmutex', this.#runlock);
  }

  #grant(): void {
    for (let head = this.#waiters.head; head !== undefined && !this.#writer; head = this.#waiters.head) {
      if (head.signal?.aborted) {
        this.#waiters.shift();
        head.abandon();
        continue;
      }
      const mode = head.tag & WRITE;
      if (mode === WRITE && this.#readers > 0) return;
      if (mode === WRITE) this.#writer = true;
      else this.#readers++;
      this.#waiters.shift();
      head.settle(head.tag & WANTS_RELEASE ? this.#release(mode) : undefined);
    }
  }
}
