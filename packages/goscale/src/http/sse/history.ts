/**
 * @module The broker's replay history: a ring of the last `size` encoded events, found by id in O(1).
 * @internal
 */

/** One published event as the history keeps it: encoded once, shared by every client it is written to. */
export interface HistoryEntry {
  /** Position in the broker's single sequence (one per publish, across topics). */
  readonly seq: number;
  readonly id: string;
  readonly topic: string;
  readonly chunk: Buffer;
}

/**
 * The last `size` published events, oldest first. Every publish is recorded, whether or not a client was listening,
 * because a client that is reconnecting right now is not connected yet.
 *
 * Invariants: entries hold consecutive `seq` numbers; `find(id)` knows the ids of the retained entries and of the
 * one entry evicted last (a client that saw it has missed only retained events, so it needs no reset); memory is
 * `size` entries plus one id map of at most `size` keys.
 */
export class History {
  readonly #size: number;
  readonly #ring: (HistoryEntry | undefined)[];
  #start = 0;
  #length = 0;
  // With duplicate ids the newest wins; eviction deletes a key only when it still points at the evicted entry.
  readonly #seqById = new Map<string, number>();
  #evicted: { id: string; seq: number } | undefined;
  #latest: HistoryEntry | undefined;

  constructor(size: number) {
    this.#size = size;
    this.#ring = new Array<HistoryEntry | undefined>(size).fill(undefined);
  }

  /** The newest event recorded (retained or not), or undefined before the first publish. */
  get latest(): HistoryEntry | undefined {
    return this.#latest;
  }

  /** How many entries are retained. */
  get length(): number {
    return this.#length;
  }

  /** Records `entry`, evicting the oldest one when full. O(1). */
  add(entry: HistoryEntry): void {
    this.#latest = entry;
    if (this.#size === 0) {
      this.#evicted = entry;
      return;
    }
    if (this.#length === this.#size) {
      const old = this.#ring[this.#start]!;
      if (this.#seqById.get(old.id) === old.seq) this.#seqById.delete(old.id);
      this.#evicted = old;
      this.#start = (this.#start + 1) % this.#size;
      this.#length--;
    }
    this.#ring[(this.#start + this.#length) % this.#size] = entry;
    this.#length++;
    this.#seqById.set(entry.id, entry.seq);
  }

  /**
   * The sequence number of the event with id `lastEventId`, when the history can tell exactly what came after it;
   * undefined when the id is unknown (never published, or evicted too long ago).
   */
  find(lastEventId: string): number | undefined {
    const seq = this.#seqById.get(lastEventId);
    if (seq !== undefined) return seq;
    if (this.#evicted !== undefined && this.#evicted.id === lastEventId) return this.#evicted.seq;
    return undefined;
  }

  /** Calls `fn` for every retained entry with a sequence number above `seq`, oldest first. */
  forEachAfter(seq: number, fn: (entry: HistoryEntry) => void): void {
    if (this.#length === 0) return;
    const first = this.#ring[this.#start]!.seq;
    // Entries hold consecutive seqs, so the first one to send is found by arithmetic, not by a scan.
    for (let i = Math.max(0, seq + 1 - first); i < this.#length; i++) {
      fn(this.#ring[(this.#start + i) % this.#size]!);
    }
  }

  /** Forgets every entry (the broker closed). */
  clear(): void {
    this.#ring.fill(undefined);
    this.#seqById.clear();
    this.#evicted = undefined;
    this.#start = this.#length = 0;
  }
}
