/**
 * @module Group: Go's errgroup for promises — tasks under one signal, an optional limit, the first error wins.
 */
import { isAdaptive, type AdaptiveLimit } from '../adaptive/adaptive.js';
import {
  checkSignal,
  reasonOf,
  sharedController,
  signalRejection,
  type SignalOptions,
} from '../internal/abort.js';
import { checkInteger, describe } from '../internal/args.js';
import { AbortableAdmission, Admission, PlainAdmissions } from './internal/admission.js';
import { List } from '../internal/list.js';
import type { GroupOptions, GroupTask } from './options.js';

export type { GroupOptions, GroupTask } from './options.js';

const RESOLVED = Promise.resolve();
// One shared reason, like Go's context.Canceled: building a DOMException per group would cost more than the abort.
const SETTLED = new DOMException('Group: wait() settled', 'AbortError');

/**
 * A group of tasks that share one cancellation signal. Go: `errgroup.WithContext` + `SetLimit` + `TryGo`.
 *
 * Invariants:
 * - At most `limit` tasks run at once; `go()` calls waiting for a slot are admitted strictly FIFO.
 * - The first task to fail (reject or throw) aborts `group.signal` with its error as the reason, and `wait()`
 *   rejects with that error; later errors are dropped, as in Go.
 * - Once `group.signal` has aborted, no task starts: queued `go()` calls resolve without running their task, and new
 *   ones do the same (golang/go#61611). `tryGo()` returns false.
 * - `wait()` resolves only when every task handed to `go()` ran and fulfilled. It rejects with the first task error;
 *   otherwise, when the parent aborted and a task was therefore never started, with the parent's reason. A parent
 *   abort with every task already running is reported as Go does: through the tasks, which see the aborted signal
 *   and typically reject with its reason (a task that ignores it and succeeds leaves `wait()` resolved).
 * - A task that fails before anyone calls `wait()` never becomes an unhandled rejection.
 * - When `wait()` settles, `group.signal` aborts (as Go cancels the context when Wait returns) and the group removes
 *   its listener from the parent. After that, `go()` rejects and `tryGo()` throws with a TypeError.
 *
 * Cost: starting a task is a function call plus one `then`; a `go()` that has to queue allocates one list node and
 * one `then` on a promise shared by up to 32 queued calls (with a `signal`: a promise of its own and the listener);
 * the limit costs no timer and no per-task listener.
 * @example
 * ```ts
 * const group = new Group({ signal: requestSignal(req, res), limit: 8 });
 * for (const url of urls) await group.go(async (signal) => save(await fetch(url, { signal })));
 * await group.wait(); // the first error, after every started task has finished
 * ```
 */
export class Group {
  readonly #controller = sharedController();
  readonly #signal = this.#controller.signal;
  readonly #parent: AbortSignal | undefined;
  /** The limit in force: fixed, or the adaptive limit's `current` as of the last sample. */
  #limit: number;
  readonly #adaptive: AdaptiveLimit | undefined;
  readonly #queue = new List<Admission>();
  readonly #plain = new PlainAdmissions();
  #active = 0;
  /** Mirrors `#controller.signal.aborted`, read on every go() and every finished task without a getter call. */
  #cancelled = false;
  #failed = false;
  #error: unknown = undefined;
  /** True once a task handed to go() was dropped because the group was cancelled: wait() must not resolve. */
  #dropped = false;
  #waiter: { promise: Promise<void>; resolve: () => void; reject: (reason: unknown) => void } | undefined;
  #settled = false;

