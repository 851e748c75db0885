/**
 * @module Bounded, ordered `map` and `forEach` over arrays, iterables and async iterables (a sliding window).
 */
import type { AdaptiveLimit } from '../adaptive/adaptive.js';
import { abortedRejection, type SignalOptions } from '../internal/abort.js';
import {
  checkConcurrency,
  checkOptions,
  checkPoolArgs,
  PoolRun,
  type Mapper,
  type PoolInput,
} from './internal/run.js';

export type { Mapper, PoolInput };

/** Options of {@link map} and {@link forEach}. */
export interface MapOptions extends SignalOptions {
  /**
   * How many mappers may run at once: a safe integer from 1 up, `Infinity`, or an `adaptive()` limit (read each time a
   * mapper is admitted; the run claims it until it settles). Required.
   */
  concurrency: number | AdaptiveLimit;
  /**
   * `true` (the default): the first failure rejects at once, starts nothing new and aborts the mappers' signal.
   * `false`: every item runs, and the failures come back together as one `AggregateError` in input order.
   */
  stopOnError?: boolean | undefined;
}

/** @internal The run behind map, forEach and batch: collects results (or not) and settles one promise. */
export class MapRun<T, R> extends PoolRun<T, R> {
  readonly promise: Promise<R[]>;
  private _resolve!: (value: R[]) => void;
  private _reject!: (reason: unknown) => void;
  private readonly _results: R[] | undefined;
  private readonly _stopOnError: boolean;
  private _errors: { index: number; error: unknown }[] | undefined;

  constructor(
    input: PoolInput<T>,
    mapper: Mapper<T, R>,
    limit: number | AdaptiveLimit,
    signal: AbortSignal | undefined,
    collect: boolean,
    stopOnError: boolean,
    owner?: string,
  ) {
    super(input, mapper, limit, signal, owner);
    this.promise = new Promise<R[]>((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    this._results = collect ? (Array.isArray(input) ? new Array<R>(input.length) : []) : undefined;
    this._stopOnError = stopOnError;
  }

  settle(index: number, value: R): void {
    if (this._results !== undefined) this._results[index] = value;
  }

  fault(index: number, error: unknown): void {
    if (this._stopOnError) this.stop(error);
    else (this._errors ??= []).push({ index, error });
  }

  protected complete(): void {
    const errors = this._errors;
    if (errors === undefined) {
      const results = this._results ?? [];
      // An array that shrank while being mapped leaves no trailing holes.
      if (results.length > this.started) results.length = this.started;
      this._resolve(results);
      return;
    }
    // Failures are reported in input order, not completion order, so the same input gives the same error.
    errors.sort((a, b) => a.index - b.index);
    const failed = errors.map((e) => e.error);
    this._reject(new AggregateError(failed, `${failed.length} of ${this.started} items failed`));
  }

  protected fail(reason: unknown): void {
    this._reject(reason);
  }
}

/** Starts a MapRun after validating; misuse and an already-aborted signal come back as a rejected promise. */
export function runMap<T, R>(
  owner: string,
  input: PoolInput<T>,
  mapper: Mapper<T, R>,
  options: MapOptions,
  collect: boolean,
): Promise<R[]> {
  try {
    checkOptions(owner, options);
    checkPoolArgs(owner, input, mapper, options.signal);
    checkConcurrency(owner, 'concurrency', options.concurrency);
  } catch (error) {
    return Promise.reject(error);
  }
  const { signal, concurrency, stopOnError = true } = options;
  const aborted = abortedRejection(signal);
  if (aborted !== undefined) return aborted;
  let run: MapRun<T, R>;
  try {
    run = new MapRun(input, mapper, concurrency, signal, collect, stopOnError !== false, owner);
  } catch (error) {
    return Promise.reject(error);
  }
  run.start();
  return run.promise;
}

/**
 * Maps `input` through `mapper` with at most `concurrency` mappers running, and resolves with the results in input
 * order. A new mapper starts as soon as one finishes (a sliding window, not fixed batches; see {@link batch}).
 *
 * Invariants:
 * - Items are pulled lazily: an item is taken from the input only when a slot is free for it, so at most
 *   `concurrency` items are out of the input and unfinished. Async iterators see one `next()` at a time.
 * - `mapper(item, index, signal)`: `index` counts from 0 in input order; `signal` aborts when the run stops early.
 * - With `stopOnError` (the default) the first failure rejects at once (it does not wait for running mappers,
 *   p-map#42), starts nothing new, aborts `signal` with the error and closes the input (`return()`). Late results
 *   and late failures of the running mappers are dropped, never unhandled.
 * - Without it, every item runs; if any failed, rejects with an `AggregateError` whose `errors` are in input order.
 * - Aborting `options.signal` rejects at once with its reason and stops the run the same way. An already-aborted
 *   signal rejects before anything is pulled. When the promise settles no listener is left on the caller's signal.
 * - An input that throws rejects with that error whatever `stopOnError` says.
 *
 * Cost: over an array or an iterable, `concurrency` async workers and one `await` per item, with no closure or
 * promise of map's own per item (1.1–1.5x a hand-written worker loop in bench/pool.bench.ts); a synchronous mapper
 * runs inline with no promise and no microtask per item. An async iterable costs one `then` per item more.
 *
 * @param input - an array (read by index, live length), an iterable or an async iterable.
 * @param mapper - called as `(item, index, signal)`; may return a value or a promise.
 * @param options - `{ concurrency, signal?, stopOnError = true }`; a bad `concurrency` rejects with a
 *   TypeError/RangeError quoting it.
 * @returns the results in input order.
 * @example
 * ```ts
 * const pages = await map(urls, (url, _i, signal) => fetch(url, { signal }).then((r) => r.text()), {
 *   concurrency: 8,
 * });
 * ```
 */
export function map<T, R>(input: PoolInput<T>, mapper: Mapper<T, R>, options: MapOptions): Promise<R[]> {
  return runMap('map', input, mapper, options, true);
}

/**
 * Runs `fn` for every item of `input` with at most `concurrency` running: {@link map} without collecting results,
 * with the same ordering, laziness, error and abort rules.
 *
 * @param input - an array, an iterable or an async iterable.
 * @param fn - called as `(item, index, signal)`.
 * @param options - `{ concurrency, signal?, stopOnError = true }`.
 * @returns resolves once every item has been handled; rejects as {@link map} does.
 * @example
 * ```ts
 * await forEach(files, (file, _i, signal) => upload(file, { signal }), { concurrency: 4, signal });
 * ```
 */
export async function forEach<T>(
  input: PoolInput<T>,
  fn: Mapper<T, unknown>,
  options: MapOptions,
): Promise<void> {
  await runMap('forEach', input, fn, options, false);
}
