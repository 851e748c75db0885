/**
 * @module WorkerPool: run a module's function on a fixed set of worker threads, with `{ signal }` that stops the work.
 */
import type { ResourceLimits } from 'node:worker_threads';
import { abortedRejection, reasonOf } from '../internal/abort.js';
import { List } from '../internal/list.js';
import { settle, type Entry } from './internal/task.js';
import { Balance } from './internal/balance.js';
import { Thread, type ThreadHost } from './internal/thread.js';
import { checkRunOptions, readPoolOptions, type RunOptions, type WorkerPoolOptions } from './options.js';

/**
 * A pool of worker threads that runs the function a module exports, like piscina: `run(arg)` calls the module's
 * default export (or the export `name`) with `(arg, { signal })` on a free thread and resolves with its result.
 * Existing piscina worker files work unchanged (they take `arg` and ignore the rest; `Piscina.move()` results are
 * transferred).
 *
 * Invariants:
 * - Tasks are handed to threads in `run()` order (tasks given back by a thread go first), and each thread starts its
 *   tasks one at a time in that order. A thread is sent ahead about 1 ms of tasks by the mean task time it reports,
 *   and at least one beyond the task it runs: tiny tasks travel in batches, and a thread never waits for the pool
 *   between two long ones.
 * - No task waits long behind another while a thread could run it: tasks sent ahead to a thread and not started are
 *   taken back and given to another when the thread is late (silent for twice its mean task time, at least 2 ms) or,
 *   once nothing else waits, for an idle thread when its tasks are long (0.5 ms and more).
 * - Arguments and results are structured clones (`transfer` and `move()` hand buffers over instead). An error thrown
 *   in a task rejects `run()` with the same built-in class (`TypeError`, `AggregateError`, …; a user class arrives
 *   as an `Error` whose `name` says it), message, the worker's stack, `cause` and own fields such as `code`.
 * - Abort: a queued task leaves the queue at once. A running one is rejected at once with `signal.reason`; the task's
 *   own `signal` aborts in the thread, and if the task has not finished `abortGraceMs` later (a loop that never
 *   awaits cannot see the signal), its thread is ended and a new one started: no task keeps a core forever. Either
 *   way the promise rejects with `signal.reason` and no listener is left on the caller's signal.
 * - A thread that crashes (an uncaught error, `process.exit`, out of memory under `resourceLimits`) is replaced: its
 *   running task rejects with the thread's error, tasks it had not started run on another thread. No task is lost
 *   or run twice.
 * - `close()` lets every accepted task finish, then ends the threads; `run()` after it rejects with a TypeError.
 * - Idle threads do not keep the process alive; threads with work do.
 *
 * Cost: a thread costs its start-up (tens of ms) and memory once (see BENCHMARKS.md); a task costs a structured
 * clone each way and its share of one message per batch. Use it for work that takes more than that — CPU-bound
 * functions — not for I/O, which the main thread already runs concurrently.
 * @example
 * ```ts
 * const pool = new WorkerPool(new URL('./hash.js', import.meta.url));
 * const digests = await map(files, (f, _i, signal) => pool.run(f, { signal }), { concurrency: pool.threads });
 * await pool.close();
 * ```
 */
export class WorkerPool implements AsyncDisposable {
  readonly #moduleUrl: string;
  readonly #threads: number;
  readonly #maxQueue: number;
  readonly #resourceLimits: ResourceLimits | undefined;
  readonly #host: ThreadHost;
  /** Threads that take work. */
  readonly #live: Thread[] = [];
  /** Threads not exited yet (live, or ending). */
  readonly #all = new Set<Thread>();
  /** Tasks taken back from a thread that went away without starting them: they go first. */
  readonly #retry = new List<Entry>();
  readonly #queue = new List<Entry>();
  #scheduled = false;
  readonly #balance = new Balance(() => this.#dispatch());
  #closing = false;
  #closed: Promise<void> | undefined;
  #finish: (() => void) | undefined;

  /**
   * @param moduleUrl - The task module: a `file:` URL (string or URL) or an absolute path.
   * @param options - See {@link WorkerPoolOptions}; a bad value throws a TypeError or RangeError quoting it.
   */
  constructor(moduleUrl: string | URL, options: WorkerPoolOptions = {}) {
    const { url, threads, maxQueue, idleMs, abortGraceMs, resourceLimits } = readPoolOptions(
      moduleUrl,
      options,
    );
    this.#moduleUrl = url;
    this.#threads = threads;
    this.#maxQueue = maxQueue;
    this.#resourceLimits = resourceLimits;
    this.#host = {
      graceMs: abortGraceMs,
      idleMs,
      drained: () => this.#dispatch(),
      leaving: (thread, replace) => {
        this.#remove(thread);
        if (replace && !this.#closing) this.#spawn();
        this.#dispatch();
      },
      exited: (thread, untaken, crashed, failure) => this.#exited(thread, untaken, crashed, failure),
    };
    for (let i = 0; i < threads; i++) this.#spawn();
  }

  /** The number of threads the pool runs when busy: the `concurrency` to give `map` to use them all. */
  get threads(): number {
    return this.#threads;
  }

