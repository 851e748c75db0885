/**
 * @module Gradient2, the default algorithm: a short-term latency against a long-term baseline, after Netflix's
 * concurrency-limits, with a slow start, load-aware cuts and an overload cut.
 */
import { checkFraction, checkPositive } from './internal/check.js';
import { CutPacer } from './internal/cut.js';
import { Window } from './internal/window.js';
import type {
  LimitAlgorithm,
  LimitAlgorithmFactory,
  LimitBounds,
  LimitDecision,
  LimitSample,
} from './types.js';

/** Tuning of {@link gradient2}. The defaults were tuned in virtual time against the demo's database model. */
export interface Gradient2Options {
  /**
   * The fewest samples per window: a window spans `max(window, limit)` samples (about one round trip of the limit),
   * and its mean latency is the short-term RTT. An integer from 1 up. Default 20.
   */
  window?: number;
  /**
   * The queue allowance: how many tasks beyond the knee the limit keeps, so the other side never idles between
   * tasks. A number, or a function of the limit. Default `max(1, 0.3 * sqrt(limit))` (1.2 at 16).
   */
  queue?: number | ((limit: number) => number);
  /** How much of a wanted increase is applied per window, in (0, 1]. Default 0.2 (decreases apply at once). */
  smoothing?: number;
  /** The time (ms) the baseline takes to follow a lasting rise in latency. Default 10,000. */
  baselineMs?: number;
  /** The factor an overload error cuts the limit by, in (0, 1). Default 0.5. */
  backoff?: number;
}

/** In slow start, a window whose latency is within 25% of the baseline doubles the limit. */
const SLOW_START_GRADIENT = 0.8;
/** A window that used less than half the limit moves it only on clear queueing (25% above the baseline). */
const IDLE_GRADIENT = 0.8;
/** After the slow start, a window faster than the baseline pulls it down by this share of the difference. */
const BASELINE_DOWN = 0.1;
/** A window this many samples in, already at twice the baseline, closes at once: the overload is clear. */
const EARLY_SAMPLES = 5;
/** The baseline is the plain mean of the first this many windows that are not clearly loaded. */
const WARM_WINDOWS = 8;
/** Standard errors of a window's mean latency that are taken as noise, not queueing. */
const NOISE_ERRORS = 2.5;
/** The fewest samples of a slow-start window (smaller windows close after two round trips of the limit). */
const SLOW_START_SAMPLES = 8;

const defaultQueue = (limit: number): number => Math.max(1, 0.3 * Math.sqrt(limit));

/**
 * The gradient algorithm (the default of {@link adaptive}), after Netflix's Gradient2. Each window of samples is
 * compared with a long-term baseline: the gradient `baseline / (rtt - noise)`, clamped to [0.5, 1], is 1 while
 * nothing queues and falls as queueing adds latency; `noise` is 2.5 standard errors of the window's mean, so a
 * heavy-tailed latency needs more evidence before it counts as queueing. Where Gradient2 sets `limit * gradient + queue`, this sets `load * gradient +
 * queue`, `load` being the mean number in flight when the window's samples were admitted, and ignores samples
 * admitted with more in flight than the limit now allows: right after a cut, tasks admitted before it are still
 * finishing, and their latency must not cut the limit again. Decreases apply at once (at most halving per window);
 * increases are smoothed (`smoothing`). A slow start, as in TCP, doubles the limit each window until latency rises
 * by a quarter twice in a row (or doubles once). A window already at twice the baseline after 5 samples closes
 * early. A window that used less than half the limit raises nothing, and lowers it only on clear queueing.
 * An overload error cuts the limit by `backoff` at once, at most once per round trip: overloads of tasks admitted
 * before the last cut are ignored, as they reflect the load before it.
 *
 * The baseline is the plain mean of the first 8 windows that were not clearly loaded (within 25% of it; the first
 * one has 8 samples, before the load of a large start shows). After that it follows faster windows (a tenth of the
 * difference per window) and lasting slower ones only over `baselineMs`, so sustained load does not pass for the new
 * normal (the drift of Gradient2's long average).
 *
 * Assumes: latency grows with load past the knee (queueing or contention), and the no-load latency is stable over
 * `baselineMs` (a lasting change, such as a slower backend, is adopted only that slowly; until then the limit sits
 * low). Do not use it when latency does not track load (a server that fails fast instead of slowing: use
 * {@link aimd} on its overload errors), when tasks' own sizes vary over orders of magnitude within a window (a
 * huge task reads as queueing), or when a fixed quota is known (a rate limit: use a `Limiter`; a known pool size:
 * use that number).
 *
 * Cost: O(1) time and memory per sample.
 *
 * @param options - tuning; see {@link Gradient2Options}.
 * @returns a factory for `adaptive({ algorithm })`.
 * @example
 * ```ts
 * const db = adaptive({ algorithm: gradient2({ window: 20 }), max: 64 });
 * ```
 */
