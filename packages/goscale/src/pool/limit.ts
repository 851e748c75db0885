/**
 * @module `limit` and `limitFunction`: a drop-in for p-limit 7 (same API, same counts), faster and leaner per call.
 */
import { describe } from '../internal/abort.js';

/** Options of {@link limit} and {@link limitFunction}, as in p-limit. */
export interface LimitOptions {
  /** How many calls may run at once: an integer from 1 up, or `Infinity`. */
  readonly concurrency: number;
  /** Reject the calls removed by `clearQueue()` with an `AbortError` instead of leaving them pending. Default false. */
  readonly rejectOnClear?: boolean;
}

/** A concurrency limiter: call it as `limit(fn, ...args)`. The same shape as p-limit's `LimitFunction`. */
export interface LimitFunction {
  /**
   * Runs `fn(...args)` once fewer than `concurrency` calls are running; calls start in the order they were made.
   * `fn` is always called asynchronously (at the earliest one microtask later), in the caller's async context.
   * @returns a promise for what `fn` returns (or throws).
   */
  <Arguments extends unknown[], ReturnType>(
    fn: (...args: Arguments) => PromiseLike<ReturnType> | ReturnType,
    ...args: Arguments
  ): Promise<ReturnType>;
  /** The number of calls running now (admitted, not yet settled). */
  readonly activeCount: number;
  /** The number of calls waiting for a slot (their `fn` has not been called yet). */
  readonly pendingCount: number;
  /** The limit. Setting it validates the value; raising it starts queued calls at once, lowering it stops none. */
  concurrency: number;
  /**
   * Discards the waiting calls; running ones are not affected. The discarded promises stay pending for ever unless
   * `rejectOnClear` was set, in which case they reject with one `AbortError`.
   */
  clearQueue: () => void;
  /**
   * Maps `iterable` through `fn(item, index)` with this limiter: `Promise.all(Array.from(iterable, (item, index) =>
   * limit(fn, item, index)))`. If the iterable throws, rejects with that error; calls already queued still run.
   */
  map: <Input, ReturnType>(
    iterable: Iterable<Input>,
    fn: (input: Input, index: number) => PromiseLike<ReturnType> | ReturnType,
  ) => Promise<ReturnType[]>;
}

/** What `limitFunction` returns: the limited function plus the limiter's queue controls. */
export type LimitedFunction<Arguments extends unknown[], ReturnType> = ((
  ...args: Arguments
) => Promise<ReturnType>) &
  Pick<LimitFunction, 'clearQueue' | 'activeCount' | 'pendingCount'>;

/**
 * One call. While it waits, the queue holds the record and the function that opens its gate; opening the gate hands
 * the record to the shared `run`, so no call needs a closure of its own.
 */
interface Call {
  fn: (...args: unknown[]) => unknown;
  args: unknown[];
  /** Set when the call was cleared with `rejectOnClear`: the reason it rejects with instead of running. */
  cleared: unknown;
}

type Open = (call: Call) => void;

function checkLimitConcurrency(value: unknown): asserts value is number {
  // TypeError for every bad value, as p-limit does, so code catching p-limit's errors keeps working.
  if (!((Number.isInteger(value) || value === Infinity) && (value as number) > 0)) {
    throw new TypeError(
      `limit: expected \`concurrency\` to be a number from 1 and up, got ${describe(value)}`,
    );
  }
}

/**
 * Creates a concurrency limiter with p-limit 7's API: `limit(fn, ...args)`, `activeCount`, `pendingCount`,
 * `clearQueue()`, a settable `concurrency` and `limit.map(iterable, fn)`. Code using p-limit switches by changing
 * the import. Go: a buffered channel used as a semaphore (`sem <- struct{}{}`), or `errgroup.SetLimit`.
 *
 * Invariants:
 * - Never more than `concurrency` calls running; waiting calls start strictly in call order (FIFO).
 * - `activeCount` counts a call from the moment it is admitted (synchronously, when a slot is free), so a burst of
 *   calls shows the right counts at once; `fn` itself runs a microtask later, never synchronously. A call's slot is
 *   free again before its promise settles.
 * - The caller's `AsyncLocalStorage` context reaches `fn` even when it starts much later: the call's promise is a
 *   `then` registered at call time, in the caller's context, so the context rides on the promise reaction itself
 *   (as it does across an `await`), with no `AsyncResource.bind`.
 * - A call whose `fn` throws or rejects frees its slot and rejects its own promise only.
 * - Misuse: a bad `concurrency` or `rejectOnClear` throws a TypeError quoting it; a non-function `fn` rejects that
 *   call with a TypeError and takes no slot.
 *
 * Cost: a waiting call holds a small record, one pending gate promise with its resolver, and the reaction that will
 * run it: about half of what p-limit keeps per waiting call (see BENCHMARKS.md for time and bytes).
 *
 * @param options - the concurrency, or `{ concurrency, rejectOnClear = false }`.
 * @returns the limiter.
 * @example
 * ```ts
 * const limiter = limit(2);
 * const pages = await Promise.all(urls.map((url) => limiter(fetchText, url)));
 * ```
 */
