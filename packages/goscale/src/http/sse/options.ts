/**
 * @module The option types of `Broker`, and the check that turns `BrokerOptions` into the settings it runs with.
 */
import { checkInteger, describe } from '../../internal/args.js';
import type { BrokerBus } from './bus.js';
import { checkRetry, encodeRetry, type SseEvent } from './format.js';

/** Options of `Broker`. Every one is optional. */
export interface BrokerOptions {
  /**
   * Events a client may have waiting while `res.write()` reports backpressure, a safe integer from 1 up. Default 256.
   *
   * Events published in one tick are queued too, until the end of the tick, but a client that is keeping up flushes
   * a full queue at once instead of overflowing, so it always takes a synchronous burst of `2 × bufferSize` events.
   * Gotcha: Node reports backpressure once a socket holds 16 KiB (Node 20) unsent, even for a fast client, so a larger
   * burst of large events can take a fast client for a slow one; `await` a turn between large batches.
   */
  bufferSize?: number;
  /**
   * Milliseconds between heartbeat comments (`: ping`), from 1 up; `Infinity` sends none. Default 15,000. They keep
   * proxies and load balancers from closing idle streams, and reveal dead connections (a write to them fails).
   */
  heartbeatMs?: number;
  /**
   * Events kept for replay to reconnecting clients, from 0 to 1,000,000 (each retained event keeps its encoded bytes,
   * so the bound keeps a typo from reserving gigabytes; anything past it throws a RangeError). Default 0: nothing is replayed, but a client that
   * missed events is still sent a {@link SSE_RESET_EVENT} rather than left with a silent gap.
   */
  historySize?: number;
  /** Sent as the `retry:` field at connect: the client's reconnection delay in ms, digits only. Default: not sent. */
  retryMs?: number;
  /**
   * What a client's full queue does to it. `'disconnect'` (default): the client is cut off; EventSource reconnects
   * with `Last-Event-ID` and gets a replay (or a reset), so nothing is lost silently. `'drop'`: its oldest queued
   * event is dropped and the client stays connected, silently missing it (counted in {@link SseClient.dropped}); use
   * it for streams where only the latest value matters (prices, progress).
   */
  slowClient?: 'disconnect' | 'drop';
  /**
   * A shared log that makes several Brokers (one per replica) serve one stream: `publish` on any of them reaches every
   * client of the topic on all of them, in one order, with the same ids, and replay works on any replica. See
   * {@link BrokerBus}; `MemoryBus` for one process, `@goscale/redis` for Redis Streams. With a bus, ids are the bus's
   * (`publish` rejects a custom `id`) and `historySize` must stay 0 (the bus keeps the history). Default: none.
   */
  bus?: BrokerBus | undefined;
  /** Hears each bus failure: a lost `publish`, a replay that could not be read, a subscription retrying. Default: `process.emitWarning`. */
  onBusError?: ((error: unknown) => void) | undefined;
}

/** Options of {@link Broker.connect}. */
export interface BrokerConnectOptions {
  /** Topics the client receives (strings without CR, LF or NUL); omitted, it receives every topic. */
  topics?: Iterable<string> | undefined;
}

/** Options of `Broker.close`. */
export interface BrokerCloseOptions {
  /** An event sent to every client before its stream ends (e.g. `{ event: 'shutdown', data: '' }`). */
  event?: SseEvent | undefined;
}

/**
 * The largest `historySize`. Each retained event keeps its encoded chunk, an entry and an id-map key (100 bytes and
 * more even for a small event), so a million is already 100 MB and up; and it stays far below V8's limit of 2^24
 * keys in one Map, which the lookup by id uses.
 */
const MAX_HISTORY_SIZE = 1_000_000;

/** What a `Broker` runs with: its options checked, defaulted and encoded once. @internal */
export interface BrokerSettings {
  bufferSize: number;
  heartbeatMs: number;
  /** The encoded `retry:` line sent at connect, if any. */
  retry: Buffer | undefined;
  dropOldest: boolean;
  historySize: number;
  bus: BrokerBus | undefined;
  onBusError: (error: unknown) => void;
}

/**
 * Checks `options` and applies the defaults; a bad value throws a TypeError or RangeError quoting it.
 * @internal
 */
export function readBrokerOptions(options: BrokerOptions): BrokerSettings {
  const {
    bufferSize = 256,
    heartbeatMs = 15_000,
    historySize = 0,
    retryMs,
    slowClient = 'disconnect',
    bus,
    onBusError = warn,
  } = options;
  checkInteger('Broker', 'bufferSize', bufferSize, 1);
  checkInteger('Broker', 'heartbeatMs', heartbeatMs, 1, true);
  checkInteger('Broker', 'historySize', historySize, 0, false, MAX_HISTORY_SIZE);
  if (retryMs !== undefined) checkRetry('Broker', 'retryMs', retryMs);
  if (slowClient !== 'disconnect' && slowClient !== 'drop') {
    throw new TypeError(
      `Broker: expected \`slowClient\` to be 'disconnect' or 'drop', got ${describe(slowClient)}`,
    );
  }
  if (bus !== undefined) {
    checkBus(bus, historySize);
    if (typeof onBusError !== 'function') {
      throw new TypeError(`Broker: expected \`onBusError\` to be a function, got ${describe(onBusError)}`);
    }
  }
  return {
    bufferSize,
    heartbeatMs,
    retry: retryMs === undefined ? undefined : Buffer.from(encodeRetry(retryMs, 'Broker')),
    dropOldest: slowClient === 'drop',
    historySize,
    bus,
    onBusError,
  };
}

function warn(error: unknown): void {
  process.emitWarning(
    `Broker: bus error: ${error instanceof Error ? error.message : String(error)}`,
    'BrokerBusWarning',
  );
}

function checkBus(bus: BrokerBus, historySize: number): void {
  for (const name of ['append', 'subscribe', 'readAfter', 'compareIds'] as const) {
    if (typeof (bus as Partial<BrokerBus> | null)?.[name] !== 'function') {
      throw new TypeError(
        `Broker: expected \`bus\` to be a BrokerBus (with ${name}()), got ${describe(bus)}`,
      );
    }
  }
  if (historySize !== 0) {
    throw new TypeError(
      `Broker: \`historySize\` has no use with a \`bus\` (the bus keeps the history), got ${historySize}`,
    );
  }
}
