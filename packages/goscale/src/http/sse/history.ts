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
 * The position a client holds before anything was published: sent at connect so that a client whose topics stay
 * quiet still has an id to resume from. It is "evicted" entry 0, known until the first real entry is evicted.
 */
export const START_ID = '0';
const START: HistoryEntry = { seq: 0, id: START_ID, topic: '', chunk: Buffer.alloc(0) };

/** How many known entries (retained, or the one evicted last) carry an id, and the newest one's seq. */
interface IdRecord {
  seq: number;
  count: number;
}

/**
 * The last `size` published events, oldest first. Every publish is recorded, whether or not a client was listening,
 * because a client that is reconnecting right now is not connected yet.
 *
 * Invariants: entries hold consecutive `seq` numbers; `find(id)` knows the ids of the retained entries and of the
 * one entry evicted last (a client that saw it has missed only retained events, so it needs no reset), and answers
 * `undefined` for an id two of those entries share: which one the client saw cannot be told, and a guess could hide
 * a gap. Memory grows with what is retained (never more than `size` entries plus one map key per distinct id), not
 * with `size`: a large bound costs nothing until it is used.
 */
export class History {
  readonly #size: number;
  // Grows by push until full, then wraps: allocating `size` slots up front cost 8 bytes a slot for nothing.
  #ring: HistoryEntry[] = [];
  #start = 0;
  readonly #ids = new Map<string, IdRecord>();
  #evicted: HistoryEntry = START;
  #latest: HistoryEntry | undefined;

  constructor(size: number) {
    this.#size = size;
    this.#count(START);
  }

  /** The newest event recorded (retained or not), or undefined before the first publish. */
  get latest(): HistoryEntry | undefined {
    return this.#latest;
  }

  /** The id of the newest event, or {@link START_ID} before the first publish: a client's current position. */
  get position(): string {
    return this.#latest?.id ?? START_ID;
  }

  /** How many entries are retained. */
  get length(): number {
    return this.#ring.length;
  }

  /** Records `entry`, evicting the oldest one when full. O(1) amortised. */
  add(entry: HistoryEntry): void {
    this.#latest = entry;
    this.#count(entry);
    if (this.#size === 0) {
      this.#evict(entry);
      return;
    }
    const ring = this.#ring;
    if (ring.length < this.#size) {
      ring.push(entry);
      return;
    }
    const old = ring[this.#start]!;
    ring[this.#start] = entry;
    this.#start = (this.#start + 1) % this.#size;
    this.#evict(old);
  }

  /**
   * The sequence number of the event with id `lastEventId`, when the history can tell exactly what came after it;
   * undefined when the id is unknown (never published, evicted too long ago) or ambiguous (reused).
   */
  find(lastEventId: string): number | undefined {
    const record = this.#ids.get(lastEventId);
    return record === undefined || record.count > 1 ? undefined : record.seq;
  }

  /** Calls `fn` for every retained entry with a sequence number above `seq`, oldest first. */
  forEachAfter(seq: number, fn: (entry: HistoryEntry) => void): void {
    const ring = this.#ring;
    const length = ring.length;
    if (length === 0) return;
    const first = ring[this.#start]!.seq;
    // Entries hold consecutive seqs, so the first one to send is found by arithmetic, not by a scan.
    for (let i = Math.max(0, seq + 1 - first); i < length; i++) fn(ring[(this.#start + i) % length]!);
  }

  /** Forgets every entry (the broker closed). */
  clear(): void {
    this.#ring = [];
    this.#ids.clear();
    this.#evicted = START;
    this.#count(START);
    this.#latest = undefined;
    this.#start = 0;
  }

  #count(entry: HistoryEntry): void {
    const record = this.#ids.get(entry.id);
    if (record === undefined) this.#ids.set(entry.id, { seq: entry.seq, count: 1 });
    else {
      record.count++;
      record.seq = entry.seq;
    }
  }

  /** `entry` leaves the ring and becomes the evicted-last one; the previous evicted-last one is forgotten. */
  #evict(entry: HistoryEntry): void {
    const gone = this.#evicted;
    this.#evicted = entry;
    const record = this.#ids.get(gone.id)!;
    if (--record.count === 0) this.#ids.delete(gone.id);
  }
}
