/**
 * @module merge: fan-in of async iterables — values as they arrive, every source closed when the merge ends.
 */
import { describe } from '../internal/args.js';
import { noop } from '../internal/noop.js';

// Source states. A source is pulled only while a consumer waits and it has neither a pending next() nor a value
// parked in the buffer, which is what keeps it at one pending next() and bounds the buffer by the source count.
const IDLE = 0;
const PENDING = 1;
const BUFFERED = 2;
const FINISHED = 3;

// Merge states: CLOSING while the sources' return() calls are under way (after an error or an early exit).
const OPEN = 0;
const CLOSING = 1;
const CLOSED = 2;

interface Slot<T> {
  readonly iterator: AsyncIterator<T>;
  state: number;
  onResult: (result: IteratorResult<T>) => void;
  onError: (reason: unknown) => void;
}

interface Consumer<T> {
  resolve: (result: IteratorResult<T>) => void;
  reject: (reason: unknown) => void;
}

const done = <T>(): IteratorResult<T> => ({ value: undefined, done: true });

class MergeIterator<T> implements AsyncIterableIterator<T> {
  #sources: readonly AsyncIterable<T>[] | undefined;
  readonly #slots: Slot<T>[] = [];
  #live = 0;
  #idle: Slot<T>[] = [];
  #buffer: { slot: Slot<T>; value: T }[] = [];
  #consumers: Consumer<T>[] = [];
  #state = OPEN;
  #closing: Promise<void> | undefined;
  /** A source's error that no consumer has received yet: the next next() or return() reports it. */
  #error: { reason: unknown } | undefined;
  /** The first rejection of a source's return() during an early exit, reported by return(). */
  #closeError: { reason: unknown } | undefined;

  constructor(sources: readonly AsyncIterable<T>[]) {
    this.#sources = sources;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#sources !== undefined) this.#start();
    if (this.#state === OPEN) {
      const item = this.#buffer.shift();
      if (item !== undefined) {
        item.slot.state = IDLE;
        this.#idle.push(item.slot);
        return Promise.resolve({ value: item.value, done: false });
      }
      if (this.#live === 0) {
        this.#state = CLOSED;
        return Promise.resolve(done());
      }
    }
    if (this.#state === CLOSED) {
      const error = this.#error;
      this.#error = undefined;
      return error === undefined ? Promise.resolve(done()) : Promise.reject(error.reason);
    }
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      this.#consumers.push({ resolve, reject });
      if (this.#state === OPEN) this.#pullIdle();
    });
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.#sources = undefined;
    if (this.#state === OPEN) {
      this.#closing = this.#closeSources().then(() => {
        this.#state = CLOSED;
        this.#endConsumers();
      });
    }
    if (this.#state === CLOSING) await this.#closing;
    const error = this.#error ?? this.#closeError;
    this.#error = this.#closeError = undefined;
    if (error !== undefined) throw error.reason;
    return { value, done: true };
  }

  #start(): void {
    const sources = this.#sources!;
    this.#sources = undefined;
    for (const source of sources) {
      let iterator: AsyncIterator<T>;
      try {
        iterator = source[Symbol.asyncIterator]();
        if (typeof iterator?.next !== 'function') {
          throw new TypeError(
            `merge: [Symbol.asyncIterator]() returned ${describe(iterator)}, not an iterator`,
          );
        }
      } catch (error) {
        this.#fail(error);
        return;
      }
      const slot: Slot<T> = { iterator, state: IDLE, onResult: noop, onError: noop };
      // One pair of handlers per source, not per value.
      slot.onResult = (result) => this.#onResult(slot, result);
      slot.onError = (reason) => this.#onError(slot, reason);
      this.#slots.push(slot);
      this.#idle.push(slot);
      this.#live++;
    }
  }

  #pullIdle(): void {
    const idle = this.#idle;
    this.#idle = [];
    for (const slot of idle) if (this.#state === OPEN && slot.state === IDLE) this.#pull(slot);
  }

  #pull(slot: Slot<T>): void {
    slot.state = PENDING;
    let pending: Promise<IteratorResult<T>>;
    try {
      pending = Promise.resolve(slot.iterator.next());
    } catch (error) {
      this.#onError(slot, error);
      return;
    }
    pending.then(slot.onResult, slot.onError);
  }

  #onResult(slot: Slot<T>, result: IteratorResult<T>): void {
    // After an error or an early exit the source has been told to return: whatever it still sends is dropped.
    if (this.#state !== OPEN || slot.state !== PENDING) return;
    if (result === null || typeof result !== 'object') {
      this.#onError(
        slot,
        new TypeError(`merge: a source's next() resolved to ${describe(result)}, not an object`),
      );
      return;
    }
    if (result.done === true) {
      slot.state = FINISHED;
      if (--this.#live === 0 && this.#buffer.length === 0) {
        this.#state = CLOSED;
        this.#endConsumers();
      }
      return;
    }
    const consumer = this.#consumers.shift();
    if (consumer === undefined) {
      slot.state = BUFFERED;
      this.#buffer.push({ slot, value: result.value });
      return;
    }
    consumer.resolve({ value: result.value, done: false });
    slot.state = IDLE;
    if (this.#consumers.length > 0) this.#pull(slot);
    else this.#idle.push(slot);
  }

  #onError(slot: Slot<T>, reason: unknown): void {
    if (this.#state !== OPEN || slot.state !== PENDING) return;
    slot.state = FINISHED;
    this.#live--;
    this.#fail(reason);
  }

  /** Ends the merge with `reason`: closes the other sources first, then hands the error to one consumer. */
  #fail(reason: unknown): void {
    if (this.#state !== OPEN) return;
    this.#error = { reason };
    this.#closing = this.#closeSources().then(() => {
      this.#state = CLOSED;
      // The source's error outranks any failure of the others' return(): report one error, the cause.
      this.#closeError = undefined;
      const first = this.#consumers.shift();
      if (first !== undefined && this.#error !== undefined) {
        first.reject(this.#error.reason);
        this.#error = undefined;
      } else if (first !== undefined) {
        first.resolve(done());
      }
      this.#endConsumers();
    });
  }

  /**
   * Calls return() on every source that has not finished. Waits for those idle at a yield (their `finally` runs
   * now) but not for those with a pending next(): an async generator queues return() behind it, and that next()
   * may never settle.
   */
  #closeSources(): Promise<void> {
    this.#state = CLOSING;
    this.#buffer = [];
    this.#idle = [];
    const closing: Promise<unknown>[] = [];
    const onCloseError = (reason: unknown): void => {
      this.#closeError ??= { reason };
    };
    for (const slot of this.#slots) {
      if (slot.state === FINISHED) continue;
      const wasPending = slot.state === PENDING;
      slot.state = FINISHED;
      let closed: Promise<unknown>;
      try {
        const { iterator } = slot;
        if (typeof iterator.return !== 'function') continue;
        closed = Promise.resolve(iterator.return());
      } catch (error) {
        onCloseError(error);
        continue;
      }
      if (wasPending) closed.catch(noop);
      else closing.push(closed.catch(onCloseError));
    }
    this.#live = 0;
    return closing.length === 0 ? Promise.resolve() : Promise.all(closing).then(noop);
  }

  #endConsumers(): void {
    const consumers = this.#consumers;
    this.#consumers = [];
    for (const consumer of consumers) consumer.resolve(done());
  }
}