export function gradient2(options: Gradient2Options = {}): LimitAlgorithmFactory {
  const { window = 20, queue = defaultQueue, smoothing = 0.2, baselineMs = 10_000, backoff = 0.5 } = options;
  checkPositive('gradient2', 'window', window, true);
  if (typeof queue !== 'function') checkPositive('gradient2', 'queue', queue, false, true);
  checkFraction('gradient2', 'smoothing', smoothing, true);
  checkPositive('gradient2', 'baselineMs', baselineMs);
  checkFraction('gradient2', 'backoff', backoff, false);
  const allowance = typeof queue === 'function' ? queue : () => queue;
  return (bounds) => new Gradient2(bounds, window, allowance, smoothing, baselineMs, backoff);
}

/** @internal The state machine behind {@link gradient2}. */
export class Gradient2 implements LimitAlgorithm {
  readonly name = 'gradient2';
  estimate: number;
  /** The long-term RTT; 0 until the first window closes. */
  baseline = 0;
  slowStart = true;
  private readonly _window = new Window();
  private _lastClose = 0;
  private readonly _cuts = new CutPacer();
  private _slowMisses = 0;
  /** The slow start's baseline is the plain mean of its unloaded samples. */
  private _warmWindows = 0;
  private _warmRtt = 0;
  private _warmCount = 0;

  constructor(
    private readonly _bounds: LimitBounds,
    private readonly _windowSize: number,
    private readonly _queue: (limit: number) => number,
    private readonly _smoothing: number,
    private readonly _baselineMs: number,
    private readonly _backoff: number,
  ) {
    this.estimate = _bounds.initial;
  }