  /** Tasks accepted and not started yet (waiting in the pool, or sent ahead to a thread). */
  get queued(): number {
    let n = this.#queue.length + this.#retry.length;
    for (const thread of this.#live) n += thread.waiting;
    return n;
  }

  /** Threads running a task now (at most {@link threads}). */
  get running(): number {
    let n = 0;
    for (const thread of this.#all) if (thread.busy) n++;
    return n;
  }

  /**
   * Runs the task module's export `name` (default: the default export) with `arg` on a thread.
   *
   * @returns Settles with the task's result or error (see {@link WorkerPool} for how errors cross); rejects with
   *   `signal.reason` on abort, at once, and with an Error when `maxQueue` tasks already wait. Misuse (a bad option,
   *   `run()` after `close()`) comes back as a rejected promise.
   */
  run<R = unknown>(arg?: unknown, options: RunOptions = {}): Promise<R> {
    try {
      checkRunOptions(options);
      if (this.#closing) throw new TypeError('WorkerPool.run: the pool is closed');
    } catch (error) {
      return Promise.reject(error);
    }
    const { signal, transfer, name } = options;
    const aborted = abortedRejection(signal);
    if (aborted !== undefined) return aborted;
    const waiting = this.#queue.length + this.#retry.length;
    if (waiting >= this.#maxQueue && waiting >= this.#maxQueue + this.#room()) {
      return Promise.reject(new Error(`WorkerPool.run: the queue is full (maxQueue = ${this.#maxQueue})`));
    }
    return new Promise<R>((resolve, reject) => {
      const entry: Entry = {
        prev: undefined,
        next: undefined,
        linked: false,
        arg,
        name,
        transfer,
        signal,
        onAbort: undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
        list: this.#queue,
        thread: undefined,
        index: 0,
        done: false,
        grace: undefined,
      };
      if (signal !== undefined) {
        entry.onAbort = () => {
          if (entry.list !== undefined) {
            entry.list.remove(entry);
            entry.list = undefined;
            settle(entry, false, reasonOf(signal));
            this.#checkClosed();
          } else if (entry.thread !== undefined) entry.thread.abort(entry);
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.#queue.push(entry);
      // A burst of synchronous run() calls goes out as one batch per thread.
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => this.#dispatch());
      }
    });
  }

  /**
   * Stops accepting tasks, lets every accepted task finish, then ends the threads.
   *
   * @returns Resolves when every accepted task has settled and every thread has exited. Calling it again returns the
   *   same promise.
   */
  close(): Promise<void> {
    if (this.#closed === undefined) {
      this.#closing = true;
      this.#closed = new Promise((resolve) => (this.#finish = resolve));
      this.#checkClosed();
    }
    return this.#closed;
  }

  /** `await using pool = new WorkerPool(…)`: {@link close} at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Free places on threads (started or not): tasks that would be sent right away. */
  #room(): number {
    let n = this.#threads - this.#live.length;
    for (const thread of this.#live) n += thread.capacity;
    return n;
  }

  #spawn(): void {
    const thread = new Thread(this.#host, this.#moduleUrl, this.#resourceLimits);
    this.#live.push(thread);
    this.#all.add(thread);
  }

  #remove(thread: Thread): void {
    const i = this.#live.indexOf(thread);
    if (i !== -1) this.#live.splice(i, 1);
  }

  #dispatch(): void {
    this.#scheduled = false;
    // Tasks can move to another live thread, or to one the pool may still start.
    const spare = this.#live.length > 1 || this.#live.length < this.#threads;
    if (spare) {
      for (const entry of this.#balance.takeBack(this.#live, this.#queue.length + this.#retry.length === 0)) {
        entry.list = this.#retry;
        this.#retry.push(entry);
      }
    }
    const waiting = () => this.#retry.length + this.#queue.length;
    while (this.#live.length < this.#threads && waiting() > 0) this.#spawn();
    // Idle threads first: a thread with work in hand may be on a long task.
    const order = this.#live.length > 1 ? [...this.#live].sort((a, b) => a.load - b.load) : this.#live;
    for (const thread of order) {
      if (waiting() === 0) break;
      let free = thread.capacity;
      if (free === 0) continue;
      const batch: Entry[] = [];
      for (; free > 0; free--) {
        const entry = this.#retry.shift() ?? this.#queue.shift();
        if (entry === undefined) break;
        entry.list = undefined;
        batch.push(entry);
      }
      thread.send(batch);
    }
    if (spare) this.#balance.watch(this.#live, this.#live.length === this.#threads);
    this.#checkClosed();
  }

  #exited(thread: Thread, untaken: Entry[], crashed: boolean, failure: unknown): void {
    this.#remove(thread);
    this.#all.delete(thread);
    for (const entry of untaken) {
      entry.list = this.#retry;
      this.#retry.push(entry);
    }
    if (failure !== undefined) {
      // The thread died before it could load anything: another would too. Fail what waits rather than loop.
      for (const list of [this.#retry, this.#queue]) {
        for (let e = list.shift(); e !== undefined; e = list.shift()) {
          e.list = undefined;
          settle(e, false, failure);
        }
      }
    } else if (crashed && !this.#closing && this.#live.length < this.#threads) this.#spawn();
    this.#dispatch();
  }

  #checkClosed(): void {
    if (!this.#closing || this.#finish === undefined) return;
    if (this.#queue.length + this.#retry.length > 0) return;
    for (const thread of this.#all) if (thread.load > 0) return;
    const finish = this.#finish;
    this.#finish = undefined;
    this.#balance.stop();
    const exits: Promise<void>[] = [];
    for (const thread of this.#all) {
      thread.retire();
      exits.push(thread.exit);
    }
    this.#live.length = 0;
    void Promise.all(exits).then(finish);
  }
}