export function limit(options: number | LimitOptions): LimitFunction {
  let concurrency: unknown = options;
  let rejectOnClear: unknown = false;
  if (typeof options === 'object' && options !== null) ({ concurrency, rejectOnClear = false } = options);
  checkLimitConcurrency(concurrency);
  if (typeof rejectOnClear !== 'boolean') {
    throw new TypeError(`limit: expected \`rejectOnClear\` to be a boolean, got ${describe(rejectOnClear)}`);
  }
  let max: number = concurrency;
  let active = 0;
  // Parallel arrays with a moving head: O(1) amortized push and shift, no list node per waiting call.
  let calls: Call[] = [];
  let opens: Open[] = [];
  let head = 0;

  const admitHead = (): void => {
    active++;
    const call = calls[head]!;
    const open = opens[head]!;
    calls[head] = opens[head] = undefined!;
    head++;
    if (head === calls.length) {
      calls = [];
      opens = [];
      head = 0;
    } else if (head >= 1024 && head * 2 >= calls.length) {
      calls = calls.slice(head);
      opens = opens.slice(head);
      head = 0;
    }
    open(call);
  };

  // Hands the freed slot straight to the oldest waiter, so a newcomer can never overtake it.
  const release = (): void => {
    active--;
    if (active < max && head < calls.length) admitHead();
  };
  const fulfilled = (value: unknown): unknown => {
    release();
    return value;
  };
  const rejected = (error: unknown): never => {
    release();
    throw error;
  };

  const run = (call: Call): unknown => {
    if (call.cleared !== undefined) throw call.cleared;
    let value: unknown;
    try {
      value = call.fn(...call.args);
    } catch (error) {
      release();
      throw error;
    }
    if (value instanceof Promise || isThenable(value))
      return Promise.resolve(value).then(fulfilled, rejected);
    release();
    return value;
  };

  const gate = (open: Open): void => {
    opens.push(open);
  };

  const call = (fn: (...args: unknown[]) => unknown, ...args: unknown[]): Promise<unknown> => {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`limit: expected \`fn\` to be a function, got ${describe(fn)}`));
    }
    const record: Call = { fn, args, cleared: undefined };
    if (active < max && head === calls.length) {
      active++;
      // p-limit never calls `fn` synchronously; an already-resolved gate keeps that contract for one microtask.
      return Promise.resolve(record).then(run);
    }
    calls.push(record);
    return new Promise<Call>(gate).then(run);
  };

  Object.defineProperties(call, {
    activeCount: { get: () => active },
    pendingCount: { get: () => calls.length - head },
    concurrency: {
      get: () => max,
      set(value: unknown) {
        checkLimitConcurrency(value);
        max = value;
        while (active < max && head < calls.length) admitHead();
      },
    },
    clearQueue: {
      value(): void {
        const waiting = calls;
        const gates = opens;
        const from = head;
        calls = [];
        opens = [];
        head = 0;
        if (!rejectOnClear) return;
        const reason = new DOMException('This operation was aborted', 'AbortError');
        for (let i = from; i < waiting.length; i++) {
          waiting[i]!.cleared = reason;
          gates[i]!(waiting[i]!);
        }
      },
    },
    map: {
      async value<I, R>(
        iterable: Iterable<I>,
        fn: (input: I, index: number) => PromiseLike<R> | R,
      ): Promise<R[]> {
        const promises: Promise<unknown>[] = [];
        try {
          let index = 0;
          for (const item of iterable)
            promises.push(call(fn as (...args: unknown[]) => unknown, item, index++));
        } catch (error) {
          // Promise.all never sees the calls already queued, so observe them here: no unhandled rejection.
          for (const promise of promises) promise.catch(noop);
          throw error;
        }
        return Promise.all(promises) as Promise<R[]>;
      },
    },
  });
  return call as unknown as LimitFunction;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

function noop(): void {}

/**
 * Wraps `fn` so that at most `options.concurrency` calls of it run at once (p-limit 7's `limitFunction`).
 *
 * @param fn - the function to limit; its arguments pass through.
 * @param options - `{ concurrency, rejectOnClear = false }` (a bare number also works).
 * @returns the limited function, with `clearQueue()`, `activeCount` and `pendingCount` of its own limiter.
 * @example
 * ```ts
 * const fetchLimited = limitFunction(fetchText, { concurrency: 2 });
 * const pages = await Promise.all(urls.map(fetchLimited));
 * ```
 */
export function limitFunction<Arguments extends unknown[], ReturnType>(
  fn: (...args: Arguments) => PromiseLike<ReturnType> | ReturnType,
  options: number | LimitOptions,
): LimitedFunction<Arguments, ReturnType> {
  const limiter = limit(options);
  const limited = (...args: Arguments): Promise<ReturnType> => limiter(fn, ...args);
  Object.defineProperties(limited, {
    clearQueue: { value: limiter.clearQueue },
    activeCount: { get: () => limiter.activeCount },
    pendingCount: { get: () => limiter.pendingCount },
  });
  return limited as LimitedFunction<Arguments, ReturnType>;
}
