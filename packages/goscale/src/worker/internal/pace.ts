/**
 * @module How much work one pool thread should hold, and when it counts as late, from the task times it reports.
 * @internal
 */
import { performance } from 'node:perf_hooks';

/** Tasks a thread may have in hand cover about this much of its time, so no thread hoards work others could do. */
export const BUDGET_MS = 1;
/** The most tasks sent ahead to one thread (tiny tasks): bounds the batch a crash or an abort has to sort out. */
export const MAX_DEPTH = 512;
/**
 * Tasks at least this long (by the thread's mean) are worth taking back for an idle thread even before the thread
 * holding them is late: sending one again costs tens of microseconds, waiting behind one such task costs more.
 */
export const LONG_MS = BUDGET_MS / 2;

/**
 * One thread's pace: the mean time of its tasks, smoothed over the batches it reports, and when it was last heard
 * from. Cost: O(1) per call.
 */
export class Pace {
  readonly #now: () => number;
  #avg: number | undefined;
  #heard = 0;
  #seen = 0;

  /** @param now - The clock in milliseconds (injectable for tests). */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** Mean milliseconds per task, once a task has run. */
  get avg(): number | undefined {
    return this.#avg;
  }

  /** The thread was seen to move on to another task, or was sent work with nothing in hand: silence counts from now. */
  heard(): void {
    this.#heard = this.#now();
  }

  /**
   * The number of the last task the thread took, read now: a thread seen to move on is making progress, whatever its
   * reports (so a slow main thread does not make a thread working through a batch look late).
   */
  saw(taken: number): void {
    if (taken === this.#seen) return;
    this.#seen = taken;
    this.#heard = this.#now();
  }

  /** The thread reported `ran` tasks that took `busy` ms together (tasks it dropped unrun are not counted). */
  reported(busy: number, ran: number): void {
    this.#heard = this.#now();
    if (ran === 0) return;
    const sample = busy / ran;
    this.#avg = this.#avg === undefined ? sample : this.#avg * 0.7 + sample * 0.3;
  }

  /**
   * How many tasks it should hold: about {@link BUDGET_MS} of them by its mean, and at least one beyond the task it
   * runs (so it never waits for the pool between two long tasks); one until its first report.
   */
  get depth(): number {
    if (this.#avg === undefined) return 1;
    return Math.min(MAX_DEPTH, Math.max(2, Math.floor(BUDGET_MS / this.#avg)));
  }

  /** Its tasks are long enough that one waiting behind another is worth moving to an idle thread. */
  get long(): boolean {
    return this.#avg !== undefined && this.#avg >= LONG_MS;
  }

  /**
   * From when a thread with work in hand counts as late: silent for twice its mean task time (at least twice
   * {@link BUDGET_MS}), so it is on a task far longer than its others, and what waits behind it should run elsewhere.
   */
  get lateAt(): number {
    return this.#heard + 2 * Math.max(BUDGET_MS, this.#avg ?? 0);
  }

  /** Whether a thread holding work is late now. */
  late(): boolean {
    return this.#now() >= this.lateAt;
  }
}
