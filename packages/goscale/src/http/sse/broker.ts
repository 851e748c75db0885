/**
 * @module `Broker`: a Server-Sent Events hub for `node:http` whose `publish` never waits for a client.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe } from '../../internal/args.js';
import { type LongTimer, setLongInterval } from '../../internal/timer.js';
import { BusLink } from './bus-link.js';
import { ClientConnection, type SseClient } from './client.js';
import {
  checkField,
  encodeComment,
  encodeEvent,
  HTTP1_STREAM_HEADERS,
  STREAM_HEADERS,
  type SseEvent,
} from './format.js';
import { History } from './history.js';
import { readLastEventId, replay } from './replay.js';
import { readTopics, TopicIndex } from './topics.js';
import {
  readBrokerOptions,
  type BrokerCloseOptions,
  type BrokerConnectOptions,
  type BrokerOptions,
} from './options.js';

export type { SseClient } from './client.js';
export type { SseEvent } from './format.js';
export { SSE_RESET_EVENT } from './replay.js';
export type { BrokerCloseOptions, BrokerConnectOptions, BrokerOptions } from './options.js';

/**
 * A Server-Sent Events broker (Go: a fan-out loop over per-client channels sending with `select { case ch <- ev:
 * default: }`). Works on any `node:http` response, and so under Express, Fastify and friends.
 *
 * Invariants:
 * - `publish` never waits and no client delays another: while a client's `res.write()` reports backpressure it queues
 *   at most `bufferSize` events; one more and it is disconnected (or, with `slowClient: 'drop'`, loses its oldest
 *   queued event). Server memory is bounded by `bufferSize` references per client (plus what Node holds for one write
 *   past its high-water mark) and `historySize` events.
 * - Each event is encoded once per publish and the same bytes go to every client. Events published in one tick reach
 *   each client as one write at the end of the tick (when Node would send them anyway, as it corks the socket until
 *   then), so a burst costs a client one write, not one per event.
 * - Ids: an event without `id` gets the next number of one sequence shared by all topics (`'1'`, `'2'`, …). A
 *   custom id must be unique across topics for replay to be exact (a counter per topic is not: use `${topic}:${n}`):
 *   a reconnect with an id that two events the broker still knows share gets a reset, never a guess; an id reused
 *   after its first use left the history cannot be told apart from it, which is why uniqueness is the contract.
 * - Position: every client is sent its position at connect (an `id:` line without data, which sets the browser's
 *   last event id without dispatching anything; `'0'` before the first publish), so a client whose topics stay
 *   quiet still reconnects with an id and gets what it missed, or a reset.
 * - Replay: a client connecting with `Last-Event-ID` (header, or `lastEventId` query parameter for clients that cannot
 *   set headers) receives, before anything live, exactly the events of its topics published after that id, in order,
 *   none twice. When the broker cannot tell what it missed (the id is older than the history, unknown, or the broker
 *   restarted), the client gets one `event: goscale-reset` ({@link SSE_RESET_EVENT}) whose data is JSON
 *   `{"lastEventId": <the id it sent>}` and whose `id` is the newest id, so it knows to reload its state and resumes
 *   from now. A client whose topics stayed quiet while more than `historySize` other events passed is told too.
 * - With a `bus` ({@link BrokerBus}), `publish` appends to the bus and every Broker on it (one per replica) writes each
 *   entry to its own clients of the topic, in the bus's one order, under the id the bus gave it; replay reads the bus,
 *   so a client can reconnect to any replica. Clients stay connected while the bus is down; the bus resumes where it
 *   stopped (see {@link BrokerBus}). Entries the bus lost before this replica read them (a `BusGapError`: it was
 *   paused or cut off for longer than the bus keeps entries) are announced to every client of this replica with the
 *   same `goscale-reset` event, in order before the entries after the gap, its data the id the client saw last.
 * - One heartbeat timer for the whole broker, running only while clients are connected.
 * - A client that hangs up is removed at once. After `close()`, `publish` returns 0 and `connect` answers
 *   `503 Service Unavailable` with `Connection: close` (EventSource treats it as final and stops reconnecting).
 *
 * Cost: publish is O(clients of the topic) queue appends; each client with news is written once per tick; an idle
 * client holds a few small objects (under 1 KiB over node:http's own, see BENCHMARKS.md).
 * @example
 * ```ts
 * const broker = new Broker({ historySize: 1000, retryMs: 2000 });
 * http.createServer((req, res) => {
 *   if (req.url?.startsWith('/events')) broker.connect(req, res, { topics: ['news'] });
 * }).listen(8080);
 * broker.publish('news', { event: 'headline', data: { title: 'Hello' } });
 * ```
 */
