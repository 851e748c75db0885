/**
 * @module The call queue behind `limit`: FIFO admission of up to `max` calls, with the caller's async context kept
 * and about 150 bytes per waiting call.
 * @internal
 */

type Fn = (...args: unknown[]) => unknown;

/** The arguments of a call with none or several; a call with exactly one stores it bare (no wrapper, no array). */
export class Args {
  constructor(readonly list: unknown[]) {}
}

/** Shared by every call made without arguments. */
export const NO_ARGS = new Args([]);

function apply(fn: Fn, arg: unknown): unknown {
  return arg instanceof Args ? fn(...arg.list) : fn(arg);
}
type Wake = (cleared: unknown) => void;

/** The queue's life between two `clear()`s. Handlers of an older generation find their calls were cleared. */
interface Generation {
  rejected: boolean;
  reason: unknown;
}

/** Waiting calls are grouped into epochs that share one gate promise; opening an epoch runs its handlers in order. */
interface Epoch {
  promise: Promise<Generation>;
  open: (generation: Generation) => void;
  size: number;
}

/** Members per epoch: bigger saves gate promises, smaller bounds the calls woken without a free slot. */
const EPOCH = 32;
const RESOLVED = Promise.resolve();

function noop(): void {}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function'
  );
}

/**
 * Why epochs: a call's async context is captured only by a promise reaction registered while the caller runs, so
 * every call needs one `then` at call time (its returned promise is that reaction's). A gate promise of its own per
 * call (with its two resolver functions) would double the bytes a waiting call holds, and time here is mostly the
 * garbage collector walking what waits. So a waiting call is a reaction on a shared epoch gate plus two array slots.
 * When a slot frees, the next call in line is admitted at once (`active++`, a reservation) and enough epochs are
 * opened for a handler to reach it; handlers run in call order and take the next queued call each. A handler that
 * finds no reservation (its epoch opened for an earlier one) parks on a gate of its own: at most EPOCH - 1 do.
 */
export class CallQueue {
  max: number;
  active = 0;
  readonly #rejectOnClear: boolean;
  #generation: Generation = { rejected: false, reason: undefined };
  /** Queued calls not yet taken by a handler, as (fn, argument) pairs. */
  #calls: unknown[] = [];
  #callHead = 0;
  #epochs: Epoch[] = [];
  #epochHead = 0;
  #tail: Epoch | undefined;
  /** Handlers of opened epochs that have not run yet; reservations go to the first of them. */
  #inFlight = 0;
  #reserved = 0;
  /** Calls parked on their own gate, oldest first. */
  #parked: Wake[] = [];
  #parkedHead = 0;
  /** Calls admitted (reserved) before a clear(): their handlers, of the old generation, still run them. */
  #survivors: unknown[] = [];
  #survivorHead = 0;
  #survivorGeneration: Generation | undefined;

  constructor(max: number, rejectOnClear: boolean) {
    this.max = max;
    this.#rejectOnClear = rejectOnClear;
  }

