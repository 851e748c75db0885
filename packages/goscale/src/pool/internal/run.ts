/**
 * @module The sliding-window engine behind `map`, `forEach`, `stream` and `batch`: pulls items lazily, runs at most
 * `limit` mappers, and stops cleanly (mappers aborted, input closed, caller listener removed).
 * @internal
 */
import type { AdaptiveLimit } from '../../adaptive/adaptive.js';
import { reasonOf, sharedController } from '../../internal/abort.js';
import { isThenable, type Mapper, type PoolInput } from './args.js';
import { noop } from '../../internal/noop.js';
import { Slot } from './slot.js';

export type { Mapper, PoolInput };

const DONE: unique symbol = Symbol('done');
export { checkConcurrency, checkOptions, checkPoolArgs } from './args.js';

/**
 * A run of `mapper` over `input`. Subclasses decide what a result, a failure, the end and a stop mean.
 *
 * Two drivers: map and forEach over an array or a synchronous iterable run `limit` async workers (#work); the rest
 * (stream, batch, any async iterable) run pump(), re-entered from a reusable Slot whenever a mapper settles.
 *
 * Invariants: at most `limit` mappers are pending at once; an item is pulled from the input only when a mapper slot
 * is free for it (a free worker, or `running < limit && room()`); at most one `next()` of an async iterator is pending;
 * once `ended`, nothing is pulled or started, the caller's signal holds no listener from the run, and late results
 * are dropped (their rejections are still observed, so nothing becomes an unhandled rejection).
 */
export abstract class PoolRun<T, R> {
  // Plain fields rather than #private ones, here and in the subclasses: with #fields, repeated runs over a large input
  // were measured slowing down three to five times after about six runs (V8 deoptimizing and giving up on the hot
  // methods); with plain fields the same loop keeps its speed.
  readonly controller = sharedController();
  running = 0;
  /** Index of the next item to start: also the number of items pulled so far. */
  started = 0;
  ended = false;
  private _exhausted = false;
  private _pulling = false;
  private _opened = false;
  private _array: readonly T[] | undefined;
  private _iter: Iterator<T> | undefined;
  private _aiter: AsyncIterator<T> | undefined;
  private readonly _input: PoolInput<T>;
  private readonly _mapper: Mapper<T, R>;
  /** The limit in force: fixed, or an adaptive limit's `current` as of the last sample. */
  protected _limit: number;
  /** Set when the limit is adaptive: tasks are then timed and reported to it. */
  readonly adaptive: AdaptiveLimit | undefined;
  private readonly _signal: AbortSignal | undefined;
  private readonly _slots: Slot<T, R>[] = [];

  constructor(
    input: PoolInput<T>,
    mapper: Mapper<T, R>,
    limit: number | AdaptiveLimit,
    signal: AbortSignal | undefined,
    owner = 'map',
  ) {
    this._input = input;
    this._mapper = mapper;
    if (typeof limit === 'number') {
      this._limit = limit;
      this.adaptive = undefined;
    } else {
      limit.claim(owner);
      this._limit = limit.current;
      this.adaptive = limit;
    }
    this._signal = signal;
  }

  /** Stores a result. */
  abstract settle(index: number, value: R): void;
  /** Handles a mapper failure; call `stop(error)` to end the run. */
  abstract fault(index: number, error: unknown): void;
  /** Every item was pulled and every mapper has finished. */
  protected abstract complete(): void;
  /** The run was stopped early with `reason` (first failure, caller abort, consumer left). */
  protected abstract fail(reason: unknown): void;
  /** Extra admission rule (stream read-ahead, batch boundaries). */
  room(): boolean {
    return true;
  }

  /** Opens the input, links to the caller's signal and starts the first mappers. */
  start(): void {
    this._opened = true;
    const input = this._input;
    try {
      if (Array.isArray(input)) this._array = input as readonly T[];
      else if (typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
        this._aiter = (input as AsyncIterable<T>)[Symbol.asyncIterator]();
      } else this._iter = (input as Iterable<T>)[Symbol.iterator]();
    } catch (error) {
      this.#sourceFailed(error);
      return;
    }
    this._signal?.addEventListener('abort', this._onAbort, { once: true });
    // map and forEach over a synchronous source run as `limit` async workers, the shape of the hand-written loop
    // they are benchmarked against; an admission rule (stream, batch) or an async source needs pump() instead.
    // An adaptive limit needs pump() too: it re-reads the limit each time a task finishes.
    if (this._aiter === undefined && this.room === PoolRun.prototype.room && this.adaptive === undefined) {
      this.#spawn();
    } else this.pump();
  }

  private _workers = 0;