export class Broker {
  readonly #bufferSize: number;
  readonly #heartbeatMs: number;
  readonly #retry: Buffer | undefined;
  readonly #dropOldest: boolean;
  readonly #history: History;
  readonly #link: BusLink | undefined;
  readonly #index = new TopicIndex<ClientConnection>();
  readonly #heartbeat = Buffer.from(encodeComment('ping'));
  #nextClientId = 1;
  #seq = 0;
  #timer: LongTimer | undefined;
  #dirty: ClientConnection[] = [];
  #flushScheduled = false;
  #closed = false;

  /**
   * @param options - see {@link BrokerOptions}; a bad value throws a TypeError or RangeError quoting it.
   */
  constructor(options: BrokerOptions = {}) {
    const settings = readBrokerOptions(options);
    this.#bufferSize = settings.bufferSize;
    this.#heartbeatMs = settings.heartbeatMs;
    this.#retry = settings.retry;
    this.#dropOldest = settings.dropOldest;
    this.#history = new History(settings.historySize);
    if (settings.bus !== undefined) {
      this.#link = new BusLink(settings.bus, { clients: this.#index, onError: settings.onBusError });
    }
  }

  /**
   * Resolves once the broker receives what is published: at once without a bus; with one, when its subscription
   * is established. Start serving after it: a client that connects earlier is placed where the subscription starts
   * and would not get an event published in between. Never rejects (a failed subscription goes to `onBusError`).
   */
  get ready(): Promise<void> {
    return this.#link?.ready ?? Promise.resolve();
  }

