/**
 * @module The records of `go()` calls waiting for a slot in a Group's queue.
 * @internal
 */
import { reasonOf } from '../../internal/abort.js';
import type { ListNode } from '../../internal/list.js';

const noop = (): void => {};

// A promise executor runs synchronously, so one shared executor can hand `resolve` out through a variable: a promise
// of our own then allocates no closure beyond its resolving functions.
let captured: () => void = noop;
const capture = (resolve: () => void): void => {
  captured = resolve;
};

/** A `go()` call waiting for a slot. It is its own list node, so queueing allocates no separate entry. */
export class Admission implements ListNode {
  prev: ListNode | undefined = undefined;
  next: ListNode | undefined = undefined;
  linked = false;

  constructor(readonly fn: (signal: AbortSignal) => unknown) {}

  /** Settles the caller's promise when it is its own (see {@link AbortableAdmission}); plain ones use {@link Waves}. */
  release(): void {}
}

/** Calls per wave: bigger saves gate promises, smaller bounds the calls woken before their admission. */
const WAVE = 32;

interface Wave {
  promise: Promise<void>;
  open: () => void;
  size: number;
}

/**
 * The promises of plain queued `go()` calls (those without a signal), in call order. Why waves: a million queued
 * calls cost mostly the garbage collector walking what waits, and a promise with its own resolving functions is
 * about twice the bytes of a reaction on a shared promise. So up to WAVE calls get `then`s on one wave gate. When a
 * call is admitted (a reservation), enough waves open for a handler to reach it; handlers run in call order and
 * take the reservations first come, first served, which is admission order because admission is FIFO. A handler
 * that finds no reservation (its wave opened for an earlier call) parks on a promise of its own until the next
 * admission: at most WAVE - 1 do per opening. A go() promise thus resolves after its task is admitted, a few
 * microtasks later at most.
 */
export class Waves {
  private _waves: Wave[] = [];
  private _head = 0;
  private _tail: Wave | undefined = undefined;
  /** Handlers of opened waves that have not run yet; reservations go to the first of them. */
  private _inFlight = 0;
  private _reserved = 0;
  private _parked: (() => void)[] = [];
  private _parkedHead = 0;
  private _dropped = false;

  /** The promise of a plain go() call queued now; it resolves after the call's {@link admitOne} or {@link dropAll}. */
  join(): Promise<void> {
    let wave = this._tail;
    if (wave === undefined || wave.size === WAVE) {
      const promise = new Promise<void>(capture);
      wave = this._tail = { promise, open: captured, size: 0 };
      this._waves.push(wave);
    }
    wave.size++;
    return wave.promise.then(this._handle);
  }

  /** The oldest plain call still queued is admitted. */
  admitOne(): void {
    if (this._parkedHead < this._parked.length) {
      const wake = this._parked[this._parkedHead]!;
      this._parked[this._parkedHead++] = undefined!;
      if (this._parkedHead === this._parked.length) {
        this._parked = [];
        this._parkedHead = 0;
      }
      wake();
      return;
    }
    this._reserved++;
    while (this._inFlight < this._reserved) this._openNext();
  }

  /** Every queued plain call is dropped (the group was cancelled): all their promises resolve. */
  dropAll(): void {
    this._dropped = true;
    while (this._head < this._waves.length) this._openNext();
    for (let i = this._parkedHead; i < this._parked.length; i++) this._parked[i]!();
    this._parked = [];
    this._parkedHead = 0;
  }

  private _openNext(): void {
    const wave = this._waves[this._head]!;
    this._waves[this._head++] = undefined!;
    if (this._head === this._waves.length) {
      this._waves = [];
      this._head = 0;
    }
    if (wave === this._tail) this._tail = undefined;
    this._inFlight += wave.size;
    wave.open();
  }

  private readonly _handle = (): Promise<void> | undefined => {
    if (this._dropped) return undefined;
    this._inFlight--;
    if (this._reserved > 0) {
      this._reserved--;
      return undefined;
    }
    return new Promise<void>((wake) => this._parked.push(wake));
  };
}

/**
 * A waiting `go()` with the caller's signal: only these pay for the fields an abort needs. Aborting it calls
 * `onAbort(node)`, which must unlink the node and then call `abort()`.
 */
export class AbortableAdmission extends Admission {
  resolve: () => void = noop;
  #reject: (reason: unknown) => void = noop;
  readonly #signal: AbortSignal;
  readonly #listener = (): void => this.onAbort(this);

  constructor(
    fn: (signal: AbortSignal) => unknown,
    signal: AbortSignal,
    readonly onAbort: (node: AbortableAdmission) => void,
  ) {
    super(fn);
    this.#signal = signal;
  }

  /** Returns the promise the caller of go() gets. Call once, right after construction. */
  admitted(): Promise<void> {
    const promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.#reject = reject;
    });
    this.#signal.addEventListener('abort', this.#listener, { once: true });
    return promise;
  }

  override release(): void {
    this.#signal.removeEventListener('abort', this.#listener);
    this.resolve();
  }

  /** Rejects the caller's promise with the signal's reason (the `once` listener is already gone). */
  abort(): void {
    this.#reject(reasonOf(this.#signal));
  }
}
