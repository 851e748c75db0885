/**
 * @module `StreamReader`: a replica's one `XREAD BLOCK` loop over the bus's stream, on a connection of its own.
 * @internal
 */
import { BusGapError, type BusEntry } from 'goscale/http';
import type { RedisClient } from '../internal/client.js';
import { compareStreamIds } from './internal/ids.js';
import { toEntry, xreadEntries } from './internal/reply.js';

/** Redis answers an idle XREAD after this long, and the loop asks again: no reply ever waits on a stale request. */
const BLOCK_MS = 5_000;
/** Pause after a failure before the next XREAD (node-redis queues it until the connection is back). */
const RETRY_MS = 50;

/**
 * Reported to `onError` when the reader fell so far behind that entries it had not read were trimmed. A `BusGapError`,
 * so a Broker on the bus sends its clients the reset notice.
 */
export class RedisBusGapError extends BusGapError {
  constructor(key: string, after: string) {
    super(
      after,
      `redisBus: entries of ${key} after ${after} were trimmed before this replica read them (it was paused or cut off longer than maxLen entries take); its clients missed them and were sent goscale-reset`,
    );
    this.name = 'RedisBusGapError';
  }
}

/** One subscriber of the loop: entries after `after` go to `onEntry`. */
export interface Listener {
  after: string;
  onEntry(entry: BusEntry): void;
  onError(error: unknown): void;
}

/**
 * Invariants: entries go out in stream order, each once, to every listener whose `after` precedes them; the loop's
 * position only moves to an id it has delivered, so after any failure (connection lost, Redis restarted, a pause)
 * it asks for what followed that id, never for "now" (`$`). Each failure is reported once to every listener, and the
 * loop carries on until `close()`, which destroys its connection.
 */
export class StreamReader {
  readonly #client: RedisClient;
  readonly #key: string;
  readonly #count: number;
  readonly #listeners = new Set<Listener>();
  #connection: RedisClient | undefined;
  #position: string;
  #closed = false;
  /** Wakes the loop from waiting for its connection to come back, when `close()` is called. */
  #wake: (() => void) | undefined;
  readonly #done: Promise<void>;

  constructor(client: RedisClient, key: string, count: number, from: string) {
    this.#client = client;
    this.#key = key;
    this.#count = count;
    this.#position = from;
    this.#done = this.#loop();
  }

  add(listener: Listener): void {
    this.#listeners.add(listener);
  }

  delete(listener: Listener): void {
    this.#listeners.delete(listener);
  }

  /** Stops the loop and closes its connection; resolves once both are done. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    this.#connection?.destroy(); // rejects the pending XREAD at once
    this.#wake?.();
    await this.#done;
  }

  async #connect(): Promise<RedisClient> {
    const current = this.#connection;
    if (current?.isOpen === true) {
      // Reconnecting: wait for it rather than spin (a client made with disableOfflineQueue would refuse the XREAD).
      if (!current.isReady)
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          current.once('ready', resolve);
          current.once('end', resolve); // node-redis gave up: the next turn makes a fresh connection
        });
      return current;
    }
    // First use, or node-redis gave up reconnecting (its reconnectStrategy said so): a fresh connection.
    this.#connection?.destroy();
    const connection = this.#client.duplicate();
    // The loop hears of the failure through its pending command and reports it once, not per reconnect attempt.
    connection.on('error', () => {});
    this.#connection = connection;
    await connection.connect();
    return connection;
  }

  async #loop(): Promise<void> {
    while (!this.#closed) {
      try {
        const connection = await this.#connect();
        if (this.#closed) break;
        const reply = await connection.sendCommand([
          'XREAD',
          'COUNT',
          String(this.#count),
          'BLOCK',
          String(BLOCK_MS),
          'STREAMS',
          this.#key,
          this.#position,
        ]);
        const raw = xreadEntries(reply, this.#key);
        // A full batch means the loop lags; only then can entries it has not read have been trimmed (Redis keeps at
        // least maxLen >= count after them). Its position still being an entry proves nothing was skipped.
        if (raw.length === this.#count && !(await this.#placed(connection))) {
          this.#report(new RedisBusGapError(this.#key, this.#position));
        }
        for (const r of raw) this.#deliver(toEntry(r));
      } catch (error) {
        if (this.#closed) break;
        this.#report(error);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
    this.#connection?.destroy();
    this.#connection = undefined;
  }

  async #placed(connection: RedisClient): Promise<boolean> {
    if (this.#position === '0-0') return true;
    const found = await connection.sendCommand<unknown[]>([
      'XRANGE',
      this.#key,
      this.#position,
      this.#position,
    ]);
    return found.length > 0;
  }

  #deliver(entry: BusEntry): void {
    this.#position = entry.id;
    for (const l of this.#listeners) {
      if (this.#closed) return;
      if (compareStreamIds(entry.id, l.after) <= 0) continue;
      try {
        l.onEntry(entry);
      } catch (error) {
        l.onError(error); // one listener's bug neither stops the loop nor costs the others the entry
      }
    }
  }

  #report(error: unknown): void {
    for (const l of this.#listeners) l.onError(error);
  }
}
