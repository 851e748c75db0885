/**
 * @module A literal transcription of the WHATWG event-stream parser, for tests to check the encoder and the broker
 * against the spec rather than against themselves; its own tests run when this file is run directly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

/** One dispatched event as a browser's EventSource would see it. */
export interface ParsedEvent {
  type: string;
  data: string;
  lastEventId: string;
}

/** What parsing a stream yields: dispatched events, the last `retry`, the last event id and the comments seen. */
export interface ParsedStream {
  events: ParsedEvent[];
  retry: number | undefined;
  lastEventId: string;
  comments: string[];
}

/**
 * Parses a whole decoded stream by the spec's rules ("Interpreting an event stream"): lines end at CRLF, CR or LF; a
 * trailing incomplete line is ignored; one leading space of a value is dropped; `id` with NUL is ignored; `retry` must
 * be ASCII digits; an empty data buffer dispatches nothing but still sets the last event id.
 */
export function parseEventStream(text: string, lastEventId = ''): ParsedStream {
  const out: ParsedStream = { events: [], retry: undefined, lastEventId, comments: [] };
  let data = '';
  let type = '';
  let idBuffer = lastEventId;
  const breaks = /\r\n|\r|\n/g;
  let pos = text.startsWith('\uFEFF') ? 1 : 0;
  breaks.lastIndex = pos;
  for (let m = breaks.exec(text); m !== null; m = breaks.exec(text)) {
    const line = text.slice(pos, m.index);
    pos = breaks.lastIndex;
    if (line === '') {
      out.lastEventId = idBuffer;
      if (data === '') {
        type = '';
        continue;
      }
      if (data.endsWith('\n')) data = data.slice(0, -1);
      out.events.push({ type: type === '' ? 'message' : type, data, lastEventId: idBuffer });
      data = type = '';
      continue;
    }
    if (line.startsWith(':')) {
      out.comments.push(line.slice(1).replace(/^ /, ''));
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data += `${value}\n`;
    else if (field === 'id') {
      if (!value.includes('\0')) idBuffer = value;
    } else if (field === 'retry' && /^[0-9]+$/.test(value)) out.retry = Number(value);
  }
  return out;
}

// Imported by other test files for the parser alone; its own tests run only when node --test runs this file.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  describe('parseEventStream (test helper)', () => {
    it('dispatches on a blank line, joins data lines with LF and keeps the id', () => {
      const got = parseEventStream('event: a\nid: 7\ndata: x\ndata:  y\n\n');
      assert.deepEqual(got.events, [{ type: 'a', data: 'x\n y', lastEventId: '7' }]);
    });
    it('splits lines at CR and CRLF too and ignores an unterminated last block', () => {
      const got = parseEventStream('data: a\r\rdata: b\r\n\r\ndata: c\n');
      assert.deepEqual(
        got.events.map((e) => e.data),
        ['a', 'b'],
      );
    });
    it('ignores ids containing NUL, bad retry values and comments, and sets the id from an id-only block', () => {
      const got = parseEventStream(': hi\nretry: 1x\nid: a\0b\ndata: z\n\nid: 9\n\nretry: 30\n\n');
      assert.deepEqual(got.events, [{ type: 'message', data: 'z', lastEventId: '' }]);
      assert.equal(got.lastEventId, '9');
      assert.equal(got.retry, 30);
      assert.deepEqual(got.comments, ['hi']);
    });
  });
}
