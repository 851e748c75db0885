/**
 * @module Recording what a strategy did: one bar per task, wall time, errors by status, peak in-flight, heap.
 */

/** One task of a strategy: when it started and ended (ms since the strategy started) and how it ended. */
export interface Bar {
  start: number;
  end: number;
  /** An HTTP status, 0 for a network error, or a word such as `timeout`/`lost`. */
  outcome: number | string;
  ok: boolean;
}

/** Everything recorded for one strategy. */
export interface Timeline {
  strategy: string;
  wallMs: number;
  bars: Bar[];
  /** Failures by outcome, e.g. `{ '503': 880 }`. Empty when every task succeeded. */
  errors: Record<string, number>;
  /** Most tasks running at once, as seen by the client. */
  clientPeakInFlight: number;
  /** Highest heap use above the heap at the start, sampled every 10 ms (bytes). */
  heapPeakBytes: number;
  /** Moments worth a vertical line in the chart, e.g. `{ at: 400, label: 'SIGTERM' }`. */
  events: Array<{ at: number; label: string }>;
  /** An adaptive strategy's concurrency limit over time: its value from each `at` on (absent for fixed ones). */
  limits?: Array<{ at: number; limit: number }>;
}

/**
 * Watches one strategy while it runs (the live dashboard). Called synchronously from the {@link Recorder}, in the
 * order things happen; it must neither throw nor wait. Task numbers count from 0 in the order tasks start.
 */
export interface StrategyWatcher {
  /** Task `task` started at `at` (ms since the strategy started). */
  taskStart(task: number, at: number): void;
  /** Task `task` ended; a task recorded with `mark` (it never ran or never finished) ends without a start. */
  taskEnd(task: number, bar: Bar): void;
  /** A moment worth a vertical line, as recorded by `event`. */
  marker(at: number, label: string): void;
  /** The strategy finished with this timeline. */
  finish(timeline: Timeline): void;
}

/**
 * Watches a whole section: told of each strategy as its recording starts, in order (the order of the section's
 * timelines), it returns that strategy's {@link StrategyWatcher}.
 */
export interface RunWatcher {
  /** A strategy named `name` starts now; `now()` reads its clock (ms since it started). */
  strategy(name: string, now: () => number): StrategyWatcher;
}

/**
 * Records one strategy's run. Create it just before the strategy starts, wrap every task in `track`, call `finish`.
 *
 * Cost: one array entry per task and one 10 ms interval for the heap sampler, cleared by `finish`.
 * @example
 * ```ts
 * const rec = new Recorder('fixed batches');
 * await rec.track(() => call(url), (r) => r.status);
 * const timeline = rec.finish();
 * ```
 */
export class Recorder {
  readonly #strategy: string;
  readonly #t0 = performance.now();
  readonly #bars: Bar[] = [];
  readonly #events: Array<{ at: number; label: string }> = [];
  readonly #limits: Array<{ at: number; limit: number }> = [];
  readonly #heap0 = process.memoryUsage().heapUsed;
  #heapPeak = 0;
  #running = 0;
  #peak = 0;
  #sampler: ReturnType<typeof setInterval> | undefined;
  #onTask: ((done: number) => void) | undefined;
  #watcher: StrategyWatcher | undefined;
  #tasks = 0;

  /**
   * @param strategy - the name shown in tables and the timeline.
   * @param onTask - called with the number of finished tasks after each one (drives the progress line).
   * @param watcher - told of every task as it starts and ends (drives the live dashboard).
   */
  constructor(strategy: string, onTask?: (done: number) => void, watcher?: RunWatcher) {
    this.#strategy = strategy;
    this.#onTask = onTask;
    this.#watcher = watcher?.strategy(strategy, () => this.now());
    this.#sampler = setInterval(() => this.#sample(), 10);
    this.#sampler.unref();
  }

  #sample(): void {
    const used = process.memoryUsage().heapUsed - this.#heap0;
    if (used > this.#heapPeak) this.#heapPeak = used;
  }

  /** Milliseconds since the recorder was created. */
  now(): number {
    return performance.now() - this.#t0;
  }

  /**
   * Runs `task`, recording a bar from now until it settles. `outcomeOf` turns the result into an outcome (an HTTP
   * status); 2xx is success. A rejection is recorded with the error's name (e.g. `AbortError`) and rethrown.
   */
  async track<T>(task: () => Promise<T>, outcomeOf: (value: T) => number | string): Promise<T> {
    const start = this.now();
    const id = this.#tasks++;
    this.#watcher?.taskStart(id, start);
    this.#running++;
    if (this.#running > this.#peak) this.#peak = this.#running;
    try {
      const value = await task();
      this.#push(id, start, outcomeOf(value));
      return value;
    } catch (error) {
      this.#push(id, start, error instanceof Error ? error.name : 'error');
      throw error;
    } finally {
      this.#running--;
    }
  }

  /** Records a task that never ran or never finished (lost items, hung sources) as a bar of its own. */
  mark(start: number, end: number, outcome: string): void {
    const bar: Bar = { start, end, outcome, ok: false };
    this.#bars.push(bar);
    this.#watcher?.taskEnd(this.#tasks++, bar);
  }

  /** Records a moment (drawn as a labelled vertical line) and returns its time. */
  event(label: string): number {
    const at = this.now();
    this.#events.push({ at, label });
    this.#watcher?.marker(at, label);
    return at;
  }

  /** Records that the strategy's concurrency limit is `limit` from now on (an adaptive limit's `onChange`). */
  limit(limit: number): void {
    this.#limits.push({ at: this.now(), limit });
  }

  #push(id: number, start: number, outcome: number | string): void {
    const ok = typeof outcome === 'number' && outcome >= 200 && outcome < 300;
    const bar: Bar = { start, end: this.now(), outcome, ok };
    this.#bars.push(bar);
    this.#watcher?.taskEnd(id, bar);
    this.#onTask?.(this.#bars.length);
  }

  /** Stops the heap sampler and returns the timeline. */
  finish(): Timeline {
    const wallMs = this.now();
    this.#sample();
    clearInterval(this.#sampler);
    this.#sampler = undefined;
    const errors: Record<string, number> = {};
    for (const bar of this.#bars) if (!bar.ok) errors[bar.outcome] = (errors[bar.outcome] ?? 0) + 1;
    const timeline: Timeline = {
      strategy: this.#strategy,
      wallMs,
      bars: this.#bars,
      errors,
      clientPeakInFlight: this.#peak,
      heapPeakBytes: this.#heapPeak,
      events: this.#events,
      ...(this.#limits.length > 0 ? { limits: this.#limits } : {}),
    };
    this.#watcher?.finish(timeline);
    this.#watcher = undefined;
    return timeline;
  }
}

/**
 * Total failures in a timeline.
 * @param timeline - anything with an `errors` tally.
 * @returns the sum of the tally.
 * @example
 * ```ts
 * errorCount({ errors: { '503': 880, '0': 2 } }) // 882
 * ```
 */
export function errorCount(timeline: Pick<Timeline, 'errors'>): number {
  return Object.values(timeline.errors).reduce((a, b) => a + b, 0);
}
