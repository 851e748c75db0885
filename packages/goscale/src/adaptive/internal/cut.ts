/**
 * @module The overload cut's pacing, shared by every algorithm: at most one cut per round trip.
 * @internal
 */
import type { LimitSample } from '../types.js';

/**
 * Lets an overload through to cut the limit at most once per round trip: an overload of a task admitted before the
 * last cut ended answers to the limit that cut already lowered, so it must not cut again (a burst of failures from one
 * round trip is one signal). Cost: O(1).
 */
export class CutPacer {
  #last = -Infinity;

  /** Whether `sample`'s overload should cut now; if so, the next cut waits for a task admitted after this one ended. */
  due(sample: LimitSample): boolean {
    if (sample.start < this.#last) return false;
    this.#last = sample.start + sample.rtt;
    return true;
  }
}
