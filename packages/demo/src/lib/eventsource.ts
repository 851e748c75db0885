/**
 * @module The `eventsource` package's EventSource (the WHATWG one, for Node), typed with the part the demo uses:
 * it reconnects by itself after `retry` ms and sends `Last-Event-ID`, as a browser does.
 */

/** What the EventSource hands its `fetch`: the headers carry `Last-Event-ID` on a reconnect. */
export interface EventSourceFetchInit {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  [option: string]: unknown;
}

/** A `fetch` for the EventSource to use instead of the global one (a load balancer, say). */
export type FetchLike = (url: string | URL, init: EventSourceFetchInit) => Promise<Response>;

/** An event as the listeners get it (a `MessageEvent` for `message` and named events). */
export interface SourceEvent {
  readonly lastEventId?: string;
  readonly data?: string;
}

/** The part of the package's EventSource used here. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: SourceEvent) => void): void;
  removeEventListener(type: string, listener: (event: SourceEvent) => void): void;
  close(): void;
}

// Imported by a non-literal name on purpose (as goscale's SSE tests do): under the repository's `source` condition
// TypeScript would resolve the package to its own .ts sources (and eventsource-parser's), which do not compile under
// this tsconfig.
const eventsourcePackage = 'eventsource';
export const { EventSource } = (await import(eventsourcePackage)) as {
  EventSource: new (url: string, init?: { fetch?: FetchLike }) => EventSourceLike;
};
