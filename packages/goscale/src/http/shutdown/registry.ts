/**
 * @module The registry of live request signals, shared by `requestSignal` and `gracefulShutdown`.
 *
 * It lives in its own file so that the shutdown deadline can abort a request's signal with the deadline's reason
 * (rather than the generic "client went away" one) without either public module exporting an internal hook.
 * @internal
 */
import type { ServerResponse } from 'node:http';

/** One request's signal and the way to end it early. */
export interface RequestEntry {
  readonly signal: AbortSignal;
  /** Aborts the signal with `reason` (a no-op once it has settled) and removes every listener it holds. */
  abort(reason: unknown): void;
}

/**
 * Keyed by the response (one per request, even on a keep-alive socket). `requestSignal` deletes an entry as soon as
 * its outcome is known; the WeakMap only matters for a response that never emits 'close' (a pipelined request whose
 * socket died), whose entry then goes with it.
 */
export const requestEntries = new WeakMap<ServerResponse, RequestEntry>();

/** Aborts the signal `requestSignal` handed out for `res`, if any. */
export function abortRequestSignal(res: ServerResponse, reason: unknown): void {
  requestEntries.get(res)?.abort(reason);
}
