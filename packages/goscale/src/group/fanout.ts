/**
 * @module fanOut: call N sources at once under one deadline and get what came back in time, keyed like the input.
 */
import { withTimeout } from '../context/scope.js';
import { reasonOf, signalRejection } from '../internal/abort.js';
import { checkInteger, describe } from '../internal/args.js';
import { Group } from './group.js';

/** A source for {@link fanOut}: it receives a signal that aborts at the deadline and should stop when it does. */
export type FanOutSource<T = unknown> = (signal: AbortSignal) => PromiseLike<T> | T;

/**
 * What one source gave by the deadline: its value, its error, or `timeout` when it had not settled (or, with a
 * `limit`, had not even started) by then.
 */
export type FanOutResult<T> =
  { status: 'fulfilled'; value: T } | { status: 'rejected'; reason: unknown } | { status: 'timeout' };

/** The results of {@link fanOut}: an object with the same keys, or an array (tuple) with the same indices. */
export type FanOutResults<S> = {
  -readonly [K in keyof S]: S[K] extends (signal: AbortSignal) => infer R ? FanOutResult<Awaited<R>> : never;
};

/** Options for {@link fanOut}. */
export interface FanOutOptions {
  /** Milliseconds from now until the deadline: a number from 0 up, or `Infinity` for none. */
  timeout: number;
  /** Aborting it rejects the call with `signal.reason` and aborts every source's signal. */
  signal?: AbortSignal | undefined;
  /** How many sources may run at once (default `Infinity`): sources not started by the deadline report `timeout`. */
  limit?: number | undefined;
}

// Shared like Go's context.Canceled: a DOMException per call would cost as much as the rest of the call.
const SETTLED = new DOMException('fanOut: every source settled', 'AbortError');

type AnySources = readonly FanOutSource[] | Readonly<Record<string, FanOutSource>>;

/**
 * Calls every source at once and resolves when the last one settles or at the deadline, whichever comes first —
 * so it takes as long as the slowest source, but never longer than `timeout`. Go: a `context.WithTimeout` shared by
 * an errgroup whose goroutines each fill their own slot of a result; npm: `Promise.allSettled` with a deadline.
 *
 * Invariants:
 * - One source's failure does not cancel the others (unlike {@link Group}): every source gets its own result.
 * - At the deadline the sources' signal aborts with a `DOMException` named `TimeoutError`, the call resolves at once
 *   with what has settled, and the rest read `{ status: 'timeout' }`. A source that ignores its signal keeps running
 *   in the background, but cannot change the result (and its later rejection is handled, never unhandled).
 * - When every source settles in time, the sources' signal aborts with an `AbortError` (as Go's `defer cancel()`).
 * - Aborting `options.signal` rejects with its reason and aborts the sources' signal with it; an already-aborted
 *   signal rejects at once without calling any source.
 * - When the call settles it holds no timer and no listener on `options.signal`.
 *
 * Cost: one scope (a timer and a listener), one Group and one promise per source; ending aborts two signals (the
 * scope's and the group's), which is most of the overhead: tens of microseconds, against sources that take milliseconds.
 * @param sources - an object or array of functions `(signal) => value | Promise<value>`.
 * @param options - `timeout` (required), `signal`, `limit`; a bad value rejects with a TypeError or RangeError.
 * @returns a promise of the results keyed like `sources`.
 * @example
 * ```ts
 * const status = await fanOut(
 *   { ci: (signal) => ci.status({ signal }), git: (signal) => git.head({ signal }) },
 *   { timeout: 2_000, signal: requestSignal(req, res) },
 * );
 * if (status.ci.status === 'fulfilled') render(status.ci.value);
 * else if (status.ci.status === 'timeout') render('CI: no answer within 2 s');
 * ```
 */
export function fanOut<const S extends AnySources>(
  sources: S,
  options: FanOutOptions,
): Promise<FanOutResults<S>> {
  let keys: (string | number)[];
  try {
    keys = check(sources, options);
  } catch (error) {
    return Promise.reject(error);
  }
  const { timeout, signal, limit } = options;
  const rejection = signalRejection('fanOut', signal);
  if (rejection !== undefined) return rejection;
  const table = sources as Record<string | number, FanOutSource>;
  // Filled in input order now, so that the keys of the result keep the order of the input.
  const results = (Array.isArray(sources) ? [] : {}) as Record<string | number, FanOutResult<unknown>>;
  for (const key of keys) results[key] = { status: 'timeout' };
  if (keys.length === 0) return Promise.resolve(results as FanOutResults<S>);

  const scope = withTimeout(signal, timeout);
  const group = new Group({ signal: scope.signal, limit });
  return new Promise((resolve, reject) => {
    let remaining = keys.length;
    let over = false;
    const onAbort = (): void => {
      over = true;
      if (signal?.aborted) reject(reasonOf(signal));
      else resolve(results as FanOutResults<S>);
    };
    scope.signal.addEventListener('abort', onAbort, { once: true });
    for (const key of keys) {
      // The task never rejects, so the group is never cancelled by a source: it only carries the scope's signal
      // and the limit. go() resolves (admitted or dropped at the deadline) and never rejects here.
      void group.go(async (taskSignal) => {
        let result: FanOutResult<unknown>;
        try {
          result = { status: 'fulfilled', value: await table[key]!(taskSignal) };
        } catch (reason) {
          result = { status: 'rejected', reason };
        }
        if (over) return;
        results[key] = result;
        if (--remaining === 0) {
          over = true;
          scope.signal.removeEventListener('abort', onAbort);
          scope.cancel(SETTLED);
          resolve(results as FanOutResults<S>);
        }
      });
    }
  });
}

/** Validates the arguments and returns the keys of `sources` in input order. */
function check(sources: unknown, options: unknown): (string | number)[] {
  if (typeof sources !== 'object' || sources === null) {
    throw new TypeError(`fanOut: expected \`sources\` to be an object or an array, got ${describe(sources)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `fanOut: expected \`options\` to be an object with a \`timeout\`, got ${describe(options)}`,
    );
  }
  const { timeout, limit = Infinity } = options as Partial<FanOutOptions>;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError(
      `fanOut: expected \`timeout\` to be a number from 0 and up (or Infinity), got ${describe(timeout)}`,
    );
  }
  checkInteger('fanOut', 'limit', limit, 1, true);
  const keys: (string | number)[] = Array.isArray(sources) ? sources.map((_, i) => i) : Object.keys(sources);
  for (const key of keys) {
    const source = (sources as Record<string | number, unknown>)[key];
    if (typeof source !== 'function') {
      throw new TypeError(
        `fanOut: expected source ${JSON.stringify(key)} to be a function, got ${describe(source)}`,
      );
    }
  }
  return keys;
}
