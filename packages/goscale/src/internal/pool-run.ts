/**
 * @module The sliding-window engine behind `map`, `forEach`, `stream` and `batch`: pulls items lazily, runs at most
 * `limit` mappers, and stops cleanly (mappers aborted, input closed, caller listener removed).
 * @internal
 */
import { checkInteger, checkSignal, describe, reasonOf } from './abort.js';

/** The per-item callback of every pool function. */
export type Mapper<T, R> = (item: T, index: number, signal: AbortSignal) => R | PromiseLike<R>;

/** What the pool functions accept as input. Arrays are read by index; everything else through its iterator. */
export type PoolInput<T> = Iterable<T> | AsyncIterable<T>;

/** Validates the arguments every pool function shares; throws TypeError/RangeError quoting the bad value. */
export function checkPoolArgs(owner: string, input: unknown, mapper: unknown, signal: unknown): void {
  const ok =
    Array.isArray(input) ||
    (input != null &&
      (typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' ||
        typeof (input as Iterable<unknown>)[Symbol.iterator] === 'function'));
  if (!ok) {
    throw new TypeError(
      `${owner}: expected \`input\` to be an array, an iterable or an async iterable, got ${describe(input)}`,
    );
  }
  if (typeof mapper !== 'function') {
    throw new TypeError(`${owner}: expected the mapper to be a function, got ${describe(mapper)}`);
  }
  checkSignal(owner, signal);
}

/** Throws a TypeError unless `options` is an object (the options of pool functions are required). */
export function checkOptions(owner: string, options: unknown): asserts options is object {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(
      `${owner}: expected an options object such as \`{ concurrency: 4 }\`, got ${describe(options)}`,
    );
  }
}

/** Validates `concurrency` (integer >= 1 or Infinity). */
export function checkConcurrency(owner: string, name: string, value: unknown): asserts value is number {
  checkInteger(owner, name, value, 1, true);
}

/**
 * One completion slot. Slots are reused, so a running async mapper costs one `then` and no closure of its own: the
 * bound handlers are made once per slot, and there are never more slots than mappers that ran at the same time.
 */
class Slot<T, R> {
  index = 0;
  constructor(readonly run: PoolRun<T, R>) {}
  readonly ok = (value: R): void => {
    const { run, index } = this;
    run.release(this);
    if (run.ended) return;
    run.settle(index, value);
    run.pump();
  };
  readonly fail = (error: unknown): void => {
    const { run, index } = this;
    run.release(this);
    if (run.ended) return;
    run.fault(index, error);
    run.pump();
  };
}

/**
 * A run of `mapper` over `input`. Subclasses decide what a result, a failure, the end and a stop mean.
 *
 * Invariants: at most `limit` thenables from the mapper are pending at once; an item is pulled from the input only
 * when a slot is free for it (`running < limit && room()`); at most one `next()` of an async iterator is pending;
 * once `ended`, nothing is pulled or started, the caller's signal holds no listener from the run, and late results
 * are dropped (their rejections are still observed, so nothing becomes an unhandled rejection).
 */
export abstract class PoolRun<T, R> {
  readonly controller = new AbortController();
  running = 0;
  /** Index of the next item to start: also the number of items pulled so far. */
  started = 0;
  ended = false;
  #exhausted = false;
  #pulling = false;
  #opened = false;
  #array: readonly T[] | undefined;
  #iter: Iterator<T> | undefined;
  #aiter: AsyncIterator<T> | undefined;
  readonly #input: PoolInput<T>;
  readonly #mapper: Mapper<T, R>;
  readonly #limit: number;
  readonly #signal: AbortSignal | undefined;
  readonly #slots: Slot<T, R>[] = [];

