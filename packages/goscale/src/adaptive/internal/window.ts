/**
 * @module A window of samples: their count, mean latency and the load they were admitted under.
 * @internal
 */
import type { LimitSample } from '../types.js';

/** Accumulates samples; the algorithm decides when the window is full, reads the means and resets it. */
export class Window {
  count = 0;
  private _rtt = 0;
  private _rtt2 = 0;
  private _inFlight = 0;
  maxInFlight = 0;

  add(sample: LimitSample): void {
    this.count++;
    this._rtt += sample.rtt;
    this._rtt2 += sample.rtt * sample.rtt;
    this._inFlight += sample.inFlight;
    if (sample.inFlight > this.maxInFlight) this.maxInFlight = sample.inFlight;
  }

  get meanRtt(): number {
    return this._rtt / this.count;
  }

  /** The standard error of {@link meanRtt}: how far the mean may be off from noise alone. */
  get errorRtt(): number {
    const mean = this.meanRtt;
    const variance = Math.max(0, this._rtt2 / this.count - mean * mean);
    return Math.sqrt(variance / this.count);
  }

  get meanInFlight(): number {
    return this._inFlight / this.count;
  }

  reset(): void {
    this.count = this._rtt = this._rtt2 = this._inFlight = this.maxInFlight = 0;
  }
}
