/**
 * @module `gracefulShutdown`: drain a `node:http` server on SIGTERM/SIGINT — Go's `http.Server.Shutdown` plus the
 * signal handling, readiness flag and deadline every deployment writes by hand.
 */
import type { Server } from 'node:http';
import { sharedController } from '../../internal/abort.js';
import { describe } from '../../internal/args.js';
import { noop } from '../../internal/noop.js';
import { type LongTimer, setLongTimeout } from '../../internal/timer.js';
import { ConnectionTracker } from './connections.js';
import { checkOptions, checkServer } from './options.js';

/**
 * Options of {@link gracefulShutdown}. All are optional; invalid values throw at once, quoting the value.
 *
 * @example
 * ```ts
 * // Kubernetes: stop being ready, wait for the endpoints to update, drain, and exit before the SIGKILL.
 * gracefulShutdown(server, { readinessDelayMs: 5_000, timeoutMs: 25_000 });
 * // Tests: no signal handlers, no process.exit.
 * gracefulShutdown(server, { signals: [], exit: false });
 * ```
 */
export interface GracefulShutdownOptions {
  /** Process signals that start the shutdown; a second one forces exit. Default `['SIGTERM', 'SIGINT']`; `[]` installs none. */
  signals?: readonly NodeJS.Signals[];
  /**
   * Milliseconds from the start of the shutdown (readiness delay included) until the remaining connections are
   * destroyed and their request signals aborted. Default `25_000`: five seconds under Kubernetes' default
   * `terminationGracePeriodSeconds` of 30, so the deadline path runs before the SIGKILL. `Infinity` waits forever.
   */
  timeoutMs?: number;
  /**
   * Milliseconds to keep serving normally after `ready` turned false, so that load balancers stop routing here before
   * the listener closes (what a Kubernetes `preStop` sleep does). Default `0`.
   */
  readinessDelayMs?: number;
  /** Exit the process when the shutdown is over: code 0 when it drained, 1 otherwise. Default `true`. */
  exit?: boolean;
}

/**
 * The handle {@link gracefulShutdown} returns. `signal` aborts and `ready` turns false exactly once; hooks run exactly
 * once, or not at all when a second signal forces the exit.
 *
 * @example
 * ```ts
 * const lifecycle = gracefulShutdown(server, { exit: false, signals: [] });
 * lifecycle.onShutdown(() => pool.end()); // runs second
 * lifecycle.onShutdown(() => log.flush()); // runs first
 * await lifecycle.shutdown(); // resolves once drained and the hooks ran
 * ```
 */
export interface Shutdown {
  /** Aborts, with the shutdown's reason, when the drain starts: end long-lived streams (SSE, long polls) on it. */
  readonly signal: AbortSignal;
  /** True until the shutdown starts; serve it from a readiness probe. */
  readonly ready: boolean;
  /**
   * Starts the shutdown (what a signal does) and returns a promise that settles when it is over: resolves when every
   * connection closed before the deadline and every hook succeeded; rejects with the deadline's `TimeoutError`, the
   * second signal's `AbortError`, or an `AggregateError` when hooks failed. A second call returns the same promise.
   */
  shutdown(reason?: unknown): Promise<void>;
  /**
   * Registers `fn` to run once every connection has closed; hooks run one at a time, last registered first (like Go's
   * `defer`), each awaited, and a hook that fails does not stop the others. Hooks are not timed: bound a slow one
   * yourself. Returns a function that unregisters the hook (a no-op once hooks started). Throws once hooks started.
   */
  onShutdown(fn: () => void | PromiseLike<void>): () => void;
}

const DEFAULT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Installs a graceful shutdown on `server`. Call it before `listen()`: a request already in flight when it is installed
 * is not marked `Connection: close`, and a connection upgraded earlier (WebSocket) is not destroyed at the deadline.
 * Go: `http.Server.Shutdown` plus `signal.NotifyContext`; npm: `http-terminator`, `@godaddy/terminus`.
 *
 * The order, on the first signal or `shutdown(reason)`:
 * 1. `ready` turns false at once.
 * 2. For `readinessDelayMs` the server keeps serving normally.
 * 3. `server.close()`: new connections are refused; idle connections close (keep-alive ones, and ones that never
 *    carried a request); the newest in-flight response of each connection, and requests that still arrive on open
 *    connections, are answered with `Connection: close`; each connection closes once its last response has been
 *    flushed — unlike Node 20's bare `server.close()`, which can cut a large response that is still being sent.
 * 4. In the same tick, `signal` aborts with the reason, so that SSE brokers and long polls end their streams — they
 *    never finish by themselves, and the drain cannot end while they are open.
 * 5. When every connection has closed, the `onShutdown` hooks run, last registered first.
 * 6. The returned promise settles; with `exit`, the process exits with code 0, or 1 when the deadline struck, a
 *    second signal came or a hook failed.
 *
 * Hooks are for releasing what requests use (database pools, queues, telemetry): they run after the last response.
 * Ending a stream belongs on `signal` — a hook that closes an SSE broker would wait for the broker's own streams,
 * i.e. until the deadline.
 *
 * If `timeoutMs` strikes before step 5, every remaining request signal (from `requestSignal`) aborts with a
 * `TimeoutError`, every socket is destroyed, and the shutdown continues at step 5 (exit code 1). A second signal
 * during the shutdown does the same at once, and with `exit` ends the process immediately with code 1, hooks unrun.
 * Signal handlers are removed when the shutdown is over, and the server's listeners with them.
 *
 * Misuse (not a server, unknown signal name, bad numbers) throws a TypeError or RangeError quoting the value.
 *
 * @param server - an `http.Server` or `https.Server`.
 * @param options - see {@link GracefulShutdownOptions}.
 * @returns the {@link Shutdown} handle.
 * @example
 * ```ts
 * const server = http.createServer(app);
 * const lifecycle = gracefulShutdown(server, { readinessDelayMs: 5_000 });
 * lifecycle.signal.addEventListener('abort', () => broker.close({ event: { event: 'bye', data: 'restarting' } }));
 * lifecycle.onShutdown(() => db.end());
 * app.get('/ready', (_req, res) => res.status(lifecycle.ready ? 200 : 503).end());
 * server.listen(8080);
 * ```
 */
