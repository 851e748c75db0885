/**
 * @module One SSE connection of a {@link Broker}: a bounded event queue in front of `res.write()` backpressure.
 */
import type { ServerResponse } from 'node:http';
import { encodeEvent, type SseEvent } from './format.js';

/**
 * A connected SSE client, as returned by {@link Broker.connect}.
 *
 * Invariants:
 * - Events reach the client in the order they were published or sent; none is written twice.
 * - Writes never wait: events published in one tick reach the socket as one write at the end of the tick; while
 *   `res.write()` reports backpressure the client queues at most `bufferSize` events, then is disconnected
 *   (`slowClient: 'disconnect'`) or loses its oldest queued events (`'drop'`, counted in `dropped`).
 * - Once `closed` is true the client is out of the broker, holds no listener on `req`/`res` and no queued event, and
 *   `signal` is aborted.
 *
 * @example
 * ```ts
 * const client = broker.connect(req, res, { topics: ['chat'] });
 * client.send({ event: 'welcome', data: { online: broker.clients } }); // to this client only
 * await doWork({ signal: client.signal }); // stops when the user closes the tab
 * ```
 */
export interface SseClient {
  /** Unique within its broker, increasing with each connect. */
  readonly id: number;
  /** The topics it receives, or `undefined` when it receives every topic. */
  readonly topics: readonly string[] | undefined;
  /** True once the client has hung up, was disconnected, or was closed. */
  readonly closed: boolean;
  /**
   * Aborts when the client is closed for any reason (created on first use, so idle clients cost no controller). Pass it
   * to work done on the client's behalf.
   */
  readonly signal: AbortSignal;
  /** Events not yet handed to the socket: waiting for this tick's flush or for `'drain'` (at most `bufferSize`). */
  readonly queued: number;
  /** Events dropped under `slowClient: 'drop'`. */
  readonly dropped: number;
  /**
   * Sends `event` to this client alone (no history, no id assigned). Throws a TypeError for a malformed event.
   * @returns true when written or queued; false when the client is closed or was disconnected for being too slow.
   */
  send(event: SseEvent): boolean;
  /**
   * Ends the stream, after `final` when given, and removes the client from its broker at once. A client that is
   * behind (backpressured) is cut off instead, since it could not take the final event in time. A no-op once closed.
   */
  close(final?: SseEvent): void;
}

/** What a connection needs from its broker. */
export interface ClientConfig {
  readonly bufferSize: number;
  readonly dropOldest: boolean;
  /** Called when the queue of a client that is not backpressured gets its first event: schedule a {@link flush}. */
  readonly onDirty: (client: ClientConnection) => void;
  /** Called once, synchronously, when the client closes for any reason. */
  readonly onGone: (client: ClientConnection) => void;
}

/**
 * The broker's side of an {@link SseClient}: owns the bounded queue of chunks and the response's listeners.
 *
 * Events queue until the broker's flush (once per tick) hands them all to `res.write()` as one buffer: a burst of
 * publishes costs each client one write, not one per event, and adds no latency, since Node itself holds writes made
 * in a tick until the next one (it corks the socket). While `res.write()` reports backpressure the queue waits for
 * `'drain'`, and its bound applies.
 * @internal
 */
export class ClientConnection implements SseClient {
  readonly id: number;
  readonly topics: readonly string[] | undefined;
  readonly #res: ServerResponse;
  readonly #config: ClientConfig;
  // Emptied whole by every flush, so it stays short and a plain array beats a preallocated ring of bufferSize slots.
  #queue: Buffer[] = [];
  #waiting = false;
  #closed = false;
  #dropped = 0;
  #controller: AbortController | undefined;
  #reason: unknown;

