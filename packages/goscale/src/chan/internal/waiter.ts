/**
 * @module The record a blocked channel operation leaves in a channel's queue, shared by `Channel` and `select`.
 * @internal
 */
import { List, type ListNode } from '../../internal/list.js';
import { reasonOf } from '../../internal/abort.js';
import { noop } from '../../internal/noop.js';

/** A `select` waiting on several queues at once. Firing any one of its nodes settles it and unlinks the others. */
export interface Selection {
  /** Case `node.index` completed: a receive got `value`/`ok`, or a send's value was taken (`ok` true). */
  win(node: Waiter, value: unknown, ok: boolean): void;
  /** Case `node.index` failed: its channel was closed under a blocked send. */
  fail(node: Waiter, error: unknown): void;
}

/** How a plain (non-select) waiter shapes its result. */
export const RECV = 0;
export const SEND = 1;
export const ITER = 2;

/**
 * A blocked receive or send. It is its own list node (queueing allocates nothing more) and its own 'abort' listener
 * object (`handleEvent`), so a blocked call costs one object, one promise and its executor closure.
 */
export class Waiter implements ListNode {
  prev: ListNode | undefined = undefined;
  next: ListNode | undefined = undefined;
  linked = false;
  resolve: (result: unknown) => void = noop;
  reject: (error: unknown) => void = noop;
  /** Only set on plain waiters: a select listens on the signal itself, once for all its nodes. */
  signal: AbortSignal | undefined = undefined;
  sel: Selection | undefined = undefined;
  index = 0;

  constructor(
    /** RECV, SEND or ITER. */
    readonly kind: number,
    /** The value a sender offers; unused by receivers. */
    readonly value: unknown,
    /** The queue this waiter is (or was) linked into, so an abort can unlink it in O(1). */
    readonly queue: List<Waiter>,
  ) {}

  /** The 'abort' listener of a plain waiter. */
  handleEvent(): void {
    if (this.queue.remove(this)) this.reject(reasonOf(this.signal!));
  }
}

/** Links `w` at the tail of its queue and returns the promise its completion settles; `signal` can abort it. */
export function park(w: Waiter, signal: AbortSignal | undefined): Promise<unknown> {
  const promise = new Promise<unknown>((resolve, reject) => {
    w.resolve = resolve;
    w.reject = reject;
  });
  w.queue.push(w);
  if (signal !== undefined) {
    w.signal = signal;
    signal.addEventListener('abort', w, { once: true });
  }
  return promise;
}

/** Completes a receiver just taken off its queue with `value` (`ok` false: the channel is closed and drained). */
export function deliver(w: Waiter, value: unknown, ok: boolean): void {
  if (w.sel !== undefined) return w.sel.win(w, value, ok);
  if (w.signal !== undefined) w.signal.removeEventListener('abort', w);
  if (w.kind === ITER) w.resolve(ok ? { value, done: false } : { value: undefined, done: true });
  else w.resolve(ok ? { value, ok: true } : { value: undefined, ok: false });
}

/** Completes a sender just taken off its queue: its value has been received or buffered. */
export function release(w: Waiter): void {
  if (w.sel !== undefined) return w.sel.win(w, undefined, true);
  if (w.signal !== undefined) w.signal.removeEventListener('abort', w);
  w.resolve(undefined);
}

/** Fails a waiter just taken off its queue. */
export function fail(w: Waiter, error: unknown): void {
  if (w.sel !== undefined) return w.sel.fail(w, error);
  if (w.signal !== undefined) w.signal.removeEventListener('abort', w);
  w.reject(error);
}

/** What a non-blocking receive returns when it would block. */
export const NONE: unique symbol = Symbol('goscale.chan.none');
/** What a non-blocking receive returns when the channel is closed and drained. */
export const CLOSED: unique symbol = Symbol('goscale.chan.closed');
