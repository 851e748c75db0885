/**
 * @module The `{ signal }` option every waiting call shares: its check, its rejection, and shared controllers.
 * @internal
 */
import { setMaxListeners } from 'node:events';
import { describe } from './args.js';

/** The options every waiting call accepts. */
export interface SignalOptions {
  /** Aborting it rejects the wait with `signal.reason` and leaves nothing behind. */
  signal?: AbortSignal | undefined;
}

/** The reason an aborted signal rejects with: `signal.reason`, which Node always sets on abort. */
export function reasonOf(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/** Throws a TypeError unless `signal` is undefined or an AbortSignal. */
export function checkSignal(owner: string, signal: unknown): asserts signal is AbortSignal | undefined {
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${owner}: expected \`signal\` to be an AbortSignal, got ${describe(signal)}`);
  }
}

/**
 * Checks the `{ signal }` option of a waiting call. Returns the rejection to hand back (a TypeError for a bad option,
 * `signal.reason` for an aborted signal), or `undefined` when the call may proceed.
 */
export function signalRejection(owner: string, signal: unknown): Promise<never> | undefined {
  if (signal === undefined) return undefined;
  if (!(signal instanceof AbortSignal)) {
    return Promise.reject(
      new TypeError(`${owner}: expected \`signal\` to be an AbortSignal, got ${describe(signal)}`),
    );
  }
  return abortedRejection(signal);
}

/**
 * The rejection of a call whose (already checked) signal has aborted: `signal.reason`; `undefined` when there is no
 * signal or it has not aborted, and the call may proceed.
 */
export function abortedRejection(signal: AbortSignal | undefined): Promise<never> | undefined {
  return signal?.aborted === true ? Promise.reject(reasonOf(signal)) : undefined;
}

/**
 * An AbortController whose signal every task of a group, pool, scope or server may listen to. Node warns
 * (MaxListenersExceededWarning) past 10 listeners on one signal; here hundreds are the normal case, not a leak, and
 * our leak tests count listeners exactly instead.
 */
export function sharedController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
