import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Broker, SSE_RESET_EVENT } from './broker.js';
import { readLastEventId } from './replay.js';
import { parseEventStream, type ParsedEvent } from './spec-parser.test.js';
import { FakeResponse } from './testing/fake-response.js';

function fakeRequest(lastEventId: string | undefined, url = '/'): IncomingMessage {
  const headers = lastEventId === undefined ? {} : { 'last-event-id': lastEventId };
  return { headers, url, httpVersionMajor: 1, socket: { destroyed: false } } as unknown as IncomingMessage;
}

interface Published {
  seq: number;
  id: string;
  topic: string;
}
interface Watcher {
  sink: FakeResponse;
  topics: string[];
  sentLastId: string;
  want: ParsedEvent[];
  wantLastId: string;
}
interface Model {
  historySize: number;
  published: Published[];
  watchers: Watcher[];
}
interface Real {
  broker: Broker;
}

/** `auto`: the broker's ids; `unique`: custom ones; `perTopic`: a counter per topic, which collides across topics. */
type IdScheme = 'auto' | 'unique' | 'perTopic';

class Publish implements fc.Command<Model, Real> {
  constructor(
    readonly topic: string,
    readonly scheme: IdScheme,
  ) {}
  get customId(): boolean {
    return this.scheme !== 'auto';
  }
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const seq = m.published.length + 1;
    const id =
      this.scheme === 'auto'
        ? String(seq)
        : this.scheme === 'unique'
          ? `c${seq}`
          : String(m.published.filter((p) => p.topic === this.topic).length + 1);
    const data = `${this.topic}:${seq}`;
    m.published.push({ seq, id, topic: this.topic });
    const listening = m.watchers.filter((w) => w.topics.includes(this.topic));
    for (const w of listening) {
      w.want.push({ type: 'message', data, lastEventId: id });
      w.wantLastId = id;
    }
    const got = r.broker.publish(this.topic, { data, id: this.customId ? id : undefined });
    assert.equal(got, listening.length, 'publish() count');
  }
  toString = (): string => `publish(${this.topic}, ${this.scheme})`;
}

class Reconnect implements fc.Command<Model, Real> {
  /**
   * `pick`: undefined = fresh connection; a number = the id of that published event (mod count); -1 = unknown id;
   * -2 = the start position `'0'` a client gets when it connects before the first publish.
   */
  constructor(
    readonly topics: string[],
    readonly pick: number | undefined,
  ) {}
  check = (): boolean => true;
  run(m: Model, r: Real): void {
    const { published, historySize } = m;
    const latest = published.at(-1);
    let lastId: string | undefined;
    let index = -1;
    if (this.pick === -1) lastId = 'bogus';
    else if (this.pick === -2) lastId = '0';
    else if (this.pick !== undefined && published.length > 0) {
      index = this.pick % published.length;
      lastId = published[index]!.id;
    }
    const position = latest?.id ?? '0';
    const w: Watcher = {
      ...{ sink: new FakeResponse(), topics: this.topics, sentLastId: lastId ?? '' },
      ...{ want: [], wantLastId: position },
    };
    // Known: exactly one of the retained events, the one evicted last (what follows it is all retained) and the
    // start position (event 0, before everything) carries the id; an id two of them share is ambiguous.
    const entries = [{ seq: 0, id: '0', topic: '' }, ...published];
    const known = entries.slice(Math.max(0, entries.length - historySize - 1));
    const matches = known.filter((p) => p.id === lastId);
    if (lastId !== undefined && matches.length !== 1) {
      w.want.push({
        type: SSE_RESET_EVENT,
        data: JSON.stringify({ lastEventId: lastId }),
        lastEventId: position,
      });
    } else if (lastId !== undefined) {
      for (const p of published.slice(matches[0]!.seq)) {
        if (this.topics.includes(p.topic))
          w.want.push({ type: 'message', data: `${p.topic}:${p.seq}`, lastEventId: p.id });
      }
    }
    m.watchers.push(w);
    r.broker.connect(fakeRequest(lastId), w.sink as unknown as ServerResponse, { topics: this.topics });
  }
  toString = (): string => `connect([${this.topics.join()}], ${this.pick})`;
}

describe('Broker replay', () => {
  it('gives a reconnecting client exactly the events of its topics it missed, in order, or a reset (model-based)', async () => {
    const topics = fc.constantFrom<string[][]>(['a'], ['b'], ['a', 'b']);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 6 }),
        fc.commands(
          [
            fc
              .tuple(fc.constantFrom('a', 'b'), fc.constantFrom<IdScheme>('auto', 'unique', 'perTopic'))
              .map(([t, c]) => new Publish(t, c)),
            fc
              .tuple(topics, fc.option(fc.integer({ min: -2, max: 50 }), { nil: undefined }))
              .map(([t, p]) => new Reconnect(t, p)),
          ],
          { maxCommands: 50 },
        ),
        async (historySize, cmds) => {
          const model: Model = { historySize, published: [], watchers: [] };
          const broker = new Broker({ historySize, heartbeatMs: Infinity });
          fc.modelRun(() => ({ model, real: { broker } }), cmds);
          // Live events reach the responses at the end of the tick they were published in.
          await new Promise((resolve) => setImmediate(resolve));
          for (const w of model.watchers) {
            // The client starts from the id it sent, as EventSource does.
            const parsed = parseEventStream(w.sink.text, w.sentLastId);
            assert.deepEqual(parsed.events, w.want);
            // The id-only block after a replay moves the client past other topics' events without a dispatch.
            assert.equal(parsed.lastEventId, w.wantLastId);
          }
          broker.close();
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('reads Last-Event-ID from the header first, then the lastEventId query parameter, ignoring empty values', () => {
    const table: { header?: string; url?: string; want: string | undefined }[] = [
      { want: undefined },
      { header: '5', want: '5' },
      { header: '', want: undefined },
      { header: '5', url: '/?lastEventId=9', want: '5' },
      { url: '/events?topic=a&lastEventId=9', want: '9' },
      { url: '/events?lastEventId=', want: undefined },
      { url: '/events?lastEventId=%0Aevil', want: '\nevil' },
      { url: '/events?lastEventId=%E0%A4%A', want: '\uFFFD%A' },
      { url: '/lastEventId', want: undefined },
      // node:http hands header bytes over as latin1; EventSource sent UTF-8.
      {
        header: Buffer.from('\u00e9t\u00e9-\u{1F600}', 'utf8').toString('latin1'),
        want: '\u00e9t\u00e9-\u{1F600}',
      },
      // Not UTF-8: kept as it came.
      { header: '\u00e9', want: '\u00e9' },
    ];
    for (const { header, url, want } of table) {
      assert.equal(readLastEventId(fakeRequest(header, url)), want, `header ${header}, url ${url}`);
    }
  });
});
