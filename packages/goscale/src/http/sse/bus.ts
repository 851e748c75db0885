/**
 * @module `BrokerBus`: what a {@link Broker} needs from a shared, ordered log to serve one event stream from several
 * replicas (Redis Streams in `@goscale/redis`; {@link MemoryBus} in one process).
 */

/** An event as it travels on a bus: what was published, its data already text. */
export interface BusMessage {
  /** The topic it was published to (no CR, LF or NUL). */
  readonly topic: string;
  /** The SSE event type, or undefined for `message` (no CR, LF or NUL). */
  readonly event?: string | undefined;
  /** The data exactly as the client will see it: strings as published, anything else already JSON text. */
  readonly data: string;
}

/** A {@link BusMessage} with the id the bus gave it when it was appended. */
export interface BusEntry extends BusMessage {
  /** Unique in the bus, non-empty, without CR, LF or NUL: the SSE `id` every replica sends for this event. */
  readonly id: string;
}

/**
 * What a {@link BrokerBus} subscription tells `onError` when entries were lost to it anyway: retention dropped them
 * before it read them (a replica paused or cut off for longer than the bus keeps entries). It goes on with the
 * entries after the gap. A {@link Broker} answers it by sending each of its clients the reset notice
 * (`SSE_RESET_EVENT`), as for a `Last-Event-ID` it cannot replay, before the entries after the gap, and reports it to
 * `onBusError`.
 */
export class BusGapError extends Error {
  /** The last id the subscription delivered before the gap. */
  readonly after: string;

  constructor(
    after: string,
    message = `bus: entries after ${after} were lost before this replica read them`,
  ) {
    super(message);
    this.name = 'BusGapError';
    this.after = after;
  }
}

/** What {@link BrokerBus.subscribe} hands back. */
export interface BusSubscription {
  /**
   * The id after which this subscription delivers: every entry with a greater id, and none with a smaller or equal
   * one. The id of the newest entry when the subscription started, or the bus's start position (an id that orders
   * before every entry, e.g. `'0-0'`) when it was empty. A {@link Broker} sends it to quiet clients as their position.
   */
  readonly after: string;
  /** Stops delivery; entries in flight may still arrive before it returns, none after. Idempotent. */
  unsubscribe(): void;
}

/**
 * A totally ordered, shared, append-only log of events: the contract between the {@link Broker} and a transport that
 * reaches its other replicas (Redis Streams: `XADD` with `MAXLEN ~`, one `XREAD BLOCK` loop per replica, `XRANGE` for
 * replay). With `new Broker({ bus })`, `publish` appends to the bus instead of writing to clients, and every Broker
 * subscribed to the bus writes each entry to its own clients of that topic, so every client of every replica sees the
 * same events in the same order under the same ids.
 *
 * What an implementation must guarantee (the suite in `goscale/http/testing` checks each of these):
 * - Order: `append`s are ordered into one sequence; ids increase along it by {@link compareIds}, and every
 *   subscription, on every replica, delivers the entries in that order, each once, with no gap.
 * - Delivery: a subscription delivers every entry appended after {@link BusSubscription.after}. When the transport
 *   fails (Redis restarts, the network drops), the subscription keeps trying and resumes after the last id it
 *   delivered, never from "now", so nothing appended meanwhile is lost or delivered twice; `onError` hears of each
 *   failure. Entries that retention dropped before the subscription read them are the one loss it cannot undo: it
 *   reports it with a {@link BusGapError} before it delivers what followed. Callbacks are never called synchronously
 *   from `subscribe` or `append`.
 * - Replay: `readAfter(id)` returns exactly the entries after `id`, in order, up to at least every entry appended
 *   before the call; `undefined` when it cannot tell what followed `id` (never an id of this bus, malformed, or
 *   trimmed away: older than the oldest entry kept). The start position returned by an empty bus's subscription
 *   stays readable until the first entry it precedes is trimmed.
 * - Retention is the implementation's (Redis `MAXLEN ~`, a count in memory); a Broker with a bus keeps no history of
 *   its own.
 *
 * The Broker de-duplicates by id, so a bus may deliver to a subscription what a concurrent `readAfter` also returned:
 * a reconnecting client is registered for live entries first, then the range is read, and live entries up to the
 * last one replayed are skipped.
 */
export interface BrokerBus {
  /**
   * Appends `message` to the log. Resolves with its id once the bus has ordered it (it may reach subscribers before
   * that); rejects when the transport fails, leaving nothing appended, or with `signal.reason` on abort.
   */
  append(message: BusMessage, options?: { signal?: AbortSignal | undefined }): Promise<string>;
  /**
   * Starts delivering entries appended after the newest one now, to `onEntry`, in log order. Resolves once the
   * position is known. `onError` is told of each transport failure the subscription recovers from.
   */
  subscribe(onEntry: (entry: BusEntry) => void, onError?: (error: unknown) => void): Promise<BusSubscription>;
  /**
   * The entries after `id`, oldest first (see "Replay" above); `undefined` when the bus cannot tell what followed it.
   * Rejects when the transport fails, or with `signal.reason` on abort.
   */
  readAfter(
    id: string,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<readonly BusEntry[] | undefined>;
  /** The log's order of two ids this bus produced: negative when `a` comes first, 0 when equal, else positive. */
  compareIds(a: string, b: string): number;
}