  constructor(id: number, topics: readonly string[] | undefined, res: ServerResponse, config: ClientConfig) {
    this.id = id;
    this.topics = topics;
    this.#res = res;
    this.#config = config;
    res.on('close', this.#onClose);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#closed) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get queued(): number {
    return this.#queue.length;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** True while the response is backpressured and events wait for `'drain'`. */
  get waiting(): boolean {
    return this.#waiting;
  }

  /**
   * Queues `chunk` behind earlier ones for the next flush. Never waits. A full queue of a client that is not
   * backpressured is flushed at once (a synchronous burst, not a slow client); a full queue of a backpressured one
   * disconnects the client or drops its oldest chunk.
   * @returns false when the client is closed or this chunk overflowed a `'disconnect'` client (now closed).
   */
  enqueue(chunk: Buffer): boolean {
    if (this.#closed) return false;
    if (this.#queue.length === this.#config.bufferSize) {
      if (!this.#waiting) this.flush();
      else if (!this.#config.dropOldest) {
        this.#res.destroy();
        this.#finish(new DOMException('sse: client too slow, its queue was full', 'AbortError'));
        return false;
      } else {
        this.#queue.shift();
        this.#dropped++;
      }
    }
    // Read after the flush above, which replaces the array.
    const queue = this.#queue;
    queue.push(chunk);
    if (queue.length === 1 && !this.#waiting) this.#config.onDirty(this);
    return true;
  }

  /** Hands every queued chunk to `res.write()` as one buffer, unless backpressured (then `'drain'` will). */
  flush(): void {
    const queue = this.#queue;
    if (this.#closed || this.#waiting || queue.length === 0) return;
    const data = queue.length === 1 ? queue[0]! : Buffer.concat(queue);
    this.#queue = [];
    if (!this.#res.write(data)) this.#startWaiting();
  }

  /**
   * Writes `chunk` now, past the queue bound (a replay, bounded by the history size instead), then notes backpressure
   * so later events wait behind it. Only for use before the client is registered, when its queue is empty.
   */
  writeUnbounded(chunk: Buffer | string): void {
    if (this.#closed) return;
    if (!this.#res.write(chunk) && !this.#waiting) this.#startWaiting();
  }

  /** Writes a heartbeat unless data is queued or pending anyway (then the ping would add nothing). */
  heartbeat(chunk: Buffer): void {
    if (this.#closed || this.#waiting || this.#queue.length > 0) return;
    if (!this.#res.write(chunk)) this.#startWaiting();
  }

  send(event: SseEvent): boolean {
    return this.enqueue(Buffer.from(encodeEvent(event, 'SseClient.send')));
  }

  close(final?: SseEvent): void {
    this.closeEncoded(final === undefined ? undefined : Buffer.from(encodeEvent(final, 'SseClient.close')));
  }

  /** {@link close} with the final event already encoded (the broker encodes it once for all clients). */
  closeEncoded(final: Buffer | undefined): void {
    if (this.#closed) return;
    if (this.#waiting) {
      // Ending would wait behind data the client is not reading, and keep server.close() waiting with it.
      this.#res.destroy();
    } else {
      // What is queued goes first, then the final event, in the response's last write.
      const rest = final === undefined ? this.#queue : [...this.#queue, final];
      if (rest.length === 0) this.#res.end();
      else this.#res.end(rest.length === 1 ? rest[0] : Buffer.concat(rest));
    }
    this.#finish(new DOMException('sse: client closed by the server', 'AbortError'));
  }

  #startWaiting(): void {
    this.#waiting = true;
    this.#res.once('drain', this.#onDrain);
  }

  readonly #onDrain = (): void => {
    this.#waiting = false;
    this.flush();
  };

  readonly #onClose = (): void => {
    this.#finish(new DOMException('sse: client disconnected', 'AbortError'));
  };

  /** Leaves nothing behind: no listener, no queued chunk, no broker entry; then aborts `signal`. */
  #finish(reason: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#reason = reason;
    this.#res.removeListener('close', this.#onClose);
    this.#res.removeListener('drain', this.#onDrain);
    this.#waiting = false;
    this.#queue = [];
    this.#config.onGone(this);
    this.#controller?.abort(reason);
  }
}
