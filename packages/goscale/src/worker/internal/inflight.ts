/**
 * @module The tasks sent to one pool thread and not reported yet, in the order the thread takes them.
 * @internal
 */
import type { Entry } from './task.js';

/**
 * A queue of entries numbered consecutively as they are sent (wrapping int32, as the thread counts them), so that the
 * number of the last task the thread took says how many from the front it has taken. Cost: O(1) per push and shift
 * (amortised: the array is compacted once half of it is spent).
 */
export class Inflight {
  #entries: Entry[] = [];
  #head = 0;
  #sent = 0;

  get length(): number {
    return this.#entries.length - this.#head;
  }

  /** Gives `entry` the next number and appends it. */
  push(entry: Entry): void {
    entry.index = this.#sent = (this.#sent + 1) | 0;
    this.#entries.push(entry);
  }

  /** The `i`-th from the front. */
  at(i: number): Entry {
    return this.#entries[this.#head + i]!;
  }

  /** Puts `entry` (with the same number) in place of the `i`-th from the front. */
  replace(i: number, entry: Entry): void {
    this.#entries[this.#head + i] = entry;
  }

  /** Removes and returns the front entry. */
  shift(): Entry {
    const entry = this.#entries[this.#head]!;
    this.#entries[this.#head++] = undefined as never;
    if (this.#head === this.#entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
    return entry;
  }

  /** How many from the front the thread has taken, when the last number it took is `last`. */
  taken(last: number): number {
    const length = this.length;
    if (length === 0) return 0;
    return Math.min(length, Math.max(0, ((last - this.at(0).index) | 0) + 1));
  }

  /** Removes and returns every entry, front first. */
  drain(): Entry[] {
    const all = this.#entries.slice(this.#head);
    this.#entries = [];
    this.#head = 0;
    return all;
  }
}
