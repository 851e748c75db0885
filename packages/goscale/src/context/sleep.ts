/**
 * @module An abortable sleep.
 */
import { reasonOf, type SignalOptions, signalRejection } from '../internal/abort.js';
import { describe } from '../internal/args.js';
import { setLongTimeout } from '../internal/timer.js';

/**
 * Resolves after `ms` milliseconds. When `signal` aborts first, rejects with `signal.reason` and clears the timer;
 * either way no listener is left on the signal. An already-aborted signal rejects at once. Any finite `ms` is
 * honoured, also past the 2^31 − 1 ms (24.8 days) that a bare `setTimeout` turns into 1 ms.
 *
 * @param ms - a finite number of milliseconds from 0 up; anything else (NaN, negative, Infinity, not a number)
 *   rejects with a RangeError quoting it.
 * @example
 * ```ts
 * await sleep(100, { signal });
 * ```
 */
export function sleep(ms: number, options?: SignalOptions): Promise<void> {
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0 || ms === Infinity) {
    return Promise.reject(
      new RangeError(`sleep: expected \`ms\` to be a finite number from 0 and up, got ${describe(ms)}`),
    );
  }
  const signal = options?.signal;
  const rejection = signalRejection('sleep', signal);
  if (rejection !== undefined) return rejection;
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timer.clear();
      reject(reasonOf(signal!));
    };
    const timer = setLongTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
