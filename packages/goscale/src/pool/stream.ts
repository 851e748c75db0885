/**
 * @module `stream`: a bounded, ordered, lazily started async iterable of mapped results.
 */
import type { AdaptiveLimit } from '../adaptive/adaptive.js';
import { reasonOf, type SignalOptions } from '../internal/abort.js';
import {
  checkConcurrency,
  checkOptions,
  checkPoolArgs,
  PoolRun,
  type Mapper,
  type PoolInput,
} from './internal/run.js';

/** Options of {@link stream}. */
export interface StreamOptions extends SignalOptions {
  /** How many mappers may run at once, and how many results may wait for the consumer: a safe integer from 1 up,
   * `Infinity`, or an `adaptive()` limit (claimed by the stream until it ends). Required. */
  concurrency: number | AdaptiveLimit;
}

/**
 * What {@link stream} returns: a single-use async iterable iterator whose `return()` is always there, so code that
 * stops reading without a `for await` loop can still end the stream.
 */
export interface StreamIterator<R> extends AsyncIterableIterator<R, undefined> {
  /** Ends the stream: aborts running mappers, closes the input; resolves at once. A no-op once it has ended. */
  return(): Promise<IteratorReturnResult<undefined>>;
  [Symbol.asyncIterator](): StreamIterator<R>;
}

interface Waiter<R> {
  resolve: (result: IteratorResult<R, undefined>) => void;
  reject: (reason: unknown) => void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

class StreamRun<T, R> extends PoolRun<T, R> implements StreamIterator<R> {
  private readonly _buffer = new Map<number, R>();
  private readonly _waiters: Waiter<R>[] = [];
  private readonly _callerSignal: AbortSignal | undefined;
  private _taken = 0;
  private _begun = false;
  /** The consumer has seen the end (done, the error, or it called return()). */
  private _finished = false;
  /** The consumer left: the stop reason is ours, not something to report. */
  private _quiet = false;
  private _error: { reason: unknown } | undefined;

  constructor(
    input: PoolInput<T>,
    mapper: Mapper<T, R>,
    concurrency: number | AdaptiveLimit,
    signal: AbortSignal | undefined,
  ) {
    super(input, mapper, concurrency, signal, 'stream');
    this._callerSignal = signal;
  }

  // A result holds its slot until the consumer takes it, so running mappers plus waiting results never exceed
  // `concurrency` (futures' `buffered(n)` makes the same choice). The price is head-of-line blocking behind a slow
  // item; `map`/`forEach` have none, as they keep no results back from anyone.
  override room(): boolean {
    return this.running + this._buffer.size < this._limit;
  }

  settle(index: number, value: R): void {
    this._buffer.set(index, value);
    this.#deliver();
  }

  fault(_index: number, error: unknown): void {
    this.stop(error);
  }

  protected complete(): void {
    this.#deliver();
  }

  protected fail(reason: unknown): void {
    if (this._quiet) return;
    // The failure overtakes results still waiting: they are dropped, so the error surfaces at the next `next()`.
    this._buffer.clear();
    this._error = { reason };
    this.#deliver();
  }

  #deliver(): void {
    const waiters = this._waiters;
    while (waiters.length > 0) {
      const error = this._error;
      if (error !== undefined) {
        this._error = undefined;
        this._finished = true;
        waiters.shift()!.reject(error.reason);
      } else if (this._buffer.has(this._taken)) {
        const value = this._buffer.get(this._taken)!;
        this._buffer.delete(this._taken++);
        waiters.shift()!.resolve({ done: false, value });
      } else if (this.ended) {
        this._finished = true;
        waiters.shift()!.resolve(DONE);
      } else return;
    }
  }

  next(): Promise<IteratorResult<R, undefined>> {
    if (this._finished) return Promise.resolve(DONE);
    const signal = this._callerSignal;
    if (signal?.aborted && this._error === undefined) {
      // Aborted after the last mapper finished: the run has no listener left, so the abort is noticed here.
      this._quiet = true;
      this.stop(reasonOf(signal));
      this._finished = true;
      this._buffer.clear();
      return Promise.reject(reasonOf(signal));
    }
    return new Promise<IteratorResult<R, undefined>>((resolve, reject) => {
      this._waiters.push({ resolve, reject });
      if (!this._begun) {
        this._begun = true;
        this.start();
      } else {
        this.#deliver();
        // Taking a result frees its slot.
        this.pump();
      }
    });
  }

  return(): Promise<IteratorReturnResult<undefined>> {
    if (!this._finished) {
      this._finished = true;
      this._quiet = true;
      this._buffer.clear();
      this.stop(new DOMException('The consumer left the stream', 'AbortError'));
      for (const waiter of this._waiters.splice(0)) waiter.resolve(DONE);
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Maps `input` through `mapper` with at most `concurrency` mappers running and yields the results in input order.
 * Nothing is pulled or started until the consumer asks for the first result.
 *
 * Invariants:
 * - Bounded read-ahead: a result holds its slot until the consumer takes it, so running mappers plus finished results
 *   waiting for the consumer never exceed `concurrency`, and items are pulled from the input only into a free slot.
 * - `mapper(item, index, signal)`: `signal` aborts when the stream stops early.
 * - The first failure (or an abort of `options.signal`) stops at once: nothing new starts, running mappers are
 *   aborted, the input is closed, results not yet taken are dropped, and the next `next()` rejects with the error;
 *   after that the stream is done.
 * - Leaving the loop early (`break`, `return`, a throw: anything that calls `return()`) aborts the running mappers
 *   with an `AbortError`, closes the input and resolves at once, without waiting for them.
 * - An already-aborted signal makes the first `next()` reject with its reason; nothing is pulled.
 * - A consumer that neither reads to the end nor calls `return()` keeps the run, and its listener on `signal`, alive,
 *   as an unfinished async generator would: use `for await`, or call `return()`.
 *
 * Cost: as {@link map}, plus one Map entry per result that finished ahead of the one the consumer waits for.
 *
 * @param input - an array, an iterable or an async iterable.
 * @param mapper - called as `(item, index, signal)`.
 * @param options - `{ concurrency, signal? }`; bad arguments throw a TypeError/RangeError at once.
 * @returns a single-use async iterable iterator of the results.
 * @example
 * ```ts
 * for await (const page of stream(urls, (url, _i, signal) => fetch(url, { signal }), { concurrency: 4 })) {
 *   if (await isTheOne(page)) break; // the other fetches are aborted
 * }
 * ```
 */
export function stream<T, R>(
  input: PoolInput<T>,
  mapper: Mapper<T, R>,
  options: StreamOptions,
): StreamIterator<R> {
  checkOptions('stream', options);
  checkPoolArgs('stream', input, mapper, options.signal);
  checkConcurrency('stream', 'concurrency', options.concurrency);
  return new StreamRun(input, mapper, options.concurrency, options.signal);
}
