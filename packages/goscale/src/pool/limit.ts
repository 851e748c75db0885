/**
 * @module `limit` and `limitFunction`: a drop-in for p-limit 7 (same API, same counts), faster and leaner per call.
 */
import { isAdaptive, type AdaptiveLimit } from '../adaptive/adaptive.js';
import { describe } from '../internal/args.js';
import { Args, CallQueue, NO_ARGS } from './internal/queue.js';
import { noop } from '../internal/noop.js';

/** Options of {@link limit} and {@link limitFunction}, as in p-limit. */
export interface LimitOptions {
  /**
   * How many calls may run at once: a safe integer from 1 up, `Infinity`, or an `adaptive()` limit (read at each
   * admission, fed each call's latency and outcome; the limiter keeps it until `concurrency` is set to a number).
   */
  readonly concurrency: number | AdaptiveLimit;
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
  /**
   * The limit (an adaptive limit's `current`). Setting it validates the value (TypeError quoting it); raising it admits
   * waiting calls one microtask later (as p-limit does, so counts read right after the assignment match), lowering it
   * stops no running call. Setting a number replaces an adaptive limit (released for other engines); setting an
   * `adaptive()` limit makes the limiter adaptive.
   */
  get concurrency(): number;
  set concurrency(value: number | AdaptiveLimit);
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

function checkLimitConcurrency(value: unknown): asserts value is number | AdaptiveLimit {
  if (isAdaptive(value)) return;
  // TypeError for every bad value, as p-limit does, so code catching p-limit's errors keeps working.
  if (!((Number.isInteger(value) || value === Infinity) && (value as number) > 0)) {
    throw new TypeError(
      `limit: expected \`concurrency\` to be a number from 1 and up, got ${describe(value)}`,
    );
  }
  if ((value as number) > Number.MAX_SAFE_INTEGER && value !== Infinity) {
    throw new TypeError(
      `limit: expected \`concurrency\` to be a number from 1 to ${Number.MAX_SAFE_INTEGER} (Number.MAX_SAFE_INTEGER) or Infinity, got ${describe(value)}`,
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
 * - `clearQueue()` drops the calls not yet admitted; admitted ones (counted in `activeCount`) still run.
 * - A call whose `fn` throws or rejects frees its slot and rejects its own promise only.
 * - Misuse: a bad `concurrency` or `rejectOnClear` throws a TypeError quoting it; a non-function `fn` rejects that
 *   call with a TypeError and takes no slot.
 *
 * Cost: a waiting call holds its returned promise, the reaction that will run it (on a gate shared by 8 calls) and
 * two array slots: about a fifth of what p-limit keeps per waiting call (see BENCHMARKS.md for time and bytes).
 *
 * @param options - the concurrency, or `{ concurrency, rejectOnClear = false }`.
 * @returns the limiter.
 * @example
 * ```ts
 * const limiter = limit(2);
 * const pages = await Promise.all(urls.map((url) => limiter(fetchText, url)));
 * ```
 */
export function limit(options: number | AdaptiveLimit | LimitOptions): LimitFunction {
  let concurrency: unknown = options;
  let rejectOnClear: unknown = false;
  if (typeof options === 'object' && options !== null && !isAdaptive(options)) {
    ({ concurrency, rejectOnClear = false } = options);
  }
  checkLimitConcurrency(concurrency);
  if (typeof rejectOnClear !== 'boolean') {
    throw new TypeError(`limit: expected \`rejectOnClear\` to be a boolean, got ${describe(rejectOnClear)}`);
  }
  const queue = new CallQueue(1, rejectOnClear);
  setConcurrency(queue, concurrency);
  const call = function (fn: (...args: unknown[]) => unknown): Promise<unknown> {
    if (typeof fn !== 'function') {
      return Promise.reject(new TypeError(`limit: expected \`fn\` to be a function, got ${describe(fn)}`));
    }
    // The common single-argument call keeps its argument as is: no rest array per waiting call.
    // eslint-disable-next-line prefer-rest-params
    if (arguments.length === 2) return queue.call(fn, arguments[1]);
    if (arguments.length === 1) return queue.call(fn, NO_ARGS);
    // eslint-disable-next-line prefer-rest-params
    return queue.call(fn, new Args(Array.prototype.slice.call(arguments, 1)));
  } as (fn: (...args: unknown[]) => unknown, ...args: unknown[]) => Promise<unknown>;

  Object.defineProperties(call, {
    activeCount: { get: () => queue.active },
    pendingCount: { get: () => queue.pending },
    concurrency: {
      get: () => queue.max,
      set(value: unknown) {
        checkLimitConcurrency(value);
        setConcurrency(queue, value);
        // p-limit 7 starts the newly allowed calls one microtask later; code that reads activeCount right after the
        // assignment must see the same numbers after switching its import.
        queueMicrotask(() => queue.admit());
      },
    },
    clearQueue: {
      value(): void {
        queue.clear();
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

/** Makes `queue` follow `value`: a fixed number, or an adaptive limit (claimed; a previous one is released). */
function setConcurrency(queue: CallQueue, value: number | AdaptiveLimit): void {
  if (value === queue.adaptive) return;
  if (isAdaptive(value)) value.claim('limit');
  queue.adaptive?.unclaim();
  queue.adaptive = isAdaptive(value) ? value : undefined;
  queue.max = isAdaptive(value) ? value.current : value;
}

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
  options: number | AdaptiveLimit | LimitOptions,
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
