/**
 * @module `adaptive()`: a concurrency limit that finds itself from the latency and the overload errors of the tasks
 * it admits, for `map`, `forEach`, `stream`, `limit` and `Group` in place of a number.
 */
import { describe } from '../internal/args.js';
import { aimd } from './aimd.js';
import { gradient2 } from './gradient2.js';
import { checkPositive } from './internal/check.js';
import { isAbortError, isOverloadError } from './overload.js';
import type { LimitAlgorithm, LimitAlgorithmFactory, LimitBounds, LimitChange } from './types.js';
import { vegas } from './vegas.js';

/** Options of {@link adaptive}. */
export interface AdaptiveOptions {
  /** The limit to start from: an integer in [min, max]. Default 8, or `min` when that is larger. */
  initial?: number;
  /** The lowest limit: an integer from 1 up. Default 1. */
  min?: number;
  /** The highest limit: an integer from `min` up. Default 1,000. */
  max?: number;
  /** `'gradient2'` (the default), `'aimd'`, `'vegas'`, or a factory such as `aimd({ backoff: 0.5 })`. */
  algorithm?: 'gradient2' | 'aimd' | 'vegas' | LimitAlgorithmFactory;
  /** Which task errors mean "too much": they cut the limit at once. Default {@link isOverloadError}. */
  isOverload?: (error: unknown) => boolean;
  /** The clock, in milliseconds. Default `performance.now`; tests pass a virtual one. */
  now?: () => number;
  /** Called after each change of the limit in force, with the signals that caused it. */
  onChange?: (change: LimitChange) => void;
}

const ALGORITHMS: Record<string, () => LimitAlgorithmFactory> = {
  gradient2: () => gradient2(),
  aimd: () => aimd(),
  vegas: () => vegas(),
};

/**
 * A concurrency limit that moves. Hand it to one engine — `map`/`forEach`/`stream` as `{ concurrency }`,
 * `limit(…)`, or `new Group({ limit })` — which reads {@link current} whenever it admits a task and reports every
 * finished task's latency and outcome to the algorithm. Made by {@link adaptive}.
 *
 * Invariants:
 * - `current` is an integer in [min, max]. An engine admits a task only while fewer than `current` run; a cut
 *   stops no running task, so right after one, more than `current` may still be running until they finish.
 * - A sample is a task that settled: a success, or a failure `isOverload` marks (which cuts the limit at once).
 *   A task aborted by the caller (its engine's signal aborted, or it rejected with an `AbortError`), a task
 *   that failed otherwise, and a synchronous one (it held no slot) are not samples and leave the limit unchanged.
 * - One engine at a time: an engine claims the limit while it runs (a map run until it settles, a Group until
 *   `wait()` settles, a `limit()` for good); a second engine that claims it meanwhile gets a TypeError. Reusing it
 *   afterwards keeps what it learned.
 * - `onChange` runs synchronously inside the engine's completion handling, once per change of `current`; if it
 *   throws, the error is rethrown from a microtask (an uncaught exception, as an event listener's would be) and
 *   the engine is not disturbed.
 *
 * Cost: two clock reads and one algorithm step (O(1)) per task, and the engine's adaptive path: for `map` the
 * event-driven pump instead of its worker loop (about one extra `then` per item); numbers cost what they did.
 */
export class AdaptiveLimit {
  #current: number;
  #owner: string | undefined = undefined;
  readonly #algorithm: LimitAlgorithm;
  readonly #isOverload: (error: unknown) => boolean;
  readonly #onChange: ((change: LimitChange) => void) | undefined;
  readonly #min: number;
  readonly #max: number;
  /** @internal The clock the engines time tasks with. */
  readonly now: () => number;

  /** @internal Use {@link adaptive}. */
  constructor(
    algorithm: LimitAlgorithm,
    bounds: LimitBounds,
    isOverload: (error: unknown) => boolean,
    now: () => number,
    onChange: ((change: LimitChange) => void) | undefined,
  ) {
    this.#algorithm = algorithm;
    this.#min = bounds.min;
    this.#max = bounds.max;
    this.#current = bounds.initial;
    this.#isOverload = isOverload;
    this.now = now;
    this.#onChange = onChange;
  }

  /** The limit in force now: an integer in [min, max]. */
  get current(): number {
    return this.#current;
  }

  /** The algorithm's name (`'gradient2'`, `'aimd'`, `'vegas'` or a custom one). */
  get algorithm(): string {
    return this.#algorithm.name;
  }

  /** @internal An engine takes the limit for itself; throws a TypeError naming `owner` if another holds it. */
  claim(owner: string): void {
    if (this.#owner !== undefined) {
      throw new TypeError(
        `${owner}: this adaptive() limit is in use by ${this.#owner}; give each map, limit and Group its own`,
      );
    }
    this.#owner = owner;
  }

  /** @internal The engine is done with it. */
  unclaim(): void {
    this.#owner = undefined;
  }

