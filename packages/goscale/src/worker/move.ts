/**
 * @module `move()`: a task's result handed back by transfer instead of by copy.
 */
import type { TransferListItem } from 'node:worker_threads';

/** @internal The mark the thread looks for on a task's result; `Symbol.for` so that two copies of goscale agree. */
export const MOVE = Symbol.for('goscale.worker.move');
// piscina's marks: `Piscina.move(x)` in an existing worker file keeps working.
const PISCINA_TRANSFERABLE = Symbol.for('Piscina.transferable');
const PISCINA_VALUE = Symbol.for('Piscina.valueOf');

/** A result wrapped by {@link move}: the pool unwraps it; the task's caller receives `value`. */
export interface Moved<T> {
  readonly [MOVE]: { value: T; transfer: readonly TransferListItem[] };
}

/**
 * Wraps a task's result so that the thread transfers it to the pool instead of copying it (zero-copy, like
 * `Piscina.move`). Return it from a task function; `run()` resolves with `value`.
 *
 * Invariants: after the transfer the buffers are detached in the worker (reading them there sees length 0); with no
 * `transfer` list, an ArrayBuffer, or the buffer of a typed array or DataView, is transferred, and any other value is
 * copied as usual.
 * @example
 * ```ts
 * import { move } from 'goscale/worker';
 * export default (n: number) => move(new Float64Array(n).fill(1));
 * ```
 */
export function move<T>(value: T, transfer?: readonly TransferListItem[]): Moved<T> {
  let list = transfer;
  if (list === undefined) {
    if (value instanceof ArrayBuffer) list = [value];
    else if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer) list = [value.buffer];
    else list = [];
  } else if (!Array.isArray(list)) {
    throw new TypeError(`move: expected \`transfer\` to be an array, got ${typeof list}`);
  }
  return { [MOVE]: { value, transfer: list } };
}

/** @internal Unwraps a moved result (ours or piscina's): the value and its transfer list, or undefined. */
export function unwrapMoved(result: unknown): { value: unknown; transfer: TransferListItem[] } | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const ours = (result as Partial<Moved<unknown>>)[MOVE];
  if (ours !== undefined) return { value: ours.value, transfer: [...ours.transfer] };
  if (PISCINA_TRANSFERABLE in result && PISCINA_VALUE in result) {
    const r = result as Record<symbol, unknown>;
    return {
      value: r[PISCINA_VALUE],
      transfer: ([] as TransferListItem[]).concat(r[PISCINA_TRANSFERABLE] as TransferListItem),
    };
  }
  return undefined;
}
