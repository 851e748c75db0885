/**
 * @module AIMD: additive increase, multiplicative decrease on overload errors (TCP Reno's rule, loss-based).
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

/** Tuning of {@link aimd}. */
export interface AimdOptions {
  /** The factor an overload cuts the limit by, in (0, 1). Default 0.9 (Netflix's); TCP uses 0.5. */
  backoff?: number;
  /** A success slower than this (ms) counts as an overload too. Default `Infinity` (latency is ignored). */
  timeoutMs?: number;
}

/**
 * Loss-based AIMD. Each success of a task admitted while at least half the limit was in use adds `1 / limit`, so
 * the limit grows by about one per round trip of a full window; an overload (an error `isOverload` marks, or a
 * success slower than `timeoutMs`) multiplies it by `backoff` at once, at most once per round trip: overloads of
 * tasks admitted before the last cut are ignored, as they reflect the load before it.
 *
 * Assumes: the other side says "too much" with errors (429, 503, timeouts) before it slows down much, and shedding
 * a few requests at the top of each cycle is acceptable. Do not use it when overload shows only as latency (the
 * limit grows until something times out: use {@link gradient2}), or when every failed request is costly.
 *
 * Cost: O(1) per sample.
 *
 * @param options - `{ backoff = 0.9, timeoutMs = Infinity }`.
 * @returns a factory for `adaptive({ algorithm })`.
 * @example
 * ```ts
 * const api = adaptive({ algorithm: aimd({ backoff: 0.5 }), initial: 10 });
 * ```
 */
export function aimd(options: AimdOptions = {}): LimitAlgorithmFactory {
  const { backoff = 0.9, timeoutMs = Infinity } = options;
  checkFraction('aimd', 'backoff', backoff, false);
  if (timeoutMs !== Infinity) checkPositive('aimd', 'timeoutMs', timeoutMs);
  return (bounds) => new Aimd(bounds, backoff, timeoutMs);
}

/** @internal The state machine behind {@link aimd}. */
export class Aimd implements LimitAlgorithm {
  readonly name = 'aimd';
  estimate: number;
  private readonly _cuts = new CutPacer();

  constructor(
    private readonly _bounds: LimitBounds,
    private readonly _backoff: number,
    private readonly _timeoutMs: number,
  ) {
    this.estimate = _bounds.initial;
  }

  update(sample: LimitSample): LimitDecision | undefined {
    const limit = this.estimate;
    const { min, max } = this._bounds;
    let next: number;
    let cause: string;
    if (sample.overload || sample.rtt > this._timeoutMs) {
      if (!this._cuts.due(sample)) return undefined;
      next = Math.max(min, Math.min(limit - 1, limit * this._backoff));
      cause = 'overload';
    } else if (sample.inFlight * 2 >= limit) {
      next = Math.min(max, limit + 1 / limit);
      cause = 'growth';
    } else return undefined;
    if (next === limit) return undefined;
    this.estimate = next;
    return { estimate: next, cause, signals: { rtt: sample.rtt, inFlight: sample.inFlight } };
  }
}
