/**
 * @module Vegas: the queue a round trip implies, from the latency against the minimum seen (TCP Vegas's rule).
 */
import { checkFraction, checkPositive } from './internal/check.js';
import { CutPacer } from './internal/cut.js';
import type {
  LimitAlgorithm,
  LimitAlgorithmFactory,
  LimitBounds,
  LimitDecision,
  LimitSample,
} from './types.js';

/** Tuning of {@link vegas}. */
export interface VegasOptions {
  /** Grow while the implied queue is below `alpha * log10(limit)`. Default 3. */
  alpha?: number;
  /** Shrink once it is above `beta * log10(limit)`. Default 6. */
  beta?: number;
  /** Every `probe * limit` samples the minimum latency is re-measured (it may have risen). Default 30. */
  probe?: number;
  /** The factor an overload error cuts the limit by, in (0, 1). Default 0.5. */
  backoff?: number;
}

/**
 * Vegas, per sample: the no-load latency is the minimum seen (re-measured every `probe * limit` samples); a sample
 * of latency `rtt` implies `queue = limit * (1 - noLoad / rtt)` tasks waiting. Below `log10(limit)` the limit grows
 * by `beta * log10(limit)`, below `alpha * log10(limit)` by `log10(limit)`, above `beta * log10(limit)` it shrinks
 * by `log10(limit)` (all with a unit of at least 1). An overload error cuts it by `backoff`, once per round trip.
 *
 * Assumes: latencies of one kind of task vary little (the minimum is a fair no-load latency) and a stable
 * no-load latency. Do not use it with widely spread latencies (a log-normal tail makes the minimum an outlier, so
 * every ordinary sample reads as queueing): {@link gradient2} compares means and suits those.
 *
 * Cost: O(1) per sample.
 *
 * @param options - `{ alpha = 3, beta = 6, probe = 30, backoff = 0.5 }`.
 * @returns a factory for `adaptive({ algorithm })`.
 * @example
 * ```ts
 * const cache = adaptive({ algorithm: vegas(), max: 200 });
 * ```
 */
export function vegas(options: VegasOptions = {}): LimitAlgorithmFactory {
  const { alpha = 3, beta = 6, probe = 30, backoff = 0.5 } = options;
  checkPositive('vegas', 'alpha', alpha);
  checkPositive('vegas', 'beta', beta);
  if (beta <= alpha)
    throw new RangeError(`vegas: expected \`beta\` (${beta}) to be greater than \`alpha\` (${alpha})`);
  checkPositive('vegas', 'probe', probe);
  checkFraction('vegas', 'backoff', backoff, false);
  return (bounds) => new Vegas(bounds, alpha, beta, probe, backoff);
}

/** @internal The state machine behind {@link vegas}. */
export class Vegas implements LimitAlgorithm {
  readonly name = 'vegas';
  estimate: number;
  noLoad = 0;
  private _probeCount = 0;
  private readonly _cuts = new CutPacer();

  constructor(
    private readonly _bounds: LimitBounds,
    private readonly _alpha: number,
    private readonly _beta: number,
    private readonly _probe: number,
    private readonly _backoff: number,
  ) {
    this.estimate = _bounds.initial;
  }

  update(sample: LimitSample): LimitDecision | undefined {
    const limit = this.estimate;
    const { min, max } = this._bounds;
    if (sample.overload) {
      if (!this._cuts.due(sample)) return undefined;
      return this.#set(Math.max(min, limit * this._backoff), 'overload', { inFlight: sample.inFlight });
    }
    const { rtt } = sample;
    if (++this._probeCount >= this._probe * limit) {
      this._probeCount = 0;
      this.noLoad = rtt;
      return undefined;
    }
    if (this.noLoad === 0 || rtt < this.noLoad) {
      this.noLoad = rtt;
      return undefined;
    }
    if (sample.inFlight * 2 < limit) return undefined;
    const queue = Math.ceil(limit * (1 - this.noLoad / rtt));
    const unit = Math.max(1, Math.log10(limit));
    let next: number;
    if (queue <= unit) next = limit + this._beta * unit;
    else if (queue < this._alpha * unit) next = limit + unit;
    else if (queue > this._beta * unit) next = limit - unit;
    else return undefined;
    next = Math.max(min, Math.min(max, next));
    return this.#set(next, next < limit ? 'latency' : 'growth', {
      rtt,
      noLoad: this.noLoad,
      queue,
      inFlight: sample.inFlight,
    });
  }

  #set(next: number, cause: string, signals: Record<string, number>): LimitDecision | undefined {
    if (next === this.estimate) return undefined;
    this.estimate = next;
    return { estimate: next, cause, signals };
  }
}