/** The value type of an async iterable; distributes over a union of them. */
export type MergedValue<S> = S extends AsyncIterable<infer T> ? T : never;

/**
 * Fan-in: yields the values of every source as they arrive. Go: the fan-in pattern (one goroutine per input
 * channel forwarding into one output).
 *
 * Invariants:
 * - Each source's values keep their order; values from different sources come in arrival order. Nothing is
 *   dropped while the merge runs, and the merge ends when every source has ended.
 * - A source is pulled only while the consumer waits, with at most one pending `next()` per source: a slow consumer
 *   holds back every source, and at most one value per source waits in the merge.
 * - Leaving early (`break`, `return()`) calls `return()` on every unfinished source. It waits for the sources idle
 *   at a `yield` (their `finally` blocks have run when the loop exits), not for a source whose `next()` is pending:
 *   a source whose `next()` never settles cannot hang the exit.
 * - A source that throws ends the merge with that error, after `return()` was called on the others: values already
 *   waiting in the merge are discarded and the error comes out of the next `next()`. If the consumer leaves before
 *   receiving it, its `return()` rejects with it, so the error is not lost.
 * - No rejection goes unhandled, including a pending `next()` that rejects after the merge ended.
 *
 * The result is single-use, like a generator; the sources' iterators are taken on the first `next()`.
 *
 * Cost: per value one `then` on the source's promise and one resolved result; no timers, no listeners.
 * @param sources - async iterables; anything else throws a TypeError quoting it.
 * @returns an async iterator over the values of every source.
 * @example
 * ```ts
 * for await (const event of merge(watch('pods'), watch('deployments'))) {
 *   if (event.type === 'DELETED') break; // closes both watches
 * }
 * ```
 */
export function merge<T>(...sources: AsyncIterable<T>[]): AsyncIterableIterator<T>;
/** Sources of different value types merge into their union: `merge(numbers, strings)` yields `number | string`. */
export function merge<S extends AsyncIterable<unknown>[]>(
  ...sources: S
): AsyncIterableIterator<MergedValue<S[number]>>;
export function merge<T>(...sources: AsyncIterable<T>[]): AsyncIterableIterator<T> {
  sources.forEach((source, i) => {
    if (typeof (source as Partial<AsyncIterable<T>> | null)?.[Symbol.asyncIterator] !== 'function') {
      throw new TypeError(`merge: expected source ${i} to be an async iterable, got ${describe(source)}`);
    }
  });
  return new MergeIterator(sources);
}
