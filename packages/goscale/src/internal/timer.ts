/**
 * @module Timers for any duration a caller can pass: Node's `setTimeout` and `setInterval` honour at most 2^31 − 1 ms
 * (about 24.8 days) and turn anything longer into 1 ms, so a 30-day deadline would strike at once.
 * @internal
 */

/** The longest delay `setTimeout` honours, in milliseconds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One pending timer of any finite length. A delay beyond {@link MAX_TIMER_MS} runs as a native interval of
 * `ms / 2^k` (the smallest power-of-two split that Node can hold), counted off beat by beat. The split is exact in
 * floating point, so the last beat falls exactly at `ms`; no clock is read, and because an interval is rescheduled from
 * its own due time (not from when its callback ran, as a timeout re-armed in a callback would be), it is exact under
 * node:test's mock timers however far one `tick` goes (mock `setInterval` as well as `setTimeout`). Exactly one Node
 * timer exists while it is pending, none after.
 */
export class LongTimer {
  readonly #callback: () => void;
  readonly #repeat: boolean;
  readonly #beats: number;
  readonly #interval: boolean;
  #left: number;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(callback: () => void, ms: number, repeat: boolean) {
    if (!(ms >= 0 && ms < Infinity)) {
      throw new RangeError(`timer: expected a finite delay from 0 and up, got ${String(ms)}`);
    }
    this.#callback = callback;
    this.#repeat = repeat;
    let beats = 1;
    while (ms / beats > MAX_TIMER_MS) beats *= 2;
    this.#beats = this.#left = beats;
    // A plain timeout when one is enough: the common case costs what setTimeout costs.
    this.#interval = repeat || beats > 1;
    this.#timer = this.#interval ? setInterval(this.#beat, ms / beats) : setTimeout(this.#beat, ms);
  }

  /** True until it has fired (a timeout) or been cleared. */
  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Cancels it; the callback will not run again. Idempotent. */
  clear(): void {
    if (this.#timer === undefined) return;
    // The matching function: with only one of the two mocked, the other would not find the timer.
    if (this.#interval) clearInterval(this.#timer);
    else clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Lets the process exit while only this timer is pending (it is one Node timer for its whole life). */
  unref(): this {
    this.#timer?.unref();
    return this;
  }

  readonly #beat = (): void => {
    if (--this.#left !== 0) return;
    if (this.#repeat) this.#left = this.#beats;
    else this.clear();
    this.#callback();
  };
}

/**
 * Runs `callback` once, `ms` milliseconds from now, for any finite `ms` from 0 up (the caller has validated it and
 * named it in its own error; a bad value here is a bug and throws a RangeError).
 */
export function setLongTimeout(callback: () => void, ms: number): LongTimer {
  return new LongTimer(callback, ms, false);
}

/** Runs `callback` every `ms` milliseconds (any finite `ms` from 1 up) until cleared. */
export function setLongInterval(callback: () => void, ms: number): LongTimer {
  return new LongTimer(callback, ms, true);
}
