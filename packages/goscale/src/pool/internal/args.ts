/**
 * @module The types and argument checks shared by `map`, `forEach`, `stream` and `batch`.
 * @internal
 */
import { isAdaptive, type AdaptiveLimit } from '../../adaptive/adaptive.js';
import { checkSignal } from '../../internal/abort.js';
import { checkInteger, describe } from '../../internal/args.js';

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

/** Validates `concurrency` (integer >= 1, Infinity, or an `adaptive()` limit). */
export function checkConcurrency(
  owner: string,
  name: string,
  value: unknown,
): asserts value is number | AdaptiveLimit {
  if (isAdaptive(value)) return;
  checkInteger(owner, name, value, 1, true);
}

/** Whether `value` has a callable `then`: what `await` and promise resolution would adopt. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}