  #spawn(): void {
    while (!this.ended && !this._exhausted && this._workers < this._limit) {
      this._workers++;
      void this.#work();
    }
  }

  /** One worker: takes the next item whenever it is free. Never rejects: every failure goes to fault or stop. */
  async #work(): Promise<void> {
    const array = this._array;
    const iter = this._iter;
    const mapper = this._mapper;
    const signal = this.controller.signal;
    while (!this.ended) {
      const index = this.started;
      const item = this.#nextSync(array, iter);
      if (item === DONE) break;
      this.started = index + 1;
      let value: R | PromiseLike<R>;
      try {
        value = mapper(item, index, signal);
        // A synchronous result is used as is: no await, so a synchronous mapper costs no microtask per item.
        if (value instanceof Promise || isThenable(value)) {
          this.running++;
          try {
            value = await (value as PromiseLike<R>);
          } finally {
            this.running--;
          }
        }
      } catch (error) {
        if (this.ended) break;
        this.fault(index, error);
        continue;
      }
      if (this.ended) break;
      this.settle(index, value);
    }
    if (--this._workers === 0 && this._exhausted && !this.ended) {
      this.ended = true;
      this.#detach();
      this.complete();
    }
  }

  /**
   * The next item of an array or synchronous iterator input, or DONE when there is none: the input is exhausted, or
   * it threw and the run is stopped.
   */
  #nextSync(array: readonly T[] | undefined, iter: Iterator<T> | undefined): T | typeof DONE {
    if (array !== undefined) {
      if (this.started < array.length) return array[this.started]!;
      this._exhausted = true;
      return DONE;
    }
    let step: IteratorResult<T>;
    try {
      step = iter!.next();
    } catch (error) {
      this.#sourceFailed(error);
      return DONE;
    }
    if (step.done !== true) return step.value;
    this._exhausted = true;
    return DONE;
  }

  private readonly _onAbort = (): void => {
    this.stop(reasonOf(this._signal!));
  };

  release(slot: Slot<T, R>): void {
    this.running--;
    this._slots.push(slot);
  }

  /** Reports a finished task to the adaptive limit and takes up the limit it now sets (before pump() admits). */
  sample(slot: Slot<T, R>, failed: boolean, error: unknown): void {
    const adaptive = this.adaptive!;
    adaptive.record(slot.start, slot.inFlight, failed, error);
    this._limit = adaptive.current;
  }

  /** Starts items while there is room, then ends the run if the input is drained and nothing is running. */
  pump(): void {
    const array = this._array;
    const iter = this._iter;
    while (!this.ended && this.running < this._limit && !this._exhausted && this.room()) {
      if (array === undefined && iter === undefined) {
        if (!this._pulling) this.#pull();
        return;
      }
      const item = this.#nextSync(array, iter);
      if (item === DONE) break;
      this.#launch(item, this.started++);
    }
    if (this._exhausted && this.running === 0 && !this._pulling && !this.ended) {
      this.ended = true;
      this.#detach();
      this.complete();
    }
  }

  #pull(): void {
    this._pulling = true;
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = Promise.resolve(this._aiter!.next());
    } catch (error) {
      this._pulling = false;
      this.#sourceFailed(error);
      return;
    }
    pending.then(this._onPulled, this._onPullFailed);
  }

  private readonly _onPulled = (step: IteratorResult<T>): void => {
    this._pulling = false;
    if (this.ended) return;
    if (step.done === true) this._exhausted = true;
    else this.#launch(step.value, this.started++);
    this.pump();
  };

  private readonly _onPullFailed = (error: unknown): void => {
    this._pulling = false;
    if (!this.ended) this.#sourceFailed(error);
  };

  #launch(item: T, index: number): void {
    const start = this.adaptive === undefined ? 0 : this.adaptive.now();
    let result: R | PromiseLike<R>;
    try {
      result = this._mapper(item, index, this.controller.signal);
    } catch (error) {
      this.fault(index, error);
      return;
    }
    // A synchronous mapper settles inline: no promise, no slot, no microtask per item.
    if (result instanceof Promise || isThenable(result)) {
      this.running++;
      const slot = this._slots.pop() ?? new Slot(this);
      slot.index = index;
      slot.start = start;
      slot.inFlight = this.running;
      // Promise.resolve adopts a foreign thenable once, so a misbehaving `then` cannot call back twice.
      Promise.resolve(result).then(slot.ok, slot.fail);
    } else this.settle(index, result);
  }

  /** An input that threw is finished by the iterator protocol, so it is not closed again. */
  #sourceFailed(error: unknown): void {
    this._exhausted = true;
    this.stop(error);
  }

  /** Ends the run early: no new items, `fail(reason)`, running mappers aborted with `reason`, input closed. */
  stop(reason: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.#detach();
    this.fail(reason);
    this.controller.abort(reason);
    if (!this._exhausted && this._opened) this.#close();
  }

  #close(): void {
    this._exhausted = true;
    try {
      if (this._iter !== undefined) this._iter.return?.();
      else if (this._aiter?.return !== undefined) {
        // The run has already failed with its own reason; a failing return() must not surface as unhandled.
        Promise.resolve(this._aiter.return()).catch(noop);
      }
    } catch {
      // Same: the first reason wins, and a throwing return() is the input's problem, not a second failure.
    }
  }

  #detach(): void {
    this._signal?.removeEventListener('abort', this._onAbort);
    this.adaptive?.unclaim();
  }
}