  constructor(input: PoolInput<T>, mapper: Mapper<T, R>, limit: number, signal: AbortSignal | undefined) {
    this.#input = input;
    this.#mapper = mapper;
    this.#limit = limit;
    this.#signal = signal;
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
    this.#opened = true;
    const input = this.#input;
    try {
      if (Array.isArray(input)) this.#array = input as readonly T[];
      else if (typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === 'function') {
        this.#aiter = (input as AsyncIterable<T>)[Symbol.asyncIterator]();
      } else this.#iter = (input as Iterable<T>)[Symbol.iterator]();
    } catch (error) {
      this.#sourceFailed(error);
      return;
    }
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.pump();
  }

  readonly #onAbort = (): void => {
    this.stop(reasonOf(this.#signal!));
  };

  release(slot: Slot<T, R>): void {
    this.running--;
    this.#slots.push(slot);
  }

  /** Starts items while there is room, then ends the run if the input is drained and nothing is running. */
  pump(): void {
    const array = this.#array;
    const iter = this.#iter;
    while (!this.ended && this.running < this.#limit && !this.#exhausted && this.room()) {
      let item: T;
      if (array !== undefined) {
        if (this.started >= array.length) {
          this.#exhausted = true;
          break;
        }
        item = array[this.started]!;
      } else if (iter !== undefined) {
        let step: IteratorResult<T>;
        try {
          step = iter.next();
        } catch (error) {
          this.#sourceFailed(error);
          return;
        }
        if (step.done === true) {
          this.#exhausted = true;
          break;
        }
        item = step.value;
      } else {
        if (!this.#pulling) this.#pull();
        return;
      }
      this.#launch(item, this.started++);
    }
    if (this.#exhausted && this.running === 0 && !this.#pulling && !this.ended) {
      this.ended = true;
      this.#detach();
      this.complete();
    }
  }

  #pull(): void {
    this.#pulling = true;
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = Promise.resolve(this.#aiter!.next());
    } catch (error) {
      this.#pulling = false;
      this.#sourceFailed(error);
      return;
    }
    pending.then(this.#onPulled, this.#onPullFailed);
  }

  readonly #onPulled = (step: IteratorResult<T>): void => {
    this.#pulling = false;
    if (this.ended) return;
    if (step.done === true) this.#exhausted = true;
    else this.#launch(step.value, this.started++);
    this.pump();
  };

  readonly #onPullFailed = (error: unknown): void => {
    this.#pulling = false;
    if (!this.ended) this.#sourceFailed(error);
  };

  #launch(item: T, index: number): void {
    let result: R | PromiseLike<R>;
    try {
      result = this.#mapper(item, index, this.controller.signal);
    } catch (error) {
      this.fault(index, error);
      return;
    }
    // A synchronous mapper settles inline: no promise, no slot, no microtask per item.
    if (result instanceof Promise || isThenable(result)) {
      this.running++;
      const slot = this.#slots.pop() ?? new Slot(this);
      slot.index = index;
      // Promise.resolve adopts a foreign thenable once, so a misbehaving `then` cannot call back twice.
      Promise.resolve(result).then(slot.ok, slot.fail);
    } else this.settle(index, result);
  }

  /** An input that threw is finished by the iterator protocol, so it is not closed again. */
  #sourceFailed(error: unknown): void {
    this.#exhausted = true;
    this.stop(error);
  }

  /** Ends the run early: no new items, `fail(reason)`, running mappers aborted with `reason`, input closed. */
  stop(reason: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.#detach();
    this.fail(reason);
    this.controller.abort(reason);
    if (!this.#exhausted && this.#opened) this.#close();
  }

  #close(): void {
    this.#exhausted = true;
    try {
      if (this.#iter !== undefined) this.#iter.return?.();
      else if (this.#aiter?.return !== undefined) {
        // The run has already failed with its own reason; a failing return() must not surface as unhandled.
        Promise.resolve(this.#aiter.return()).catch(noop);
      }
    } catch {
      // Same: the first reason wins, and a throwing return() is the input's problem, not a second failure.
    }
  }

  #detach(): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}

function noop(): void {}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
