/**
 * @module The async iterator behind `for await (const v of ch)` and `ch.values({ signal })`.
 * @internal
 */
import { abortedRejection } from '../../internal/abort.js';
import { CLOSED, deliver, ITER, NONE, park, Waiter } from './waiter.js';
import type { List } from '../../internal/list.js';

/**
 * Iterates over a channel's values: each step receives now through `poll` (the channel's non-blocking receive) or
 * waits in `recvq` like any receiver. A pending step is abortable by `signal` and is unlinked by `return()`.
 */
export function iterate<T>(
  poll: () => T | typeof NONE | typeof CLOSED,
  recvq: List<Waiter>,
  signal: AbortSignal | undefined,
): AsyncIterableIterator<T, undefined> {
  let pending: Waiter | undefined;
  let finished = false;
  const it: AsyncIterableIterator<T, undefined> = {
    next: (): Promise<IteratorResult<T, undefined>> => {
      if (finished) return Promise.resolve({ value: undefined, done: true });
      const aborted = abortedRejection(signal);
      if (aborted !== undefined) return aborted;
      const got = poll();
      if (got !== NONE) {
        return Promise.resolve(
          got === CLOSED ? { value: undefined, done: true } : { value: got, done: false },
        );
      }
      pending = new Waiter(ITER, undefined, recvq);
      return park(pending, signal) as Promise<IteratorResult<T, undefined>>;
    },
    return: (): Promise<IteratorResult<T, undefined>> => {
      finished = true;
      // for-await only calls return() between steps; a caller driving the iterator by hand may call it mid-step,
      // and that step must not stay queued where it would swallow a value nobody reads.
      if (pending !== undefined && recvq.remove(pending)) deliver(pending, undefined, false);
      pending = undefined;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}
