/**
 * @module Cancellation scopes (Go's `context.WithCancel` / `WithTimeout`) on `AbortSignal`.
 */
import { checkSignal, sharedController } from '../internal/abort.js';
import { describe } from '../internal/args.js';
import { type LongTimer, setLongTimeout } from '../internal/timer.js';

/**
 * A cancellation scope: a signal that aborts when `cancel()` is called, when the parent aborts, or (for
 * {@link withTimeout}) when the time is up — whichever comes first.
 *
 * Invariants:
 * - The signal aborts at most once; the first reason wins and later `cancel()` calls are no-ops.
 * - A parent's abort reaches the child with the parent's reason.
 * - Once the scope has ended (cancelled, timed out, parent aborted, or disposed) it holds no listener on the parent
 *   and no timer: a long-lived parent with a million short-lived children disposed in turn keeps the listener count it
 *   had (Node's `AbortSignal.any` keeps them; nodejs/node#55328).
 *
 * Cost: creating a scope is an AbortController and, with a parent, one listener. Ending one costs what Node charges
 * for `AbortController.abort()` plus the default `DOMException` reason: about 10 µs on Node 20, dominated by Node's
 * event dispatch, so create scopes per request or per operation, not per item in a hot loop.
 */
export interface Scope extends Disposable {
  /** Aborts when the scope ends. Pass it on as `{ signal }`. */
  readonly signal: AbortSignal;
  /**
   * Ends the scope: aborts `signal` with `reason` (a `DOMException` named `AbortError` when omitted), removes the
   * scope's listener from the parent and clears its timer. A no-op once the scope has ended.
   */
  cancel(reason?: unknown): void;
  /** Same as `cancel()`: `using scope = withCancel(parent)` ends the scope when the block exits. */
  [Symbol.dispose](): void;
}

class ScopeImpl implements Scope {
  readonly #controller = sharedController();
  readonly #parent: AbortSignal | undefined;
  #timer: LongTimer | undefined;

  constructor(parent: AbortSignal | undefined) {
    this.#parent = parent;
    if (parent === undefined) return;
    if (parent.aborted) this.#controller.abort(parent.reason);
    else parent.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Arms the deadline. Called once by withTimeout, before the scope is handed out. */
  arm(ms: number): void {
    if (this.#controller.signal.aborted || ms === Infinity) return;
    // A scope that times out must keep the process alive until then, as a pending timeout would in Go; disposing the
    // scope early clears the timer, so nothing lingers after the work is done.
    this.#timer = setLongTimeout(() => {
      this.#timer = undefined;
      this.cancel(new DOMException('The operation timed out.', 'TimeoutError'));
    }, ms);
  }

  readonly #onParentAbort = (): void => {
    this.cancel(this.#parent?.reason);
  };

  cancel(reason?: unknown): void {
    if (this.#timer !== undefined) {
      this.#timer.clear();
      this.#timer = undefined;
    }
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
    if (!this.#controller.signal.aborted) {
      this.#controller.abort(reason ?? new DOMException('This operation was aborted', 'AbortError'));
    }
  }

  [Symbol.dispose](): void {
    this.cancel();
  }
}

/**
 * Creates a scope that ends when `cancel()` is called or `parent` aborts. Go: `context.WithCancel`.
 *
 * Cost: one AbortController and, with a parent, one listener on it, removed when the scope ends.
 * @param parent - the enclosing signal; when already aborted, the scope starts aborted with its reason.
 * @example
 * ```ts
 * using scope = withCancel(requestSignal(req, res));
 * await Promise.all([fetchA(scope.signal), fetchB(scope.signal)]);
 * ```
 */
export function withCancel(parent?: AbortSignal): Scope {
  checkSignal('withCancel', parent);
  return new ScopeImpl(parent);
}

/**
 * Creates a scope that also ends `ms` milliseconds from now, aborting with a `DOMException` named `TimeoutError`.
 * Go: `context.WithTimeout`. `Infinity` means no deadline; any finite `ms` is honoured, also past the 2^31 − 1 ms
 * (24.8 days) that a bare `setTimeout` turns into 1 ms.
 *
 * @param parent - the enclosing signal, or `undefined` for a root scope.
 * @param ms - a number of milliseconds from 0 up (or Infinity); anything else throws a RangeError quoting it.
 * @example
 * ```ts
 * using scope = withTimeout(undefined, 2_000);
 * const res = await fetch(url, { signal: scope.signal });
 * ```
 */
export function withTimeout(parent: AbortSignal | undefined, ms: number): Scope {
  checkSignal('withTimeout', parent);
  if (typeof ms !== 'number' || Number.isNaN(ms) || ms < 0) {
    throw new RangeError(`withTimeout: expected \`ms\` to be a number from 0 and up, got ${describe(ms)}`);
  }
  const scope = new ScopeImpl(parent);
  scope.arm(ms);
  return scope;
}