export function gracefulShutdown(server: Server, options: GracefulShutdownOptions = {}): Shutdown {
  checkServer(server);
  const { signals = DEFAULT_SIGNALS, timeoutMs = 25_000, readinessDelayMs = 0, exit = true } = options;
  checkOptions(signals, timeoutMs, readinessDelayMs, exit);
  return new ShutdownImpl(server, [...signals], timeoutMs, readinessDelayMs, exit);
}

interface Hook {
  fn: () => void | PromiseLike<void>;
}

class ShutdownImpl implements Shutdown {
  readonly #controller = sharedController();
  readonly #tracker: ConnectionTracker;
  readonly #signals: NodeJS.Signals[];
  readonly #timeoutMs: number;
  readonly #readinessDelayMs: number;
  readonly #exit: boolean;
  readonly #hooks = new Set<Hook>();
  #hooksStarted = false;
  #ready = true;
  #done: Promise<void> | undefined;
  #reason: unknown;
  /** Why the drain was cut short (deadline or second signal); undefined while it is graceful. */
  #failure: unknown;
  #delayTimer: LongTimer | undefined;
  #deadlineTimer: LongTimer | undefined;
  #startDrain: (() => void) | undefined;

  constructor(
    server: Server,
    signals: NodeJS.Signals[],
    timeoutMs: number,
    readinessDelayMs: number,
    exit: boolean,
  ) {
    this.#tracker = new ConnectionTracker(server);
    this.#signals = signals;
    this.#timeoutMs = timeoutMs;
    this.#readinessDelayMs = readinessDelayMs;
    this.#exit = exit;
    for (const name of signals) process.on(name, this.#onSignal);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get ready(): boolean {
    return this.#ready;
  }

  readonly #onSignal = (name: NodeJS.Signals): void => {
    if (this.#done === undefined) {
      this.shutdown(new DOMException(`gracefulShutdown: received ${name}`, 'AbortError')).catch(noop);
      return;
    }
    this.#force(new DOMException(`gracefulShutdown: received a second ${name}; forcing exit`, 'AbortError'));
    if (this.#exit) process.exit(1);
  };

  shutdown(reason?: unknown): Promise<void> {
    if (this.#done !== undefined) return this.#done;
    this.#ready = false;
    this.#reason = reason ?? new DOMException('gracefulShutdown: the server is shutting down', 'AbortError');
    if (this.#timeoutMs !== Infinity) {
      const error = new DOMException(
        `gracefulShutdown: the ${this.#timeoutMs} ms deadline struck`,
        'TimeoutError',
      );
      this.#deadlineTimer = setLongTimeout(() => this.#force(error), this.#timeoutMs);
    }
    this.#done = this.#run();
    // Attached here so that a shutdown started by a signal, which nobody awaits, never rejects unhandled.
    this.#done.then(
      () => this.#finish(0),
      () => this.#finish(1),
    );
    return this.#done;
  }

  onShutdown(fn: () => void | PromiseLike<void>): () => void {
    if (typeof fn !== 'function') {
      throw new TypeError(
        `gracefulShutdown: expected onShutdown's \`fn\` to be a function, got ${describe(fn)}`,
      );
    }
    if (this.#hooksStarted)
      throw new Error('gracefulShutdown: onShutdown() called after the hooks started running');
    const hook: Hook = { fn };
    this.#hooks.add(hook);
    return () => {
      if (!this.#hooksStarted) this.#hooks.delete(hook);
    };
  }

  async #run(): Promise<void> {
    const drained = new Promise<void>((resolve) => {
      this.#startDrain = () => {
        this.#startDrain = undefined;
        this.#delayTimer?.clear();
        this.#tracker.drain(resolve);
        this.#controller.abort(this.#reason);
      };
    });
    if (this.#readinessDelayMs > 0)
      this.#delayTimer = setLongTimeout(() => this.#startDrain?.(), this.#readinessDelayMs);
    else this.#startDrain?.();
    await drained;
    this.#deadlineTimer?.clear();
    this.#hooksStarted = true;
    const errors: unknown[] = [];
    for (const hook of [...this.#hooks].reverse()) {
      try {
        await hook.fn();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#hooks.clear();
    const failure = this.#failure;
    if (errors.length > 0) {
      if (failure !== undefined) errors.unshift(failure);
      throw new AggregateError(errors, `gracefulShutdown: ${errors.length} error(s) while shutting down`);
    }
    if (failure !== undefined) throw failure;
  }

  /** The deadline, or a second signal: skip what is left of the readiness delay and destroy what is still open. */
  #force(failure: unknown): void {
    if (this.#failure !== undefined || this.#hooksStarted) return;
    this.#failure = failure;
    this.#deadlineTimer?.clear();
    this.#startDrain?.();
    this.#tracker.destroyAll(failure);
  }

  #finish(code: 0 | 1): void {
    for (const name of this.#signals) process.off(name, this.#onSignal);
    this.#tracker.dispose();
    if (this.#exit) process.exit(code);
  }
}