  /**
   * @internal Reports a task admitted at `start` with `inFlight` running (itself included) that settled now:
   * `failed` with `error`, or not. The engine reads `current` afterwards.
   */
  record(start: number, inFlight: number, failed: boolean, error: unknown): void {
    let overload = false;
    if (failed) {
      if (isAbortError(error)) return;
      overload = this.#isOverload(error) === true;
      if (!overload) return;
    }
    const end = this.now();
    const decision = this.#algorithm.update({ start, rtt: Math.max(0, end - start), inFlight, overload });
    if (decision === undefined) return;
    // A custom algorithm's estimate is trusted no further than the bounds (NaN keeps the limit as it is).
    const raw = Math.floor(decision.estimate);
    const next = Number.isNaN(raw) ? this.#current : Math.max(this.#min, Math.min(this.#max, raw));
    const previous = this.#current;
    if (next === previous) return;
    this.#current = next;
    const onChange = this.#onChange;
    if (onChange === undefined) return;
    const change: LimitChange = {
      limit: next,
      previous,
      at: end,
      algorithm: this.#algorithm.name,
      cause: decision.cause,
      estimate: decision.estimate,
      signals: decision.signals,
    };
    try {
      onChange(change);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/** Whether `value` is an {@link AdaptiveLimit} (what the engines accept besides a number). @internal */
export function isAdaptive(value: unknown): value is AdaptiveLimit {
  return value instanceof AdaptiveLimit;
}

/**
 * Creates an adaptive concurrency limit: pass it where a concurrency number goes (`map(items, fn, { concurrency:
 * adaptive() })`, `limit(adaptive())`, `new Group({ limit: adaptive() })`) and it finds the concurrency the other
 * side serves best, from the latency and overload errors of the tasks it admits, as TCP congestion control finds
 * a window. Netflix's concurrency-limits and Envoy's adaptive concurrency filter do this for servers; here it is
 * for the client side of a pool.
 *
 * When to use it: the other side's capacity is unknown or moves (shared databases, autoscaled services, other
 * clients' load), and its latency rises when it is pushed too hard. When not: a documented quota (N requests per
 * second: use a `Limiter`), a known fixed capacity (a pool of 10 connections: use 10), work whose latency does not
 * depend on your load (CPU work in this process), or runs of a few dozen tasks (it needs samples to learn from).
 *
 * @param options - see {@link AdaptiveOptions}; a bad value throws a TypeError or RangeError naming it.
 * @returns the limit.
 * @example
 * ```ts
 * const db = adaptive({ max: 256, onChange: (c) => log.info(`db limit ${c.previous} -> ${c.limit} (${c.cause})`) });
 * await forEach(ids, (id, _i, signal) => query(id, { signal }), { concurrency: db });
 * ```
 */
export function adaptive(options: AdaptiveOptions = {}): AdaptiveLimit {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`adaptive: expected \`options\` to be an object, got ${describe(options)}`);
  }
  const {
    min = 1,
    max = 1000,
    algorithm = 'gradient2',
    isOverload = isOverloadError,
    now,
    onChange,
  } = options;
  checkPositive('adaptive', 'min', min, true);
  checkPositive('adaptive', 'max', max, true);
  if (max < min) throw new RangeError(`adaptive: expected \`max\` (${max}) to be at least \`min\` (${min})`);
  const initial = options.initial ?? Math.min(max, Math.max(min, 8));
  checkPositive('adaptive', 'initial', initial, true);
  if (initial < min || initial > max) {
    throw new RangeError(
      `adaptive: expected \`initial\` to be within [${min}, ${max}], got ${describe(initial)}`,
    );
  }
  let factory: LimitAlgorithmFactory;
  if (typeof algorithm === 'function') factory = algorithm;
  else if (typeof algorithm === 'string' && Object.hasOwn(ALGORITHMS, algorithm))
    factory = ALGORITHMS[algorithm]!();
  else {
    throw new TypeError(
      `adaptive: expected \`algorithm\` to be 'gradient2', 'aimd', 'vegas' or a factory, got ${describe(algorithm)}`,
    );
  }
  if (typeof isOverload !== 'function') {
    throw new TypeError(`adaptive: expected \`isOverload\` to be a function, got ${describe(isOverload)}`);
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError(`adaptive: expected \`now\` to be a function, got ${describe(now)}`);
  }
  if (onChange !== undefined && typeof onChange !== 'function') {
    throw new TypeError(`adaptive: expected \`onChange\` to be a function, got ${describe(onChange)}`);
  }
  const bounds = { initial, min, max };
  const instance = factory(bounds);
  if (instance === null || typeof instance !== 'object' || typeof instance.update !== 'function') {
    throw new TypeError(
      `adaptive: the \`algorithm\` factory returned ${describe(instance)}, not an algorithm`,
    );
  }
  return new AdaptiveLimit(instance, bounds, isOverload, now ?? (() => performance.now()), onChange);
}
