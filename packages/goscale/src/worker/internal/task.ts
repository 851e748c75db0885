/**
 * @module One `run()` call as the pool and its threads track it, and the one way it settles.
 * @internal
 */
import type { TransferListItem } from 'node:worker_threads';
import type { ListNode, List } from '../../internal/list.js';
import type { LongTimer } from '../../internal/timer.js';
import { deserializeError, type SerializedError } from './errors.js';
import { Code } from './protocol.js';
import type { Thread } from './thread.js';

/** One `run()` call from acceptance to settlement. */
export interface Entry extends ListNode {
  arg: unknown;
  name: string | undefined;
  transfer: readonly TransferListItem[] | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
  /** The pool queue holding it, while it waits there. */
  list: List<Entry> | undefined;
  /** The thread it was sent to, until that thread reports it or gives it back. */
  thread: Thread | undefined;
  /** Its number on that thread (wrapping int32). */
  index: number;
  /** Settled (resolved, rejected, or aborted and rejected): later news about it is dropped. */
  done: boolean;
  grace: LongTimer | undefined;
}

/** Settles `entry` once and removes its abort listener. */
export function settle(entry: Entry, ok: boolean, value: unknown): void {
  if (entry.done) return;
  entry.done = true;
  if (entry.onAbort !== undefined) entry.signal!.removeEventListener('abort', entry.onAbort);
  if (ok) entry.resolve(value);
  else entry.reject(value);
}

/** Settles `entry` as its thread reported it: `code` and `value` as in {@link Code}. */
export function settleReported(entry: Entry, code: number, value: unknown): void {
  if (code === Code.OK) settle(entry, true, value);
  else if (code === Code.ERROR) settle(entry, false, deserializeError(value as SerializedError));
  else if (code === Code.THROWN) settle(entry, false, value);
  else settle(entry, false, new Error('worker: task dropped without an abort'));
}

const ignore = (): void => {};

/**
 * What stays in a thread's list in place of a task taken back from it: the thread still reports that number (as
 * dropped), and the report settles nothing.
 */
export function takenBack(index: number): Entry {
  return {
    prev: undefined,
    next: undefined,
    linked: false,
    arg: undefined,
    name: undefined,
    transfer: undefined,
    signal: undefined,
    onAbort: undefined,
    resolve: ignore,
    reject: ignore,
    list: undefined,
    thread: undefined,
    index,
    done: true,
    grace: undefined,
  };
}