  /**
   * @param options - `signal` (the parent) and `limit`; a bad value throws a TypeError or RangeError quoting it.
   */
  constructor(options: GroupOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`Group: expected \`options\` to be an object, got ${describe(options)}`);
    }
    const { signal, limit = Infinity } = options;
    checkSignal('Group', signal);
    if (isAdaptive(limit)) {
      limit.claim('Group');
      this.#adaptive = limit;
      this.#limit = limit.current;
    } else {
      checkInteger('Group', 'limit', limit, 1, true);
      this.#limit = limit;
    }
    this.#parent = signal;
    if (signal === undefined) return;
    if (signal.aborted) this.#cancel(reasonOf(signal));
    else signal.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /** Aborts on the first task error, on the parent's abort, or when `wait()` settles. Hand it to every task. */
  get signal(): AbortSignal {
    return this.#signal;
  }

  /**
   * Runs `fn(group.signal)` as soon as a slot is free. When the group is cancelled (before or while this call
   * waits), `fn` is never called and the promise still resolves: the group reports the outcome once, through
   * `wait()`. Check `group.signal.aborted` to stop a producing loop early.
   *
   * Gotcha (as in Go): a task that awaits `go()` on its own full group waits for a slot it holds itself. From inside
   * a task, use `tryGo()` or do not await `go()`.
   *
   * @param fn - the task; its rejection (or synchronous throw) fails the group.
   * @param options - `signal` aborts this call's wait for a slot only: it rejects with `signal.reason`, leaves the
   *   queue as it was and does not touch the group. An already-aborted signal rejects at once.
   * @returns a promise that resolves once the task has started (or been dropped because the group is cancelled):
   *   for a call that had to queue, a few microtasks after its task started, never before;
   *   and rejects with a TypeError after `wait()` has settled or when `fn` is not a function.
   * @example
   * ```ts
   * for (const id of ids) {
   *   if (group.signal.aborted) break;
   *   await group.go((signal) => deploy(id, { signal })); // waits here while `limit` tasks run
   * }
   * ```
   */
  go(fn: GroupTask, options?: SignalOptions): Promise<void> {
    if (this.#settled) return Promise.reject(new TypeError('Group.go: called after wait() settled'));
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`Group.go: expected \`fn\` to be a function, got ${describe(fn)}`));
    }
    const signal = options?.signal;
    const rejection = signalRejection('Group.go', signal);
    if (rejection !== undefined) return rejection;
    if (this.#cancelled) {
      this.#dropped = true;
      return RESOLVED;
    }
    if (this.#active < this.#limit) {
      this.#start(fn);
      return RESOLVED;
    }
    if (signal === undefined) {
      this.#queue.push(new Admission(fn));
      return this.#plain.join();
    }
    const node = new AbortableAdmission(fn, signal, this.#onCallerAbort);
    this.#queue.push(node);
    return node.admitted();
  }

  /**
   * Starts `fn(group.signal)` now if a slot is free and the group is not cancelled. Go: `TryGo`.
   *
   * @param fn - the task; its rejection (or synchronous throw) fails the group.
   * @returns true when the task started; false when every slot is taken or the group is cancelled (nothing queued).
   *   Throws a TypeError after `wait()` has settled or when `fn` is not a function.
   * @example
   * ```ts
   * if (!group.tryGo(refresh)) metrics.skipped++;
   * ```
   */
  tryGo(fn: GroupTask): boolean {
    if (this.#settled) throw new TypeError('Group.tryGo: called after wait() settled');
    if (typeof fn !== 'function') {
      throw new TypeError(`Group.tryGo: expected \`fn\` to be a function, got ${describe(fn)}`);
    }
    if (this.#cancelled || this.#active >= this.#limit) return false;
    this.#start(fn);
    return true;
  }

  /**
   * Waits for every started task to finish (a cancelled group still waits for its running tasks: they own their
   * resources until they return). Calling it again returns the same promise.
   *
   * @returns a promise that resolves when every task handed to `go()` ran and fulfilled, and otherwise rejects with
   *   the first task error, or with the parent's reason when the parent's abort kept a task from starting.
   * @example
   * ```ts
   * group.tryGo(taskA);
   * await group.wait();
   * ```
   */
  wait(): Promise<void> {
    if (this.#waiter === undefined) {
      let resolve!: () => void;
      let reject!: (reason: unknown) => void;
      const promise = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#waiter = { promise, resolve, reject };
      // The queue is empty whenever nothing runs (a free slot is always handed to the head), so this is "all done".
      if (this.#active === 0) this.#settle();
    }
    return this.#waiter.promise;
  }

  #start(fn: (signal: AbortSignal) => unknown): void {
    this.#active++;
    const adaptive = this.#adaptive;
    // An adaptive limit times the task from before the call, and counts the tasks in flight with it.
    const start = adaptive === undefined ? 0 : adaptive.now();
    const inFlight = this.#active;
    let result: unknown;
    try {
      result = fn(this.#signal);
    } catch (error) {
      this.#onRejected(error);
      return;
    }
    // Promise.resolve returns a native promise as it is; anything else settles a microtask later, so that a
    // synchronous task never makes #finish re-enter #start (a million of them would overflow the stack).
    if (adaptive === undefined) {
      Promise.resolve(result).then(this.#onFulfilled, this.#onRejected);
      return;
    }
    // The sample is taken before #finish admits the next task.
    Promise.resolve(result).then(
      () => {
        this.#sample(adaptive, start, inFlight, false, undefined);
        this.#onFulfilled();
      },
      (error: unknown) => {
        this.#sample(adaptive, start, inFlight, true, error);
        this.#onRejected(error);
      },
    );
  }

  #sample(adaptive: AdaptiveLimit, start: number, inFlight: number, failed: boolean, error: unknown): void {
    // A task that settles after the group was cancelled was aborted by the group: not a sample.
    if (!this.#cancelled) adaptive.record(start, inFlight, failed, error);
    this.#limit = adaptive.current;
  }

  readonly #onFulfilled = (): void => {
    this.#finish();
  };

  readonly #onRejected = (error: unknown): void => {
    if (!this.#failed) {
      this.#failed = true;
      this.#error = error;
      this.#cancel(error);
    }
    this.#finish();
  };

  readonly #onCallerAbort = (node: AbortableAdmission): void => {
    this.#queue.remove(node);
    node.abort();
  };

  readonly #onParentAbort = (): void => {
    this.#cancel(reasonOf(this.#parent!));
  };

  #finish(): void {
    this.#active--;
    // A fixed limit frees this one slot; an adaptive one may have grown (admit several) or shrunk (admit none) with
    // this task's sample.
    while (this.#active < this.#limit && !this.#cancelled) {
      const node = this.#queue.shift();
      if (node === undefined) break;
      this.#admit(node);
    }
    if (this.#active === 0 && this.#waiter !== undefined && !this.#settled) this.#settle();
  }

  #admit(node: Admission): void {
    if (node instanceof AbortableAdmission) node.release();
    else this.#plain.admitOne();
    this.#start(node.fn);
  }

  /** Aborts the signal (first reason wins), unlinks from the parent and drops every queued task. */
  #cancel(reason: unknown): void {
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
    if (!this.#cancelled) {
      this.#cancelled = true;
      this.#controller.abort(reason);
    }
    for (let node = this.#queue.shift(); node !== undefined; node = this.#queue.shift()) {
      this.#dropped = true;
      node.release();
    }
    this.#plain.dropAll();
  }

  #settle(): void {
    this.#settled = true;
    this.#adaptive?.unclaim();
    const waiter = this.#waiter!;
    if (this.#failed) {
      waiter.reject(this.#error);
    } else if (this.#dropped) {
      waiter.reject(this.#controller.signal.reason);
    } else {
      this.#cancel(SETTLED);
      waiter.resolve();
    }
  }
}
