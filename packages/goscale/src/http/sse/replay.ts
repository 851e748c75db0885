/**
 * @module Reading a reconnecting SSE client's `Last-Event-ID`, and the reset notice sent when it cannot be replayed.
 */
import type { IncomingMessage } from 'node:http';
import type { ClientConnection } from './client.js';
import { encodeEvent } from './format.js';
import type { History } from './history.js';

/**
 * The event type a {@link Broker} sends a reconnecting client when it cannot tell which events that client missed
 * (its `Last-Event-ID` is older than the history, unknown, or from before a restart). Its data is JSON
 * `{"lastEventId": "<the id the client sent>"}` and its `id` is the newest event id (empty before the first
 * publish), so the client resumes from now. Listen for it to reload state instead of living with a silent gap:
 * `source.addEventListener(SSE_RESET_EVENT, reload)`.
 */
export const SSE_RESET_EVENT = 'goscale-reset';

/**
 * The id a reconnecting client last saw: the `Last-Event-ID` header, else the `lastEventId` query parameter (for
 * clients that cannot set headers); undefined when neither is present or it is empty (the spec's "no id yet").
 */
export function readLastEventId(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header === 'string' && header !== '') return fromLatin1(header);
  const url = req.url ?? '';
  const q = url.indexOf('?');
  // Most requests carry no query; skip the parse for them.
  if (q === -1 || !url.includes('lastEventId', q)) return undefined;
  const value = new URLSearchParams(url.slice(q + 1)).get('lastEventId');
  return value === null || value === '' ? undefined : value;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
// Any code unit past 0x7f: only then can the latin1 reading differ from the UTF-8 one.
const NON_ASCII = /[\u0080-\uffff]/;

/**
 * node:http reads header bytes as latin1, one character per byte, but EventSource sends the id it got (as UTF-8 text
 * from the stream) back as UTF-8: `é` arrives as `Ã©`. Undo that when the bytes are valid UTF-8; a header that is not
 * (a client that really sent latin1) is kept as it came.
 */
function fromLatin1(header: string): string {
  if (!NON_ASCII.test(header)) return header;
  try {
    return utf8.decode(Buffer.from(header, 'latin1'));
  } catch {
    return header;
  }
}

/**
 * The reset notice for a client that sent `lastEventId`, moving it on to `latestId`.
 * @internal
 */
export function resetChunk(lastEventId: string, latestId: string): string {
  // JSON escapes every control character, so whatever the client sent cannot break out of the data field.
  return encodeEvent({ event: SSE_RESET_EVENT, id: latestId, data: { lastEventId } }, 'Broker');
}

/**
 * What a client gets at connect, before any live event: with no `lastEventId`, the current position (an id-only
 * block, so that a client whose topics stay quiet can still resume); with a known one, the events of its topics
 * after it, in order; with an unknown or trimmed one, the reset event.
 */
export function replay(client: ClientConnection, history: History, lastEventId: string | undefined): void {
  if (lastEventId === undefined) {
    client.writeUnbounded(`id: ${history.position}\n\n`);
    return;
  }
  const latest = history.latest;
  const seq = history.find(lastEventId);
  if (seq === undefined) {
    client.writeUnbounded(resetChunk(lastEventId, history.position));
    return;
  }
  let lastSent = seq;
  const topics = client.topics;
  history.forEachAfter(seq, (entry) => {
    if (topics !== undefined && !topics.includes(entry.topic)) return;
    client.writeUnbounded(entry.chunk);
    lastSent = entry.seq;
  });
  // An id-only block moves the client's Last-Event-ID past the other topics' events without dispatching anything, so
  // its next reconnect does not need a reset only because its own topics were quiet.
  if (latest !== undefined && lastSent !== latest.seq) client.writeUnbounded(`id: ${latest.id}\n\n`);
}
