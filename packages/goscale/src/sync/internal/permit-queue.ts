/**
 * @module The `Semaphore`'s engine: its free permits and its FIFO of waiters, granted head first.
 * @internal
 */
import { promiseOf, Waiter } from '../../internal/waiter.js';

type Resolve = (value?: undefined) => void;
/** A queued call: a bare resolve function (one permit, no signal), or a waiter record; `undefined` once granted. */
type Entry = Resolve | Waiter | undefined;

/** Aborted records kept at most (beyond as many as are live) before the queue is rewritten without them. */
const SLACK = 1024;

/**
 * The permits and the queue, as an array with a head index rather than a linked list. The common wait (one permit, no
 * signal) is recorded as nothing but its promise's resolve function: with 200,000 queued at once, what a waiter costs
 * is mostly what the garbage collector copies, and a record of its own (a list node with nine fields) made the
 * semaphore 1.4x slower than a bare array of resolve functions. A weighted or abortable wait keeps a `Waiter`.
 *
 * An abort cannot splice the array, so it marks its record dead (`linked` false) and the record is skipped when it
 * reaches the head; once the dead outnumber the live (and `SLACK`), the queue is rewritten without them, so a million
 * aborted waits behind a held permit keep at most about as many slots as there are live waiters, in amortised O(1).
 *
 * Invariant between calls: the live head, if any, does not fit in `free` (else it would have been granted).
 */
export class PermitQueue {
  /** Permits free right now. */
  free: number;
  /** Live (queued, not aborted) waiters. */
  length = 0;
  #entries: Entry[] = [];
  #head = 0;
  #dead = 0;
  readonly #push = (resolve: Resolve): void => {
    this.#entries.push(resolve);
  };
  readonly #cancel = (waiter: Waiter): void => {
    // Only a queued waiter listens for 'abort', and granting or abandoning it removes the listener first.
    waiter.linked = false;
    this.length--;
    if (++this.#dead > SLACK && this.#dead > this.length) this.#compact();
    // It may have been the head, holding back the ones behind it that fit already.
    this.grant();
  };

  constructor(free: number) {
    this.free = free;
  }

  /** Queues a call for one permit without a signal and returns its promise. */
  waitOne(): Promise<void> {
    this.length++;
    return new Promise(this.#push);
  }

  /** Queues a call for `n` permits, abortable by `signal`, and returns its promise. */
  wait(n: number, signal: AbortSignal | undefined): Promise<void> {
    const waiter = new Waiter(this.#cancel, signal, n);
    const promise = promiseOf<void>(waiter);
    waiter.linked = true;
    this.#entries.push(waiter);
    this.length++;
    signal?.addEventListener('abort', waiter, { once: true });
    return promise;
  }

  /** Grants queued calls, head first, as long as the head fits; stops at the first that does not (no barging). */
  grant(): void {
    const entries = this.#entries;
    let head = this.#head;
    while (head < entries.length) {
      const entry = entries[head]!;
      if (typeof entry === 'function') {
        if (this.free === 0) break;
        this.free--;
        this.length--;
        entries[head++] = undefined;
        entry();
        continue;
      }
      if (!entry.linked) {
        this.#dead--;
      } else if (entry.signal?.aborted) {
        // Aborted, its listener not yet run (we are inside another listener of the same signal): it must not be
        // granted.
        entry.linked = false;
        this.length--;
        entry.abandon();
      } else {
        if (this.free < entry.tag) break;
        this.free -= entry.tag;
        entry.linked = false;
        this.length--;
        entry.settle(undefined);
      }
      entries[head++] = undefined;
    }
    if (head === entries.length) {
      entries.length = 0;
      head = 0;
    } else if (head > SLACK && head * 2 > entries.length) {
      // A queue that never empties (steady contention) would otherwise grow without end.
      this.#entries = entries.slice(head);
      head = 0;
    }
    this.#head = head;
  }

  /** Rewrites the queue without its dead records. */
  #compact(): void {
    const live: Entry[] = [];
    const entries = this.#entries;
    for (let i = this.#head; i < entries.length; i++) {
      const entry = entries[i];
      if (typeof entry === 'function' || entry?.linked === true) live.push(entry);
    }
    this.#entries = live;
    this.#head = 0;
    this.#dead = 0;
  }
}
