/**
 * @module The arithmetic of the `Limiter`'s lazy token bucket: refill, take, and time until enough tokens.
 * @internal
 */

/**
 * Tolerance, in tokens, for floating-point error: 0.1 + 0.2 tokens must be enough for 0.3. Far below anything a
 * caller can observe (a billionth of a token).
 */
const EPSILON = 1e-9;

/** Rounds a duration up to the next whole nanosecond, absorbing float error so that 1000 / 8 is 125, not 125.0000001. */
function roundUp(ms: number): number {
  return Math.ceil(ms * 1e6 - 1e-3) / 1e6;
}

/**
 * A token bucket computed lazily from the clock (Go's `advance`): `tokens` as of time `last`, refilled at `rate` per
 * second up to `burst` whenever time moves on. `tokens` goes below 0 only when a reservation promised under a higher
 * rate takes its tokens anyway. Times are milliseconds on the limiter's clock.
 */
export class RateBucket {
  tokens: number;
  last: number;

  constructor(
    public rate: number,
    public burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Brings `tokens` up to time `t`. A clock that steps backwards refills nothing and is otherwise ignored. */
  advance(t: number): void {
    if (!(t > this.last)) return;
    if (this.rate !== Infinity) this.tokens = this.refilled(this.tokens, t - this.last);
    this.last = t;
  }

  /** `tokens` after `ms` of refill, capped at `burst`. */
  refilled(tokens: number, ms: number): number {
    return Math.min(this.burst, tokens + (ms * this.rate) / 1000);
  }

  /** Milliseconds until a bucket holding `tokens` holds `n` (0 if it does; Infinity at rate 0). */
  msUntil(n: number, tokens: number): number {
    if (tokens + EPSILON >= n) return 0;
    if (this.rate === 0) return Infinity;
    return roundUp(((n - tokens) * 1000) / this.rate);
  }

  /** `tokens` less `n`; within EPSILON of enough counts as exactly enough, so rounding never leaves -1e-17 behind. */
  after(tokens: number, n: number): number {
    return tokens + EPSILON >= n ? Math.max(tokens, n) - n : tokens - n;
  }

  /** Takes `n` tokens at time `now` if they are there; returns whether it did. */
  take(n: number, now: number): boolean {
    this.advance(now);
    if (this.tokens + EPSILON < n) return false;
    this.tokens = Math.max(this.tokens, n) - n;
    return true;
  }

  /** Takes `n` tokens now, into debt if need be (a claim whose time has come). */
  debit(n: number): void {
    this.tokens = this.after(this.tokens, n);
  }

  /** Puts `n` tokens back at time `now`, never above `burst`. */
  giveBack(n: number, now: number): void {
    this.advance(now);
    this.tokens = Math.min(this.burst, this.tokens + n);
  }

  /** Changes the rate at `now`. Leaving `Infinity` starts the bucket full, as Go does. */
  setRate(rate: number, now: number): void {
    this.advance(now);
    if (this.rate === Infinity) this.tokens = this.burst;
    this.rate = rate;
    this.last = Math.max(this.last, now);
  }

  /** Changes the size at `now`, dropping tokens above it. */
  setBurst(burst: number, now: number): void {
    this.advance(now);
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }
}