  update(sample: LimitSample): LimitDecision | undefined {
    const end = sample.start + sample.rtt;
    const limit = this.estimate;
    if (sample.overload) {
      if (!this._cuts.due(sample)) return undefined;
      this.slowStart = false;
      this._window.reset();
      const estimate = this.#clamp(limit * this._backoff);
      return this.#decide(estimate, 'overload', { inFlight: sample.inFlight, backoff: this._backoff });
    }
    // A task admitted with more in flight than the limit now allows ran under an older, higher limit: its latency
    // says nothing about this one (it would only cut again what was already cut for it).
    if (sample.inFlight > limit) return undefined;
    const w = this._window;
    w.add(sample);
    // A window spans about one round trip of the limit (at least `window` samples), so its noise shrinks as the
    // limit grows; the slow start closes smaller windows, and a clear overload closes one early.
    let size = Math.max(this._windowSize, Math.ceil(limit));
    if (this.slowStart) size = Math.max(SLOW_START_SAMPLES, Math.min(this._windowSize, 2 * Math.ceil(limit)));
    // The first window sets the baseline: the first few to finish, before the load of a large start shows.
    if (this.baseline === 0) size = SLOW_START_SAMPLES;
    const clear = this.baseline > 0 && w.count >= EARLY_SAMPLES && w.meanRtt >= 2 * this.baseline;
    if (w.count < size && !clear) return undefined;
    const rtt = w.meanRtt;
    // What the mean may be above the true latency from noise alone (2.5 standard errors): a window only counts as
    // queueing by what it exceeds the baseline beyond that. Without it, a heavy-tailed service (log-normal, sigma
    // 0.6) had its limit cut to a third of its workers by unlucky windows, since cuts apply at once and growth is
    // smoothed.
    const noise = NOISE_ERRORS * w.errorRtt;
    const load = w.meanInFlight;
    const idle = w.maxInFlight < limit / 2;
    const count = w.count;
    w.reset();
    const span = this._lastClose === 0 ? 0 : end - this._lastClose;
    this._lastClose = end;
    this.#updateBaseline(rtt, count, span);
    const baseline = this.baseline;
    const gradient = Math.max(0.5, Math.min(1, baseline / Math.max(rtt - noise, 1e-9)));
    const queue = this._queue(limit);
    const signals = { rtt, baseline, gradient, queue, inFlight: load };
    if (this.slowStart) {
      if (gradient >= SLOW_START_GRADIENT) {
        this._slowMisses = 0;
        // Samples admitted before the last doubling show the load before it: only a window loaded to at least
        // 3/4 of the limit says the limit itself is not too high yet.
        if (load < limit * 0.75) return undefined;
        return this.#decide(this.#clamp(limit * 2), 'slow-start', signals);
      }
      // One somewhat slow window may be noise (a few stragglers); two in a row, or one twice the baseline, are
      // the knee.
      if (gradient > 0.5 && ++this._slowMisses < 2) return undefined;
      this.slowStart = false;
    }
    if (idle && gradient >= IDLE_GRADIENT) return undefined;
    let next: number;
    if (gradient === 1) next = idle ? limit : limit + queue * this._smoothing;
    else {
      // The knee is estimated from the load the window's samples were admitted under, not from the limit: right
      // after a cut the two differ, and the limit must not be cut twice for one overload.
      const target = load * gradient + queue;
      if (target < limit) next = Math.max(limit / 2, target);
      else next = limit + Math.max(0, Math.min(target, limit * gradient + queue) - limit) * this._smoothing;
    }
    next = this.#clamp(next);
    return this.#decide(next, next < limit ? 'latency' : 'growth', signals);
  }

  #updateBaseline(rtt: number, count: number, span: number): void {
    if (
      this.baseline === 0 ||
      (this._warmWindows < WARM_WINDOWS && rtt * SLOW_START_GRADIENT <= this.baseline)
    ) {
      // The first windows that are not clearly loaded set the baseline as a plain mean: the first few samples of
      // a large start are the fastest few, and one lucky window must not set it too low for good.
      this._warmWindows++;
      this._warmRtt += rtt * count;
      this._warmCount += count;
      this.baseline = this._warmRtt / this._warmCount;
    } else if (this._warmWindows < WARM_WINDOWS) {
      // A loaded window while warming up: it says nothing about the no-load latency.
    } else if (rtt < this.baseline) this.baseline += (rtt - this.baseline) * BASELINE_DOWN;
    else {
      // Lasting slowness is adopted only over baselineMs, and a window far above the baseline (load, not news about
      // the no-load latency) moves it no more than one at twice the baseline would.
      const capped = Math.min(rtt, 2 * this.baseline);
      this.baseline += (capped - this.baseline) * Math.min(1, span / this._baselineMs);
    }
  }

  #clamp(estimate: number): number {
    return Math.max(this._bounds.min, Math.min(this._bounds.max, estimate));
  }

  #decide(estimate: number, cause: string, signals: Record<string, number>): LimitDecision | undefined {
    if (estimate === this.estimate) return undefined;
    this.estimate = estimate;
    return { estimate, cause, signals };
  }
}
