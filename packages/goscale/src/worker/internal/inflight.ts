/**
 * @module The tasks sent to one pool thread and not reported yet, in the order the thread takes them.
 * @internal
 */
import { takenBack, type Entry } from './task.js';
import type { Thread } from './thread.js';

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

  /** Gives `entry` the next number and appends it, as sent to `thread`. */
  push(entry: Entry, thread: Thread): void {
    entry.thread = thread;
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

  /** Whether one of the first `taken` entries (those the thread has taken) is not settled: it is running one. */
  running(taken: number): boolean {
    for (let i = 0; i < taken; i++) if (!this.at(i).done) return true;
    return false;
  }

  /** How many entries after the first `taken` are not settled: sent, not started, not aborted. */
  waiting(taken: number): number {
    let n = 0;
    for (let i = taken; i < this.length; i++) if (!this.at(i).done) n++;
    return n;
  }

  /** Whether an entry after the first `taken` could run on another thread instead (see {@link canMove}). */
  movable(taken: number): boolean {
    for (let i = taken; i < this.length; i++) if (canMove(this.at(i))) return true;
    return false;
  }

  /**
   * Removes the entries after the first `taken` that can move, leaving each number in place (a placeholder that
   * settles nothing when the thread reports it), and returns them in order.
   */
  takeBack(taken: number): Entry[] {
    const back: Entry[] = [];
    for (let i = taken; i < this.length; i++) {
      const entry = this.at(i);
      if (!canMove(entry)) continue;
      this.replace(i, takenBack(entry.index));
      back.push(entry);
    }
    return back;
  }

  /** Removes and returns every entry, front first. */
  drain(): Entry[] {
    const all = this.#entries.slice(this.#head);
    this.#entries = [];
    this.#head = 0;
    return all;
  }
}

/** A task another thread can run instead: not settled, and no buffers of it were transferred to this one. */
function canMove(entry: Entry): boolean {
  return !entry.done && (entry.transfer === undefined || entry.transfer.length === 0);
}
