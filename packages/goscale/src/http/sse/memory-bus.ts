/**
 * @module `MemoryBus`: the reference {@link BrokerBus}, in memory, for several Brokers in one process and for tests.
 */
import { checkInteger } from '../../internal/args.js';
import type { BrokerBus, BusEntry, BusMessage, BusSubscription } from './bus.js';

/** Options of {@link MemoryBus}. */
export interface MemoryBusOptions {
  /** Entries kept for `readAfter`, from 1 up; the oldest is trimmed past it. Default 10,000. */
  maxLen?: number;
}

const CANONICAL = /^(?:0|[1-9]\d{0,15})$/;

/**
 * A {@link BrokerBus} in one process: an array of entries with ids `'1'`, `'2'`, … (start position `'0'`), the
 * newest `maxLen` kept. Every Broker given the same `MemoryBus` serves the same stream, as replicas on a Redis bus do.
 *
 * Invariants: appends are ordered by call; each subscription gets each later entry once, in a microtask after the
 * `append` (never synchronously), in that order; `readAfter` is exact over what is kept and `undefined` for a
 * trimmed, future or non-canonical id. It never fails, so it cannot show a transport outage; it is also the model
 * the conformance suite (`goscale/http/testing`) is checked against.
 *
 * Cost: `append` O(subscriptions); memory `maxLen` entries.
 * @example
 * ```ts
 * const bus = new MemoryBus({ maxLen: 1000 });
 * const a = new Broker({ bus });
 * const b = new Broker({ bus });
 * a.publish('news', { data: 'hello' }); // reaches the clients of both, with id '1'
 * ```
 */
export class MemoryBus implements BrokerBus {
  readonly #maxLen: number;
  #entries: BusEntry[] = [];
  /** Id number of `#entries[0]`. */
  #first = 1;
  #last = 0;
  readonly #subscribers = new Set<(entry: BusEntry) => void>();

  constructor(options: MemoryBusOptions = {}) {
    const { maxLen = 10_000 } = options;
    checkInteger('MemoryBus', 'maxLen', maxLen, 1);
    this.#maxLen = maxLen;
  }

  append(message: BusMessage, options: { signal?: AbortSignal | undefined } = {}): Promise<string> {
    if (options.signal?.aborted === true) return Promise.reject(options.signal.reason);
    const entry: BusEntry = {
      id: String(++this.#last),
      topic: message.topic,
      event: message.event,
      data: message.data,
    };
    this.#entries.push(entry);
    // Trimmed in chunks so that appends stay O(1) amortised; readAfter sees exactly the newest maxLen.
    if (this.#entries.length >= 2 * this.#maxLen) {
      const drop = this.#entries.length - this.#maxLen;
      this.#entries = this.#entries.slice(drop);
      this.#first += drop;
    }
    const subscribers = [...this.#subscribers];
    queueMicrotask(() => {
      for (const deliver of subscribers) deliver(entry);
    });
    return Promise.resolve(entry.id);
  }

  subscribe(onEntry: (entry: BusEntry) => void): Promise<BusSubscription> {
    let active = true;
    const deliver = (entry: BusEntry): void => {
      if (active) onEntry(entry);
    };
    this.#subscribers.add(deliver);
    return Promise.resolve({
      after: String(this.#last),
      unsubscribe: () => {
        active = false;
        this.#subscribers.delete(deliver);
      },
    });
  }

  readAfter(
    id: string,
    options: { signal?: AbortSignal | undefined } = {},
  ): Promise<readonly BusEntry[] | undefined> {
    if (options.signal?.aborted === true) return Promise.reject(options.signal.reason);
    if (!CANONICAL.test(id)) return Promise.resolve(undefined);
    const n = Number(id);
    const first =
      this.#entries.length - this.#maxLen > 0
        ? this.#first + this.#entries.length - this.#maxLen
        : this.#first;
    if (n > this.#last || n < first - 1) return Promise.resolve(undefined);
    return Promise.resolve(this.#entries.slice(n + 1 - this.#first));
  }

  compareIds(a: string, b: string): number {
    return Number(a) - Number(b);
  }
}
