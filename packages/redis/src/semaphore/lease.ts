/**
 * @module `Lease`: what a RedisSemaphore grant hands the caller.
 */

/**
 * Permits held from a `RedisSemaphore`, until `release()` or until the lease is lost.
 *
 * - `token` is the grant's fencing token: strictly greater than every token granted before on this key. A resource
 *   that must never be touched by two holders at once checks it itself (it refuses a token lower than the highest it
 *   has seen); without that the semaphore is an efficiency lock, not a correctness one (Kleppmann, 2016).
 * - `signal` aborts when the lease is lost: its refresh found the grant gone (the process was paused past `leaseMs`,
 *   or Redis lost its data), it could not be refreshed for `leaseMs`, or the semaphore was closed. Pass it to the work
 *   the permits guard.
 * - `release()` gives the permits back once; a second call, or a call after the lease was lost, changes nothing in
 *   Redis (it checks holder id and token). `await using lease = await sem.acquire()` releases at the end of the block.
 */
export interface Lease {
  readonly token: number;
  readonly n: number;
  readonly signal: AbortSignal;
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Thrown into `lease.signal` (as its reason) when the lease is lost. */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(`redis semaphore: lease lost: ${message}`);
    this.name = 'LeaseLostError';
  }
}

/** The semaphore's side of a lease: refresh deadline, loss, release. */
export class HeldLease implements Lease {
  readonly #controller = new AbortController();
  /** Local time (performance.now) after which Redis may have dropped the grant: the last refresh sent + leaseMs. */
  deadline: number;
  released = false;

  constructor(
    readonly id: string,
    readonly n: number,
    readonly token: number,
    deadline: number,
    private readonly onRelease: (lease: HeldLease) => Promise<void>,
  ) {
    this.deadline = deadline;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get tokenString(): string {
    return String(this.token);
  }

  lose(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    return this.onRelease(this);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.release();
  }
}
