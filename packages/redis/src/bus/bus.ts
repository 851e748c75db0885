/**
 * @module `redisBus`: goscale's `BrokerBus` on a Redis stream, so that one `Broker` per replica serves one event
 * stream.
 */
import type { BrokerBus, BusEntry, BusMessage, BusSubscription } from 'goscale/http';
import { checkClient, isReplyError, type RedisClient } from '../internal/client.js';
import { checkInteger, checkKey, checkSignal, describe, reasonOf } from '../internal/checks.js';
import { RedisOfflineError } from '../internal/script.js';
import { compareStreamIds, isStreamId } from './internal/ids.js';
import { readAfter } from './internal/lua.js';
import { toEntry } from './internal/reply.js';
import type { RedisBusOptions } from './options.js';
import { StreamReader, type Listener } from './reader.js';

export type { RedisBusOptions } from './options.js';
export { RedisBusGapError } from './reader.js';

const OWNER = 'redisBus';
/** Most entries one XREAD returns. At most maxLen, which is what lets the reader see when it fell behind a trim. */
const BATCH = 500;

/** A {@link BrokerBus} on a Redis stream, with the connection it owns. */
export interface RedisBus extends BrokerBus {
  /** The stream's Redis key, `goscale:bus:{<stream>}`. */
  readonly key: string;
  /** Stops delivery to every subscription and closes the reader's connection (never the client passed in). */
  close(): Promise<void>;
}

/**
 * A {@link BrokerBus} over one Redis stream: `new Broker({ bus: redisBus(client, { stream: 'events' }) })` on every
 * replica, and a `publish` on any of them reaches every client of the topic on all of them, with the same id.
 *
 * Invariants:
 * - Order: `append` is one `XADD … MAXLEN ~ maxLen *`; Redis orders the appends of every replica into one sequence
 *   and the SSE id is the entry id (`<ms>-<seq>`, the Redis clock). {@link RedisBus.compareIds} orders ids as numbers.
 * - Delivery: one `XREAD BLOCK` loop per bus on a connection of its own (`client.duplicate()`) hands every entry,
 *   in stream order and each once, to every subscription; it resumes after the last id it delivered after any
 *   failure, never from "now", and each failure goes to the subscriptions' `onError` (the Broker's `onBusError`).
 * - Replay: `readAfter(id)` is one script (checked and read in one atomic step): the entries after `id` when `id`
 *   is an entry the stream still holds (or the start `0-0` of a stream nothing was trimmed from), else `undefined`,
 *   so the Broker sends `goscale-reset`.
 * - `append` rejects at once with {@link RedisOfflineError} while the client is reconnecting (nothing appended);
 *   an abort after the XADD was sent cannot take it back.
 *
 * Failures (what a client of a Broker on this bus sees):
 * - A replica crashes (kill -9): its clients reconnect to another replica with `Last-Event-ID` and get exactly what
 *   they missed of their topics, none twice (the Broker registers them live first, then reads the range, de-duplicates).
 * - A replica pauses (SIGSTOP, a long GC) or loses Redis: its clients stay connected; on waking, or once Redis
 *   answers again, its loop reads on from its last id, so what was appended meanwhile reaches them in order. Past
 *   `maxLen` entries the oldest are trimmed before it reads them: a {@link RedisBusGapError} reports that gap, and
 *   the Broker sends each of its clients `goscale-reset` before the entries after it.
 * - Redis restarts without persistence: the stream is gone. Connected clients lose nothing that was appended to
 *   the new stream (its ids, the Redis clock, are later than the old ones); entries appended just before the crash
 *   and not yet read are lost with it; a client reconnecting with an id from the old stream gets `goscale-reset`.
 *   Appends while Redis is down reject (the Broker reports them to `onBusError`).
 * - Trimming: Redis keeps at least `maxLen` entries; a `Last-Event-ID` older than those gets `goscale-reset`.
 *
 * Cost: `append` one round trip; `readAfter` one (two right after a restart: the script is loaded again); delivery
 * one XREAD per batch of up to 500 entries per replica, and one connection per bus.
 * @param client - a connected node-redis client; duplicated once for the reader, never closed by the bus.
 * @example
 * ```ts
 * const bus = redisBus(client, { stream: 'events', maxLen: 10_000 });
 * const broker = new Broker({ bus });
 * await broker.ready;
 * broker.publish('news', { data: 'hello' }); // reaches the clients of 'news' on every replica
 * ```
 */