  /** How many clients are connected now. */
  get clients(): number {
    return this.#index.all.size;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Turns `res` into an event stream: sends the headers at once (so EventSource fires `open`), then the `retry:`
   * field, then the replay or reset owed to a reconnecting client, then live events. Once the broker is closed it
   * answers 503 instead and returns a client that is already closed; so it does for a client that hung up before
   * `connect` was called. Headers set earlier with `res.setHeader` (CORS, say) are kept. Throws a TypeError when `res`
   * has already sent its headers or `topics` is not an iterable of strings.
   *
   * The headers (`Content-Type: text/event-stream`, `Cache-Control: no-cache, no-transform` — which keeps
   * compression middleware from buffering the stream —, `X-Accel-Buffering: no`, `Connection: keep-alive`) are set
   * only where `res` has none of that name yet.
   * @param req - the request (its `Last-Event-ID` header or `lastEventId` query parameter drives replay).
   * @param res - its response, headers not yet sent.
   * @param options - `topics`: what the client receives (every topic when omitted).
   * @returns the client; it leaves the broker by itself when the connection closes.
   * @example
   * ```ts
   * const client = broker.connect(req, res, { topics: [`user:${userId}`] });
   * client.signal.addEventListener('abort', () => console.log('gone'));
   * ```
   */
  connect(req: IncomingMessage, res: ServerResponse, options: BrokerConnectOptions = {}): SseClient {
    if (res.headersSent) {
      throw new TypeError('Broker.connect: the response has already sent its headers');
    }
    const topics = readTopics(options.topics);
    const client = new ClientConnection(this.#nextClientId++, topics, res, {
      bufferSize: this.#bufferSize,
      dropOldest: this.#dropOldest,
      onDirty: this.#onDirty,
      onGone: this.#remove,
    });
    if (this.#closed) {
      res.writeHead(503, { 'Content-Type': 'text/plain', Connection: 'close', 'Retry-After': '1' });
      client.close();
      return client;
    }
    if (res.destroyed || req.socket.destroyed) {
      // The client hung up before we got to it: 'close' may have fired already and would never reach the client.
      client.close();
      return client;
    }
    const headers = req.httpVersionMajor === 1 ? HTTP1_STREAM_HEADERS : STREAM_HEADERS;
    for (const name in headers) if (!res.hasHeader(name)) res.setHeader(name, headers[name]!);
    res.writeHead(200);
    res.flushHeaders();
    if (this.#retry !== undefined) client.writeUnbounded(this.#retry);
    if (this.#link !== undefined) this.#link.connect(client, readLastEventId(req));
    else replay(client, this.#history, readLastEventId(req));
    this.#add(client);
    return client;
  }

  /**
   * Queues `event` for every client of `topic` and records it for replay. Never waits; a slow client is disconnected
   * or drops its oldest event (see `slowClient`) rather than delay anyone. Throws a TypeError (quoting the value) for a
   * non-string topic, an `event`/`id` with CR, LF or NUL, an empty `id`, or data with no JSON text.
   * @param topic - the topic.
   * @param event - `data` (string as is, anything else JSON), optional `event` type and `id` (default: the next number).
   * With a `bus` the event is appended to the bus (failures go to `onBusError`) and reaches clients, this replica's
   * included, when the bus delivers it back.
   * @returns how many clients it was written or queued for (with a bus: how many of this replica's clients the topic
   *   has now); 0 once the broker is closed.
   * @example
   * ```ts
   * broker.publish('prices', { event: 'tick', data: { symbol: 'ACME', price: 42 } });
   * ```
   */
  publish(topic: string, event: SseEvent): number {
    checkField('Broker.publish', 'topic', topic);
    if (typeof event !== 'object' || event === null) {
      throw new TypeError(`Broker.publish: expected an event object like { data }, got ${describe(event)}`);
    }
    // An empty id would reset the client's Last-Event-ID, and a replay could not find its place any more.
    if (event.id === '') throw new TypeError('Broker.publish: `id` must not be empty, got `""` (string)');
    if (this.#link !== undefined) return this.#publishToBus(topic, event);
    const seq = this.#seq + 1;
    const id = event.id ?? String(seq);
    const chunk = Buffer.from(encodeEvent({ data: event.data, event: event.event, id }, 'Broker.publish'));
    if (this.#closed) return 0;
    this.#seq = seq;
    this.#history.add({ seq, id, topic, chunk });
    let queued = 0;
    this.#index.forEachOf(topic, (c) => {
      if (c.enqueue(chunk)) queued++;
    });
    return queued;
  }

  #publishToBus(topic: string, event: SseEvent): number {
    if (!this.#link!.publish(topic, event, this.#closed)) return 0;
    let clients = 0;
    this.#index.forEachOf(topic, () => clients++);
    return clients;
  }

  /**
   * Closes the broker: sends `options.event` (encoded once) to every client and ends every stream, so that
   * `server.close()` can finish; clients that are behind are cut off. Then `publish` returns 0, `connect` answers 503,
   * the heartbeat timer is gone and the history is dropped. Throws a TypeError for a malformed final event (and then
   * closes nothing). A no-op once closed.
   * @param options - `event`: the final event.
   * @example
   * ```ts
   * // gracefulShutdown's signal aborts as the drain starts; onShutdown hooks run only after every connection has
   * // closed, which open streams would never do, so close the broker on the signal.
   * const shutdown = gracefulShutdown(server);
   * shutdown.signal.addEventListener('abort', () => broker.close({ event: { event: 'bye', data: 'restarting' } }));
   * ```
   */
  close(options: BrokerCloseOptions = {}): void {
    if (this.#closed) return;
    const final =
      options.event === undefined ? undefined : Buffer.from(encodeEvent(options.event, 'Broker.close'));
    this.#closed = true;
    this.#link?.close();
    for (const c of this.#index.all) c.closeEncoded(final);
    this.#history.clear();
  }

  #add(client: ClientConnection): void {
    this.#index.add(client);
    if (this.#index.all.size === 1 && this.#heartbeatMs !== Infinity) {
      // Not unref'd: it runs only while connections (which keep the process alive anyway) exist, and a referenced
      // timer shows up in process.getActiveResourcesInfo(), so a leak of it would be visible.
      this.#timer = setLongInterval(this.#beat, this.#heartbeatMs);
    }
  }

  readonly #remove = (client: ClientConnection): void => {
    if (!this.#index.remove(client)) return;
    this.#link?.remove(client);
    if (this.#index.all.size === 0 && this.#timer !== undefined) {
      this.#timer.clear();
      this.#timer = undefined;
    }
  };

  readonly #onDirty = (client: ClientConnection): void => {
    this.#dirty.push(client);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    // The tick Node's own write path waits for too (it corks the socket until then), so batching adds no latency.
    process.nextTick(this.#flush);
  };

  readonly #flush = (): void => {
    this.#flushScheduled = false;
    const dirty = this.#dirty;
    this.#dirty = [];
    for (const c of dirty) c.flush();
  };

  readonly #beat = (): void => {
    for (const c of this.#index.all) c.heartbeat(this.#heartbeat);
  };
}
