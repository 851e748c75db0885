/**
 * @module The Server-Sent Events wire encoder (WHATWG HTML, "Server-sent events", the `text/event-stream` format).
 * @internal
 */
import { checkInteger, describe } from '../../internal/args.js';

/**
 * One server-sent event, as given to {@link Broker.publish} or {@link SseClient.send}.
 *
 * - `data`: a string is sent as is; anything else is sent as `JSON.stringify(data)`. Every line of it (split at CR,
 *   LF and CRLF alike, as the spec's parser splits them) becomes its own `data:` field, so the client's
 *   `MessageEvent.data` is the string back with each line break turned into LF.
 * - `event`: the event type (`addEventListener(event, …)` on the client); `message` when omitted.
 * - `id`: the event id the client echoes as `Last-Event-ID` when it reconnects. The broker assigns increasing ids when
 *   it is omitted.
 * - `event` and `id` containing CR, LF or NUL are rejected with a TypeError: a line break would let the value start a
 *   field of its own (field injection), and the spec's parser ignores an `id` containing NUL.
 */
export interface SseEvent {
  /** The payload: a string as is, anything else JSON-encoded. */
  data: unknown;
  /** The event type; `message` when omitted. No CR, LF or NUL. */
  event?: string | undefined;
  /** The event id; no CR, LF or NUL. */
  id?: string | undefined;
}

// Any of these would end the field early and let the rest of the value be read as a new field.
const FORBIDDEN = /[\r\n\0]/;
// The spec's parser splits lines at CRLF, lone CR and lone LF; data must be split the same way.
const LINE_BREAK = /\r\n|\r|\n/;

/**
 * Throws a TypeError (quoting the value) unless `value` is a string free of CR, LF and NUL: a field value that cannot
 * start a field of its own.
 * @internal
 */
export function checkField(owner: string, name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`${owner}: expected \`${name}\` to be a string, got ${describe(value)}`);
  }
  if (FORBIDDEN.test(value)) {
    throw new TypeError(`${owner}: \`${name}\` must not contain CR, LF or NUL, got ${describe(value)}`);
  }
}

/**
 * The text of `data`: a string as is, anything else as JSON; a TypeError quoting it when JSON has no text for it.
 * @internal
 */
export function dataText(owner: string, data: unknown): string {
  if (typeof data === 'string') return data;
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (err) {
    throw new TypeError(`${owner}: \`data\` cannot be JSON-encoded (${String(err)}), got ${describe(data)}`);
  }
  if (text === undefined) {
    throw new TypeError(`${owner}: \`data\` cannot be JSON-encoded, got ${describe(data)}`);
  }
  return text;
}

/**
 * Encodes one event as `text/event-stream` text: optional `event:` and `id:` fields, one `data:` field per line of the
 * data, and the blank line that dispatches it. Throws a TypeError (quoting the value) for an `event` or `id` with CR,
 * LF or NUL, and for data that has no JSON text (`undefined`, a function, a BigInt, a cycle).
 *
 * Cost: one pass over the data; no per-client work (the broker encodes each event once).
 * @param event - the event to encode.
 * @param owner - the prefix for error messages.
 * @returns the event's wire text, ending in a blank line.
 * @example
 * ```ts
 * encodeEvent({ data: 'a\nb', event: 'note', id: '7' }); // 'event: note\nid: 7\ndata: a\ndata: b\n\n'
 * ```
 */
export function encodeEvent(event: SseEvent, owner = 'encodeEvent'): string {
  if (typeof event !== 'object' || event === null) {
    throw new TypeError(`${owner}: expected an event object like { data }, got ${describe(event)}`);
  }
  let out = '';
  if (event.event !== undefined) {
    checkField(owner, 'event', event.event);
    out += `event: ${event.event}\n`;
  }
  if (event.id !== undefined) {
    checkField(owner, 'id', event.id);
    out += `id: ${event.id}\n`;
  }
  const text = dataText(owner, event.data);
  // The common case (one line) needs no split; `data: ` plus the line is exact because the parser strips exactly one
  // space after the colon, so a line that itself starts with a space keeps it.
  if (!LINE_BREAK.test(text)) return `${out}data: ${text}\n\n`;
  for (const line of text.split(LINE_BREAK)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * Encodes a comment (`: text`) followed by a blank line; clients ignore it, proxies see traffic. Throws a TypeError for
 * text with CR, LF or NUL.
 * @param text - the comment text.
 * @returns the comment's wire text.
 * @example
 * ```ts
 * encodeComment('ping'); // ': ping\n\n'
 * ```
 */
export function encodeComment(text: string): string {
  checkField('encodeComment', 'text', text);
  return text === '' ? ':\n\n' : `: ${text}\n\n`;
}

/**
 * Encodes a `retry:` field (the client's reconnection delay in milliseconds): digits only, as the spec requires, so a
 * non-integer, negative or unsafe number is a RangeError quoting it.
 * @param ms - the reconnection delay.
 * @returns the field and a blank line.
 * @example
 * ```ts
 * encodeRetry(3000); // 'retry: 3000\n\n'
 * ```
 */
export function encodeRetry(ms: number, owner = 'encodeRetry'): string {
  checkRetry(owner, 'retryMs', ms);
  return `retry: ${ms}\n\n`;
}

/**
 * Throws (TypeError for a non-number, RangeError otherwise) unless `ms` is a safe integer from 0 up: anything else
 * has no digits-only decimal form.
 * @internal
 */
export function checkRetry(owner: string, name: string, ms: unknown): asserts ms is number {
  checkInteger(owner, name, ms, 0);
}

/** The response headers of an event stream. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream',
  // no-transform: compression middleware (Express's compression(), proxies) must pass the stream through, not
  // buffer it into compressed blocks the client would wait for.
  'Cache-Control': 'no-cache, no-transform',
  // nginx buffers proxied responses unless told not to; SSE must reach the client as it is written.
  'X-Accel-Buffering': 'no',
};
/** The same over HTTP/1, where keep-alive is a header (HTTP/2 forbids it). */
export const HTTP1_STREAM_HEADERS: Readonly<Record<string, string>> = {
  ...STREAM_HEADERS,
  Connection: 'keep-alive',
};
