/**
 * @module The wire format between a {@link WorkerPool} and its threads: message kinds, result codes and the layout
 * of the small SharedArrayBuffer each thread shares with the pool.
 * @internal
 */
import type { MessagePort } from 'node:worker_threads';

/** Indexes into a thread's shared Int32Array. */
export const Slot = {
  /** The number (wrapping int32) of the last task the thread took from its batch, written before it runs it. */
  TAKEN: 0,
  /**
   * 1 while the pool decides whether to end the thread or takes back tasks it has not started: the thread starts no
   * further task until it reads 0, and then reads its control port first.
   */
  HALT: 1,
  /** How many control messages the pool has posted: the thread drains its control port when this moves. */
  CONTROL: 2,
} as const;
export const SLOTS = 3;

/** How one task ended, as the thread reports it (results travel as flat `[code, value, code, value, …]`). */
export const Code = {
  OK: 0,
  /** `value` is a {@link SerializedError}. */
  ERROR: 1,
  /** Something that is not an Error was thrown; `value` is its structured clone. */
  THROWN: 2,
  /** Cancelled, or taken back by the pool, before the thread took it: it never ran. */
  DROPPED: 3,
} as const;

/** Pool to thread: tasks as flat `[name, arg, name, arg, …]`, in the order the thread must take them. */
export interface BatchMessage {
  tasks: unknown[];
}

/** Pool to thread, on the control port: cancel the task with this number. */
export interface CancelMessage {
  cancel: number;
  reason: unknown;
}

/** Pool to thread, on the control port: skip these tasks (not started yet), which now run on another thread. */
export interface RevokeMessage {
  revoke: number[];
}

export type ControlMessage = CancelMessage | RevokeMessage;

/** Thread to pool. `ready` once, after the task module loaded (or failed to); then results in task order. */
export type ThreadMessage =
  | { ready: true }
  | {
      /** Flat `[code, value, …]` for the next tasks in the order they were sent. */
      results: unknown[];
      /** Milliseconds the thread spent in these tasks: the pool sizes its batches from it. */
      busy: number;
    };

/** What {@link WorkerPool} passes as `workerData`. */
export interface ThreadData {
  moduleUrl: string;
  shared: SharedArrayBuffer;
  control: MessagePort;
}
