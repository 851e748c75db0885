/**
 * @module Test helpers for the bus: a Broker behind a loopback HTTP server, and SSE clients made with the real
 * `eventsource` package, whose requests a test can route to any replica (as a load balancer would).
 * @internal
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Broker } from 'goscale/http';

interface EventSourceLike extends EventTarget {
  close(): void;
}
type FetchLike = (url: string | URL, init: { headers?: Record<string, string> }) => Promise<Response>;

// By a non-literal name: under the `source` condition TypeScript would type-check the package's own .ts sources.
const eventsourcePackage = 'eventsource';
const { EventSource } = (await import(eventsourcePackage)) as {
  EventSource: new (url: string, init?: { fetch?: FetchLike }) => EventSourceLike;
};

/** Serves `broker` on a free loopback port; `?topics=a,b` picks topics. */
export async function serve(broker: Broker): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const topics = new URL(req.url ?? '/', 'http://x').searchParams.get('topics');
    broker.connect(req, res, topics === null ? {} : { topics: topics.split(',') });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export interface Seen {
  type: string;
  id: string;
  data: string;
}

/**
 * An EventSource on `/?topics=…` of the replica `route()` names for each (re)connection; it may wait (a gate), and
 * may add a first `Last-Event-ID`. Counts its connections ('open') and drops ('error').
 */
export class Watcher {
  readonly events: Seen[] = [];
  opens = 0;
  errors = 0;
  /** The `Last-Event-ID` each connection was made with ('' for none). */
  readonly sentIds: string[] = [];
  readonly #source: EventSourceLike;
  #wake: (() => void) | undefined;

  constructor(route: () => Promise<number> | number, topics: string, lastEventId?: string) {
    const fetch: FetchLike = async (url, init) => {
      const port = await route();
      const headers = { ...init.headers };
      if (lastEventId !== undefined && this.opens === 0) headers['Last-Event-ID'] ??= lastEventId;
      this.sentIds.push(headers['Last-Event-ID'] ?? '');
      const target = new URL(String(url));
      target.port = String(port);
      return globalThis.fetch(target, { ...init, headers });
    };
    this.#source = new EventSource(`http://127.0.0.1:1/?topics=${topics}`, { fetch });
    const record = (type: string) => (e: Event) => {
      const m = e as Event & { lastEventId: string; data: string };
      this.events.push({ type, id: m.lastEventId, data: m.data });
      this.#wake?.();
    };
    this.#source.addEventListener('message', record('message'));
    this.#source.addEventListener('goscale-reset', record('goscale-reset'));
    this.#source.addEventListener('open', () => {
      this.opens++;
      this.#wake?.();
    });
    this.#source.addEventListener('error', () => this.errors++);
  }

  /** Resolves when `cond` holds; progress is the client's own events, the bound only turns a hang into a failure. */
  async until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        setTimeout(resolve, 50).unref();
      });
    }
  }

  /** `id data` of each message, for comparing what clients saw. */
  get seen(): string[] {
    return this.events.filter((e) => e.type === 'message').map((e) => `${e.id} ${e.data}`);
  }

  close(): void {
    this.#source.close();
  }
}
