/**
 * @module The records of `go()` calls waiting for a slot in a Group's queue.
 * @internal
 */
import { reasonOf } from '../../internal/abort.js';
import { BatchGate } from '../../internal/batch-gate.js';
import type { ListNode } from '../../internal/list.js';
import { noop } from '../../internal/noop.js';

/** A `go()` call waiting for a slot. It is its own list node, so queueing allocates no separate entry. */
export class Admission implements ListNode {
  prev: ListNode | undefined = undefined;
  next: ListNode | undefined = undefined;
  linked = false;

  constructor(readonly fn: (signal: AbortSignal) => unknown) {}

  /**
   * Settles the caller's promise when it is its own (see {@link AbortableAdmission}); plain ones use
   * {@link PlainAdmissions}.
   */
  release(): void {}
}

/**
 * The promises of plain queued `go()` calls (those without a signal), in call order, on a {@link BatchGate}: a call
 * resolves once it has been admitted (`admitOne`), a few microtasks later at most, or when the group drops its queue.
 */
export class PlainAdmissions {
  private readonly _gate = new BatchGate<void>();
  private _dropped = false;

  /** The promise of a plain go() call queued now; it resolves after the call's {@link admitOne} or {@link dropAll}. */
  join(): Promise<void> {
    return this._gate.join(this._handle) as Promise<void>;
  }

  /** The oldest plain call still queued is admitted. */
  admitOne(): void {
    this._gate.admit(undefined);
  }

  /** Every queued plain call is dropped (the group was cancelled): all their promises resolve. */
  dropAll(): void {
    this._dropped = true;
    this._gate.clear(true, undefined, undefined);
  }

  private readonly _handle = (): Promise<unknown> | undefined => {
    if (this._dropped || this._gate.claim()) return undefined;
    return this._gate.park();
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
