/**
 * @module The records of `go()` calls waiting for a slot in a Group's queue.
 * @internal
 */
import { reasonOf } from './abort.js';
import type { ListNode } from './list.js';

const noop = (): void => {};

// A promise executor runs synchronously, so one shared executor can hand `resolve` out through a variable: a queued
// go() then allocates no closure of its own (a million queued calls cost mostly allocation and GC).
let captured: () => void = noop;
const capture = (resolve: () => void): void => {
  captured = resolve;
};

/** A `go()` call waiting for a slot. It is its own list node, so queueing allocates no separate entry. */
export class Admission implements ListNode {
  prev: ListNode | undefined = undefined;
  next: ListNode | undefined = undefined;
  linked = false;
  protected resolve: () => void = noop;

  constructor(readonly fn: (signal: AbortSignal) => unknown) {}

  /** Returns the promise the caller of go() gets. Call once, right after construction. */
  admitted(): Promise<void> {
    const promise = new Promise<void>(capture);
    this.resolve = captured;
    return promise;
  }

  /** Settles the caller's promise: the task is about to start, or is dropped because the group was cancelled. */
  release(): void {
    this.resolve();
  }
}

/**
 * A waiting `go()` with the caller's signal: only these pay for the fields an abort needs. Aborting it calls
 * `onAbort(node)`, which must unlink the node and then call `abort()`.
 */
export class AbortableAdmission extends Admission {
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

  override admitted(): Promise<void> {
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
