/**
 * @module The real `eventsource` package's EventSource, typed with the part the SSE tests use.
 */

/** The part of the `eventsource` package's EventSource used here. */
export interface EventSourceLike extends EventTarget {
  onmessage: ((event: MessageEvent) => void) | null;
  close(): void;
}

// Imported by a non-literal name on purpose: under the repository's `source` condition TypeScript would resolve the
// package to its own .ts sources (and eventsource-parser's), which do not compile under this tsconfig.
const eventsourcePackage = 'eventsource';
export const { EventSource } = (await import(eventsourcePackage)) as {
  EventSource: new (url: string) => EventSourceLike;
};
