/**
 * @module The batch gate: queued calls that share one promise per batch, admitted one at a time in call order. The
 * engine under `limit`'s queue and a Group's queued `go()` calls.
 * @internal
 */
import { noop } from './noop.js';

/**
 * Members per batch: bigger saves gate promises, smaller bounds the calls woken without a reservation (each of which
 * parks on a promise of its own, at most BATCH - 1 per opening). Measured once for both users, side by side in one
 * process on a loaded 2-core machine (CPU time per call, medians of 9 alternating rounds, spread in brackets), 8
 * against the sizes each used before (limit's epochs of 8, Group's waves of 32):
 * - 1,000,000 calls queued at once behind `limit(100)`: 8 here is level with the old epochs of 8 (0.99x, [0.94,
 *   1.05]); 32 here is 7% slower than them (0.93x, [0.85, 1.04]), as limit's own earlier measurement found.
 * - 1,000,000 unawaited `go()` calls behind `Group({ limit: 100 })`: 8 is 7% faster than the old waves of 32 (1.07x,
 *   [0.92, 1.28]); 32 here is level with them (1.06x, [0.76, 1.39]). The price: about 20 bytes more per queued call
 *   (235 B against 215 B per waiting go(), 200,000 queued).
 */
export const BATCH = 8;

interface Batch<V> {
  promise: Promise<V>;
  open: (value: V) => void;
  size: number;
}

// A promise executor runs synchronously, so one shared executor can hand `resolve` out through a variable: a batch
// promise then allocates no closure beyond its resolving functions.
let captured: (value: unknown) => void = noop;
function capture(resolve: (value: unknown) => void): void {
  captured = resolve;
}

/**
 * Why batches: a waiting call must hold a promise reaction registered while its caller runs (that reaction is what
 * carries the caller's async context and what its returned promise is). A promise with its own two resolving
 * functions per call would double the bytes a waiting call holds, and with a million of them the time goes mostly to
 * the garbage collector walking what waits. So up to BATCH calls hang `then`s on one shared gate. When the owner
 * admits a call (`admit`: a reservation), enough batches open for a handler to reach it; handlers run in call order
 * and {@link claim} the reservations first come, first served, which is admission order because admission is FIFO.
 * A handler that finds none (its batch opened for an earlier call) {@link park}s on a promise of its own until the
 * next admission.
 *
 * Invariants: every handler of an opened batch runs exactly once, in call order; a parked handler is woken by the
 * next `admit` before any new reservation is made; `clear` forgets everything queued, opening it only when told to.
 * Cost: per waiting call, one reaction on a shared promise; per BATCH calls, one promise and its resolvers.
 */
export class BatchGate<V> {
  private _batches: Batch<V>[] = [];
  private _head = 0;
  private _tail: Batch<V> | undefined = undefined;
  /** Handlers of opened batches that have not run yet; reservations go to the first of them. */
  private _inFlight = 0;
  private _reserved = 0;
  private _parked: ((wake: unknown) => void)[] = [];
  private _parkedHead = 0;

  /** Admissions made that no handler has claimed yet. */
  get reserved(): number {
    return this._reserved;
  }

  /** Handlers parked, waiting for an admission. */
  get parked(): number {
    return this._parked.length - this._parkedHead;
  }

  /** Queues one call: `handler` runs (in call order) once its batch opens, with the value it was opened with. */
  join<R>(handler: (value: V) => R): Promise<Awaited<R>> {
    let batch = this._tail;
    if (batch === undefined || batch.size === BATCH) {
      const promise = new Promise<V>(capture as (resolve: (value: V) => void) => void);
      batch = { promise, open: captured, size: 0 };
      this._tail = batch;
      this._batches.push(batch);
    }
    batch.size++;
    return batch.promise.then(handler) as Promise<Awaited<R>>;
  }

  /** Admits the oldest queued call: wakes the oldest parked handler, or reserves and opens batches with `value`. */
  admit(value: V): void {
    if (this._parkedHead < this._parked.length) {
      const wake = this._parked[this._parkedHead]!;
      this._parked[this._parkedHead++] = undefined!;
      // Parked handlers are few (fewer than BATCH per opening), so emptying is the only compaction needed.
      if (this._parkedHead === this._parked.length) {
        this._parked = [];
        this._parkedHead = 0;
      }
      wake(undefined);
      return;
    }
    this._reserved++;
    while (this._inFlight < this._reserved) this._openNext(value);
  }

  /** Called once by every handler of the current queue: whether it takes a reservation (else it must park). */
  claim(): boolean {
    this._inFlight--;
    if (this._reserved === 0) return false;
    this._reserved--;
    return true;
  }

  /** A handler without a reservation waits here; resolves with `undefined` on admission, or `clear`'s `wake`. */
  park(): Promise<unknown> {
    return new Promise((wake) => this._parked.push(wake));
  }

  /**
   * Forgets every queued call and reservation. With `open`, the forgotten batches open with `value` and the parked
   * handlers wake with `wake`; without it, they stay pending for ever (their promises are only garbage).
   */
  clear(open: boolean, value: V, wake: unknown): void {
    const batches = this._batches.slice(this._head);
    const parked = this._parked.slice(this._parkedHead);
    this._batches = [];
    this._head = 0;
    this._tail = undefined;
    this._inFlight = 0;
    this._reserved = 0;
    this._parked = [];
    this._parkedHead = 0;
    if (!open) return;
    for (const batch of batches) batch.open(value);
    for (const w of parked) w(wake);
  }

  private _openNext(value: V): void {
    const batch = this._batches[this._head]!;
    this._batches[this._head++] = undefined!;
    if (this._head === this._batches.length) {
      this._batches = [];
      this._head = 0;
    }
    if (batch === this._tail) this._tail = undefined;
    this._inFlight += batch.size;
    batch.open(value);
  }
}
