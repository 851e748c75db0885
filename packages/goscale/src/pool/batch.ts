/**
 * @module `batch`: the fixed-batch strategy (each batch waits for the slowest item of the one before), kept to
 * compare with the sliding window of `map`.
 */
import { abortedRejection, type SignalOptions } from '../internal/abort.js';
import { checkInteger } from '../internal/args.js';
import { checkOptions, checkPoolArgs, type Mapper, type PoolInput } from './internal/run.js';
import { MapRun } from './map.js';

/** Options of {@link batch}. */
export interface BatchOptions extends SignalOptions {
  /** Items per batch: a safe integer from 1 up. Required. */
  size: number;
}

class BatchRun<T, R> extends MapRun<T, R> {
  private readonly _size: number;
  private _end: number;

  constructor(input: PoolInput<T>, mapper: Mapper<T, R>, size: number, signal: AbortSignal | undefined) {
    super(input, mapper, size, signal, true, true);
    this._size = size;
    this._end = size;
  }

  // The next batch opens only once every item of the current one has finished: this is the whole strategy, and the
  // reason it is slower than a sliding window whenever durations vary.
  override room(): boolean {
    if (this.started < this._end) return true;
    if (this.running > 0) return false;
    this._end += this._size;
    return true;
  }
}

/**
 * Maps `input` in fixed batches of `size`: the items of a batch run together, and the next batch starts only when
 * the slowest item of the current one has finished. Prefer {@link map}, which starts a new item as soon as any
 * finishes; `batch` exists so the two can be compared (it is what `for (chunk of chunks) await Promise.all(...)`
 * does, without the off-by-one and remainder bugs of hand-written chunking).
 *
 * Invariants:
 * - Results come back in input order; every item is mapped exactly once, including a last batch shorter than `size`.
 * - `mapper(item, index, signal)`; the first failure rejects at once, starts nothing new, aborts `signal` with the
 *   error and closes the input. Aborting `options.signal` does the same with its reason; an already-aborted signal
 *   rejects before anything is pulled. No listener is left on the caller's signal once the promise settles.
 * - Items are pulled only when their batch opens.
 *
 * @param input - an array, an iterable or an async iterable.
 * @param mapper - called as `(item, index, signal)`.
 * @param options - `{ size, signal? }`; a bad `size` rejects with a TypeError/RangeError quoting it.
 * @returns the results in input order.
 * @example
 * ```ts
 * const rows = await batch(ids, (id, _i, signal) => db.load(id, { signal }), { size: 10 });
 * ```
 */
export function batch<T, R>(input: PoolInput<T>, mapper: Mapper<T, R>, options: BatchOptions): Promise<R[]> {
  try {
    checkOptions('batch', options);
    checkPoolArgs('batch', input, mapper, options.signal);
    checkInteger('batch', 'size', options.size, 1);
  } catch (error) {
    return Promise.reject(error);
  }
  const { signal, size } = options;
  const aborted = abortedRejection(signal);
  if (aborted !== undefined) return aborted;
  const run = new BatchRun(input, mapper, size, signal);
  run.start();
  return run.promise;
}
