/**
 * @module One SSE connection of a {@link Broker}: a bounded event queue in front of `res.write()` backpressure.
 */
import type { ServerResponse } from 'node:http';
import { encodeEvent, type SseEvent } from './sse-format.js';

/**
 * A connected SSE client, as returned by {@link Broker.connect}.
 *
 * Invariants:
 * - Events reach the client in the order they were published or sent; none is written twice.
 * - Writes never wait: while `res.write()` reports backpressure the client queues at most `bufferSize` events, then
 *   is disconnected (`slowClient: 'disconnect'`) or loses its oldest queued events (`'drop'`, counted in `dropped`).
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
  /** Events waiting for the socket to drain (at most `bufferSize`). */
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
  /** Called once, synchronously, when the client closes for any reason. */
  readonly onGone: (client: ClientConnection) => void;
}

/**
 * The broker's side of an {@link SseClient}: owns the bounded ring of queued chunks and the response's listeners.
 * @internal
 */
export class ClientConnection implements SseClient {
  readonly id: number;
  readonly topics: readonly string[] | undefined;
  readonly #res: ServerResponse;
  readonly #config: ClientConfig;
  // A ring of at most bufferSize chunks, allocated at the first backpressure: most clients never need one.
  #ring: (Buffer | undefined)[] | undefined;
  #head = 0;
  #length = 0;
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
    return this.#length;
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** True while the response is backpressured and events go to the queue. */
  get waiting(): boolean {
    return this.#waiting;
  }

  /**
   * Writes `chunk` now, or queues it behind earlier ones while the socket is backpressured. Never waits.
   * @returns false when the client is closed or this chunk overflowed a `'disconnect'` client (now closed).
   */
  enqueue(chunk: Buffer): boolean {
    if (this.#closed) return false;
    if (!this.#waiting) {
      if (!this.#res.write(chunk)) this.#startWaiting();
      return true;
    }
    const size = this.#config.bufferSize;
    if (this.#length === size) {
      if (!this.#config.dropOldest) {
        this.#res.destroy();
        this.#finish(new DOMException('sse: client too slow, its queue was full', 'AbortError'));
        return false;
      }
      this.#ring![this.#head] = undefined;
      this.#head = (this.#head + 1) % size;
      this.#length--;
      this.#dropped++;
    }
    this.#ring ??= new Array<Buffer | undefined>(size).fill(undefined);
    this.#ring[(this.#head + this.#length) % size] = chunk;
    this.#length++;
    return true;
  }

  /**
   * Writes `chunk` past the queue bound (a replay, bounded by the history size instead), then notes backpressure so
   * later events queue behind it.
   */
  writeUnbounded(chunk: Buffer | string): void {
    if (this.#closed) return;
    if (!this.#res.write(chunk) && !this.#waiting) this.#startWaiting();
  }

  /** Writes a heartbeat unless the client is behind anyway (then pending data is on its way and a ping adds none). */
  heartbeat(chunk: Buffer): void {
    if (!this.#closed && !this.#waiting && !this.#res.write(chunk)) this.#startWaiting();
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
    } else if (final === undefined) {
      this.#res.end();
    } else {
      this.#res.end(final);
    }
    this.#finish(new DOMException('sse: client closed by the server', 'AbortError'));
  }

  #startWaiting(): void {
    this.#waiting = true;
    this.#res.once('drain', this.#onDrain);
  }

  readonly #onDrain = (): void => {
    this.#waiting = false;
    const size = this.#config.bufferSize;
    while (this.#length > 0 && !this.#closed) {
      const chunk = this.#ring![this.#head]!;
      this.#ring![this.#head] = undefined;
      this.#head = (this.#head + 1) % size;
      this.#length--;
      if (!this.#res.write(chunk)) {
        this.#startWaiting();
        return;
      }
    }
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
    this.#ring = undefined;
    this.#head = this.#length = 0;
    this.#config.onGone(this);
    this.#controller?.abort(reason);
  }
}
