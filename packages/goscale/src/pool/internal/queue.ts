/**
 * @module The call queue behind `limit`: FIFO admission of up to `max` calls, with the caller's async context kept
 * and about 150 bytes per waiting call (148 B measured in bench/pool.bench.ts, against 712 B for p-limit).
 * @internal
 */
import type { AdaptiveLimit } from '../../adaptive/adaptive.js';
import { BatchGate } from '../../internal/batch-gate.js';
import { noop } from '../../internal/noop.js';
import { isThenable } from './args.js';

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

/** The queue's life between two `clear()`s. Handlers of an older generation find their calls were cleared. */
interface Generation {
  rejected: boolean;
  reason: unknown;
}

const RESOLVED = Promise.resolve();

/**
 * A waiting call is a reaction on a shared batch gate (see {@link BatchGate}) plus two array slots. When a slot
 * frees, the next call in line is admitted at once (`active++`, a reservation); the handlers run in call order and
 * take the next queued call each. The gate's batches open with the queue's generation, so that a handler of calls
 * dropped by `clear()` finds out.
 */
export class CallQueue {
  max: number;
  active = 0;
  /** Set when the limit is adaptive: calls are then timed, and `max` follows the limit after each sample. */
  adaptive: AdaptiveLimit | undefined = undefined;
  private readonly _rejectOnClear: boolean;
  private _generation: Generation = { rejected: false, reason: undefined };
  /** Queued calls not yet taken by a handler, as (fn, argument) pairs. */
  private _calls: unknown[] = [];
  private _callHead = 0;
  private readonly _gate = new BatchGate<Generation>();
  /** Calls admitted (reserved) before a clear(): their handlers, of the old generation, still run them. */
  private _survivors: unknown[] = [];
  private _survivorHead = 0;
  private _survivorGeneration: Generation | undefined;

  constructor(max: number, rejectOnClear: boolean) {
    this.max = max;
    this._rejectOnClear = rejectOnClear;
  }

  /** Calls waiting to be admitted. */
  get pending(): number {
    const gate = this._gate;
    return (this._calls.length - this._callHead) / 2 + gate.parked - gate.reserved;
  }

  /** Queues `fn`; `arg` is its single argument, or an {@link Args} for any other count. */
  call(fn: Fn, arg: unknown): Promise<unknown> {
    if (this.active < this.max && this.pending === 0) {
      this.active++;
      // Never call fn synchronously (p-limit's contract); the reaction also carries the caller's context.
      return RESOLVED.then(() => this.#start(fn, arg));
    }
    this._calls.push(fn, arg);
    return this._gate.join(this._handle);
  }

  /** Admits waiting calls while there is room. */
  admit(): void {
    while (this.active < this.max && this.pending > 0) {
      this.active++;
      this._gate.admit(this._generation);
    }
  }

  private readonly _handle = (generation: Generation): unknown => {
    if (generation !== this._generation) {
      if (generation === this._survivorGeneration && this._survivorHead < this._survivors.length) {
        const fn = this._survivors[this._survivorHead++] as Fn;
        return this.#start(fn, this._survivors[this._survivorHead++]);
      }
      if (generation.rejected) throw generation.reason;
      return new Promise(noop);
    }
    const reserved = this._gate.claim();
    const calls = this._calls;
    const head = this._callHead;
    const fn = calls[head] as Fn;
    const arg = calls[head + 1];
    calls[head] = calls[head + 1] = undefined;
    this._callHead = head + 2;
    if (this._callHead === calls.length) {
      this._calls = [];
      this._callHead = 0;
    } else if (this._callHead >= 4096 && this._callHead * 2 >= calls.length) {
      this._calls = calls.slice(this._callHead);
      this._callHead = 0;
    }
    if (reserved) return this.#start(fn, arg);
    return this._gate.park().then((cleared) => {
      if (cleared !== undefined) throw cleared;
      return this.#start(fn, arg);
    });
  };

  #start(fn: Fn, arg: unknown): unknown {
    if (this.adaptive !== undefined) return this.#startTimed(fn, arg, this.adaptive);
    let value: unknown;
    try {
      value = apply(fn, arg);
    } catch (error) {
      this.#release();
      throw error;
    }
    if (value instanceof Promise || isThenable(value))
      return Promise.resolve(value).then(this._fulfilled, this._rejected);
    this.#release();
    return value;
  }

  /** #start for an adaptive limit: the call is timed and its sample taken before its slot is handed on. */
  #startTimed(fn: Fn, arg: unknown, adaptive: AdaptiveLimit): unknown {
    const start = adaptive.now();
    const inFlight = this.active;
    let value: unknown;
    try {
      value = apply(fn, arg);
    } catch (error) {
      this.#release();
      throw error;
    }
    if (!(value instanceof Promise || isThenable(value))) {
      this.#release();
      return value;
    }
    return Promise.resolve(value as PromiseLike<unknown>).then(
      (result) => {
        this.#sampled(adaptive, start, inFlight, false, undefined);
        return result;
      },
      (error: unknown) => {
        this.#sampled(adaptive, start, inFlight, true, error);
        throw error;
      },
    );
  }

  #sampled(adaptive: AdaptiveLimit, start: number, inFlight: number, failed: boolean, error: unknown): void {
    adaptive.record(start, inFlight, failed, error);
    // The limiter may have switched to a fixed concurrency since this call started.
    if (this.adaptive === adaptive) this.max = adaptive.current;
    this.#release();
  }

  // The slot is free again before the call's promise settles, so `activeCount` is right when the caller resumes.
  private readonly _fulfilled = (value: unknown): unknown => {
    this.#release();
    return value;
  };
  private readonly _rejected = (error: unknown): never => {
    this.#release();
    throw error;
  };

  #release(): void {
    this.active--;
    this.admit();
  }

  /** Drops every waiting call; with rejectOnClear they reject with one AbortError, else they stay pending. */
  clear(): void {
    const old = this._generation;
    this._generation = { rejected: false, reason: undefined };
    old.rejected = this._rejectOnClear;
    old.reason = new DOMException('This operation was aborted', 'AbortError');
    // Reserved calls were admitted (they count as active): their handlers still run them.
    const reserved = this._gate.reserved;
    this._survivors = this._calls.slice(this._callHead, this._callHead + 2 * reserved);
    this._survivorHead = 0;
    this._survivorGeneration = reserved > 0 ? old : undefined;
    this._calls = [];
    this._callHead = 0;
    this._gate.clear(this._rejectOnClear, old, old.reason);
  }
}
