/**
 * @module Moving waiting tasks between a pool's threads: which to take back, and the timer that wakes the pool when a
 * thread holding tasks turns late while no event would.
 * @internal
 */
import { performance } from 'node:perf_hooks';
import type { Entry } from './task.js';
import type { Thread } from './thread.js';

const NONE: readonly Entry[] = [];

/** One per pool. Cost: O(threads) per call, plus one timer at most, armed only while a thread is idle. */
export class Balance {
  readonly #wake: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #at = Infinity;

  /** @param wake - Runs the pool's dispatch (which calls {@link takeBack} again) when the timer fires. */
  constructor(wake: () => void) {
    this.#wake = wake;
  }

  /**
   * Takes back, from `live` threads, the tasks that wait there and would start sooner elsewhere: behind a late
   * thread, or, when `nothingQueued` and a thread is idle, behind long tasks. In order per thread; the caller puts
   * them at the front of its queue.
   */
  takeBack(live: readonly Thread[], nothingQueued: boolean): readonly Entry[] {
    const now = performance.now();
    const idle = live.some((t) => t.ready && t.load === 0);
    let back: Entry[] | undefined;
    for (const thread of live) {
      if (now < thread.lateAt && !(idle && nothingQueued && thread.long)) continue;
      const some = thread.takeBack();
      if (some.length > 0) back = back === undefined ? some : back.concat(some);
    }
    return back ?? NONE;
  }

  /**
   * With a thread idle (or, unless `full`, one the pool may still start), nothing else would wake the pool when tasks
   * wait on a thread that turns late: arms the timer for the first such moment.
   */
  watch(live: readonly Thread[], full: boolean): void {
    if (full && !live.some((t) => t.ready && t.load === 0)) return;
    let at = Infinity;
    for (const thread of live) if (thread.lateAt < at && thread.movable) at = thread.lateAt;
    if (at === Infinity || (this.#timer !== undefined && this.#at <= at)) return;
    clearTimeout(this.#timer);
    this.#at = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#at = Infinity;
        this.#wake();
      },
      Math.max(1, Math.ceil(at - performance.now())),
    );
    // Threads with work keep the process alive; this timer alone must not.
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }
}
