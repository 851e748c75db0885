/**
 * @module Shared-memory gates between a test and its pool threads (slot 0: tasks arrived; slot 1: open; slot 2: a
 * value a task reports), and a count of the worker threads the process starts and ends.
 * @internal
 */
import type { Worker } from 'node:worker_threads';

/** `Atomics.waitAsync` (Node 16+), which the ES2023 lib typings lack. */
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
  }
).waitAsync;

/** Resolves once slot `i` of `s` is at least `n`, without polling a clock. */
export async function reach(s: Int32Array, i: number, n: number): Promise<void> {
  for (let v = Atomics.load(s, i); v < n; v = Atomics.load(s, i)) await waitAsync(s, i, v).value;
}

export interface SharedGate {
  buffer: SharedArrayBuffer;
  slots: Int32Array;
  /** Resolves once `n` tasks in total have arrived at the gate. */
  arrived(n: number): Promise<void>;
  open(): void;
}

export function sharedGate(): SharedGate {
  const buffer = new SharedArrayBuffer(3 * 4);
  const slots = new Int32Array(buffer);
  return {
    buffer,
    slots,
    arrived: (n) => reach(slots, 0, n),
    open() {
      Atomics.store(slots, 1, 1);
      Atomics.notify(slots, 1);
    },
  };
}

/** Counts the worker threads started in this process from now on, and how many have exited. */
export function threadCounter() {
  let started = 0;
  let exited = 0;
  const exits: Promise<void>[] = [];
  const onWorker = (worker: Worker) => {
    started++;
    exits.push(new Promise((resolve) => worker.once('exit', () => resolve(void exited++))));
  };
  process.on('worker', onWorker);
  return {
    get started() {
      return started;
    },
    get alive() {
      return started - exited;
    },
    /** Resolves when every thread started so far has exited. */
    allExited: () => Promise.all(exits).then(() => undefined),
    stop: () => void process.off('worker', onWorker),
  };
}