  /** Calls waiting to be admitted. */
  get pending(): number {
    return (
      (this.#calls.length - this.#callHead) / 2 + (this.#parked.length - this.#parkedHead) - this.#reserved
    );
  }

  /** Queues `fn`; `arg` is its single argument, or an {@link Args} for any other count. */
  call(fn: Fn, arg: unknown): Promise<unknown> {
    if (this.active < this.max && this.pending === 0) {
      this.active++;
      // Never call fn synchronously (p-limit's contract); the reaction also carries the caller's context.
      return RESOLVED.then(() => this.#start(fn, arg));
    }
    this.#calls.push(fn, arg);
    let epoch = this.#tail;
    if (epoch === undefined || epoch.size === EPOCH) {
      let open!: (generation: Generation) => void;
      const promise = new Promise<Generation>((resolve) => (open = resolve));
      epoch = this.#tail = { promise, open, size: 0 };
      this.#epochs.push(epoch);
    }
    epoch.size++;
    return epoch.promise.then(this.#handle);
  }

  /** Admits waiting calls while there is room. */
  admit(): void {
    while (this.active < this.max && this.pending > 0) {
      this.active++;
      if (this.#parkedHead < this.#parked.length) {
        const wake = this.#parked[this.#parkedHead]!;
        this.#parked[this.#parkedHead++] = undefined!;
        // Parked calls are few (fewer than EPOCH per opening), so emptying is the only compaction needed.
        if (this.#parkedHead === this.#parked.length) {
          this.#parked = [];
          this.#parkedHead = 0;
        }
        wake(undefined);
        continue;
      }
      this.#reserved++;
      while (this.#inFlight < this.#reserved) this.#openNext();
    }
  }

  #openNext(): void {
    const epoch = this.#epochs[this.#epochHead]!;
    this.#epochs[this.#epochHead++] = undefined!;
    if (this.#epochHead === this.#epochs.length) {
      this.#epochs = [];
      this.#epochHead = 0;
    }
    if (epoch === this.#tail) this.#tail = undefined;
    this.#inFlight += epoch.size;
    epoch.open(this.#generation);
  }

  readonly #handle = (generation: Generation): unknown => {
    if (generation !== this.#generation) {
      if (generation === this.#survivorGeneration && this.#survivorHead < this.#survivors.length) {
        const fn = this.#survivors[this.#survivorHead++] as Fn;
        return this.#start(fn, this.#survivors[this.#survivorHead++]);
      }
      if (generation.rejected) throw generation.reason;
      return new Promise(noop);
    }
    this.#inFlight--;
    const calls = this.#calls;
    const head = this.#callHead;
    const fn = calls[head] as Fn;
    const arg = calls[head + 1];
    calls[head] = calls[head + 1] = undefined;
    this.#callHead = head + 2;
    if (this.#callHead === calls.length) {
      this.#calls = [];
      this.#callHead = 0;
    } else if (this.#callHead >= 4096 && this.#callHead * 2 >= calls.length) {
      this.#calls = calls.slice(this.#callHead);
      this.#callHead = 0;
    }
    if (this.#reserved > 0) {
      this.#reserved--;
      return this.#start(fn, arg);
    }
    return new Promise<unknown>((wake) => this.#parked.push(wake)).then((cleared) => {
      if (cleared !== undefined) throw cleared;
      return this.#start(fn, arg);
    });
  };

  #start(fn: Fn, arg: unknown): unknown {
    let value: unknown;
    try {
      value = apply(fn, arg);
    } catch (error) {
      this.#release();
      throw error;
    }
    if (value instanceof Promise || isThenable(value))
      return Promise.resolve(value).then(this.#fulfilled, this.#rejected);
    this.#release();
    return value;
  }

  // The slot is free again before the call's promise settles, so `activeCount` is right when the caller resumes.
  readonly #fulfilled = (value: unknown): unknown => {
    this.#release();
    return value;
  };
  readonly #rejected = (error: unknown): never => {
    this.#release();
    throw error;
  };

  #release(): void {
    this.active--;
    this.admit();
  }

  /** Drops every waiting call; with rejectOnClear they reject with one AbortError, else they stay pending. */
  clear(): void {
    const old = this.#generation;
    this.#generation = { rejected: false, reason: undefined };
    old.rejected = this.#rejectOnClear;
    old.reason = new DOMException('This operation was aborted', 'AbortError');
    // Reserved calls were admitted (they count as active): their handlers still run them.
    const reserved = this.#reserved;
    this.#survivors = this.#calls.slice(this.#callHead, this.#callHead + 2 * reserved);
    this.#survivorHead = 0;
    this.#survivorGeneration = reserved > 0 ? old : undefined;
    const epochs = this.#epochs.slice(this.#epochHead);
    const parked = this.#parked.slice(this.#parkedHead);
    this.#calls = [];
    this.#callHead = 0;
    this.#epochs = [];
    this.#epochHead = 0;
    this.#tail = undefined;
    this.#inFlight = 0;
    this.#reserved = 0;
    this.#parked = [];
    this.#parkedHead = 0;
    if (!this.#rejectOnClear) return;
    for (const epoch of epochs) epoch.open(old);
    for (const wake of parked) wake(old.reason);
  }
}