export function redisBus(client: RedisClient, options: RedisBusOptions): RedisBus {
  return new StreamBus(client, options);
}

class StreamBus implements RedisBus {
  readonly key: string;
  readonly #client: RedisClient;
  readonly #maxLen: string;
  readonly #batch: number;
  #reader: StreamReader | undefined;
  #closed = false;

  constructor(client: RedisClient, options: RedisBusOptions) {
    checkClient(OWNER, client);
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`${OWNER}: expected options { stream, maxLen }, got ${describe(options)}`);
    }
    const { stream, maxLen = 10_000 } = options;
    checkKey(OWNER, stream);
    checkInteger(OWNER, 'maxLen', maxLen, 1);
    this.#client = client;
    this.key = `goscale:bus:{${stream}}`;
    this.#maxLen = String(maxLen);
    this.#batch = Math.min(BATCH, maxLen);
  }

  async append(message: BusMessage, options: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    checkSignal(OWNER, options.signal);
    if (options.signal?.aborted === true) throw reasonOf(options.signal);
    this.#checkOpen();
    const fields = ['topic', message.topic, 'data', message.data];
    if (message.event !== undefined) fields.push('event', message.event);
    const command = ['XADD', this.key, 'MAXLEN', '~', this.#maxLen, '*', ...fields];
    return String(await this.#send(command));
  }

  async subscribe(
    onEntry: (entry: BusEntry) => void,
    onError: (error: unknown) => void = warn,
  ): Promise<BusSubscription> {
    this.#checkOpen();
    // The newest entry is where this subscription starts; the loop (started here, or running behind it) delivers
    // only what follows, so nothing before `after` arrives and nothing after it is missed.
    const newest = (await this.#send(['XREVRANGE', this.key, '+', '-', 'COUNT', '1'])) as unknown[];
    const after = newest.length > 0 ? toEntry(newest[0]).id : '0-0';
    this.#checkOpen();
    this.#reader ??= new StreamReader(this.#client, this.key, this.#batch, after);
    const reader = this.#reader;
    const listener: Listener = { after, onEntry, onError };
    reader.add(listener);
    return { after, unsubscribe: () => reader.delete(listener) };
  }

  async readAfter(
    id: string,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<readonly BusEntry[] | undefined> {
    checkSignal(OWNER, options.signal);
    const { signal } = options;
    if (signal?.aborted === true) throw reasonOf(signal);
    this.#checkOpen();
    if (typeof id !== 'string' || !isStreamId(id)) return undefined;
    const reading = readAfter.run(this.#client, [this.key], [id]);
    const reply = (await (signal === undefined ? reading : abortable(reading, signal))) as [
      number,
      unknown[]?,
    ];
    return reply[0] === 1 ? (reply[1] ?? []).map(toEntry) : undefined;
  }

  compareIds(a: string, b: string): number {
    return compareStreamIds(a, b);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#reader?.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw new Error(`${OWNER}: closed`);
  }

  async #send(command: string[]): Promise<unknown> {
    // node-redis would queue the command until it reconnects; the Broker wants the failure now.
    if (!this.#client.isReady) throw new RedisOfflineError(OWNER);
    try {
      return await this.#client.sendCommand(command);
    } catch (error) {
      if (isReplyError(error) && /WRONGTYPE/.test(error.message)) {
        throw new TypeError(
          `${OWNER}: ${this.key} holds a value that is not a stream (someone else's data?)`,
          {
            cause: error,
          },
        );
      }
      throw error;
    }
  }
}

/** Rejects with the signal's reason when it aborts first; the command itself still runs to its end. */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(reasonOf(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function warn(error: unknown): void {
  process.emitWarning(
    `redisBus: ${error instanceof Error ? error.message : String(error)}`,
    'RedisBusWarning',
  );
}
