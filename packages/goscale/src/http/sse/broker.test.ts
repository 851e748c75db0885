import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { after, describe, it, mock } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { expectTypeOf } from 'expect-type';
import { Broker, SSE_RESET_EVENT, type BrokerOptions, type SseClient, type SseEvent } from './broker.js';
import { parseEventStream } from './spec-parser.test.js';
import { EventSource } from './testing/eventsource.js';
import { connectionCount, open, serve } from './testing/loopback.js';

const events = (text: string, lastId = '') => parseEventStream(text, lastId).events;
const datas = (text: string) => events(text).map((e) => e.data);

describe('Broker over real sockets', () => {
  it('sends the SSE headers and the retry field at connect, before any event', async () => {
    const broker = new Broker({ retryMs: 2500 });
    const s = await serve(broker);
    const r = await open(s.port);
    assert.equal(r.res.statusCode, 200);
    assert.equal(r.res.headers['content-type'], 'text/event-stream');
    assert.equal(r.res.headers['cache-control'], 'no-cache, no-transform');
    assert.equal(r.res.headers.connection, 'keep-alive');
    assert.equal(r.res.headers['x-accel-buffering'], 'no');
    await r.until((t) => t.includes('id: 0\n\n'));
    // The position before the first publish, so that even a client whose topics stay quiet can resume.
    assert.equal(r.text, 'retry: 2500\n\nid: 0\n\n');
    assert.equal(broker.clients, 1);
    await s.stop();
  });

  it('queues each publish for the clients of its topic and counts them; ids run across topics', async () => {
    const broker = new Broker();
    const s = await serve(broker);
    const a = await open(s.port, '/?topics=a');
    const ab = await open(s.port, '/?topics=a,b');
    const all = await open(s.port, '/');
    assert.deepEqual(
      s.clients.map((c) => c.topics),
      [['a'], ['a', 'b'], undefined],
    );
    assert.equal(broker.publish('a', { data: 'one' }), 3);
    assert.equal(broker.publish('b', { data: { two: 2 }, event: 'obj' }), 2);
    assert.equal(broker.publish('c', { data: 'three', id: 'custom' }), 1);
    assert.equal(broker.publish('nobody-here', { data: 'x' }), 1);
    await all.until((t) => datas(t).length === 4);
    await ab.until((t) => datas(t).length === 2);
    await a.until((t) => datas(t).length === 1);
    assert.deepEqual(events(all.text), [
      { type: 'message', data: 'one', lastEventId: '1' },
      { type: 'obj', data: '{"two":2}', lastEventId: '2' },
      { type: 'message', data: 'three', lastEventId: 'custom' },
      { type: 'message', data: 'x', lastEventId: '4' },
    ]);
    assert.deepEqual(datas(ab.text), ['one', '{"two":2}']);
    assert.deepEqual(datas(a.text), ['one']);
    await s.stop();
  });

  it('replays exactly the missed events to an EventSource that reconnects with Last-Event-ID', async () => {
    const broker = new Broker({ historySize: 100, retryMs: 1 });
    const s = await serve(broker);
    const es = new EventSource(`${s.url}/?topics=news`);
    const got: { data: string; id: string }[] = [];
    let wake: (() => void) | undefined;
    es.onmessage = (e) => {
      got.push({ data: e.data as string, id: e.lastEventId });
      wake?.();
    };
    const until = async (n: number): Promise<void> => {
      while (got.length < n) await new Promise<void>((resolve) => (wake = resolve));
    };
    await once(es, 'open');
    for (let i = 1; i <= 3; i++) broker.publish('news', { data: `n${i}` });
    await until(3);
    // Hang up on it, then publish while it is away: the first connection is gone from the broker at once.
    s.clients[0]!.close();
    assert.equal(broker.clients, 0);
    broker.publish('other', { data: 'not mine' });
    for (let i = 4; i <= 6; i++) assert.equal(broker.publish('news', { data: `n${i}` }), 0);
    await until(6);
    assert.equal(s.lastIds[1], '3');
    broker.publish('news', { data: 'n7' });
    await until(7);
    es.close();
    assert.deepEqual(
      got.map((g) => g.data),
      ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'],
    );
    assert.deepEqual(
      got.map((g) => g.id),
      ['1', '2', '3', '5', '6', '7', '8'],
    );
    await s.stop();
  });

  it('replays from the lastEventId query parameter for clients that cannot set headers', async () => {
    const broker = new Broker({ historySize: 10 });
    const s = await serve(broker);
    for (const d of ['a', 'b', 'c']) broker.publish('t', { data: d });
    const r = await open(s.port, '/?topics=t&lastEventId=1');
    broker.publish('t', { data: 'live' });
    await r.until((t) => datas(t).at(-1) === 'live');
    assert.deepEqual(datas(r.text), ['b', 'c', 'live']);
    await s.stop();
  });

  describe('tells a client with an unusable Last-Event-ID instead of gapping silently', () => {
    // History holds events 4, 5, 6; event 3 was evicted last (what follows it is all retained).
    const table: { name: string; header?: string; query?: string; want: string[]; reset: boolean }[] = [
      { name: 'the id evicted last', header: '3', want: ['e4', 'e5', 'e6', 'live'], reset: false },
      { name: 'the newest id', header: '6', want: ['live'], reset: false },
      { name: 'an empty id (a fresh client)', header: '', want: ['live'], reset: false },
      { name: 'an id older than the history', header: '2', want: [SSE_RESET_EVENT, 'live'], reset: true },
      { name: 'a future id', header: '7', want: [SSE_RESET_EVENT, 'live'], reset: true },
      { name: 'garbage', header: 'not-an-id', want: [SSE_RESET_EVENT, 'live'], reset: true },
      { name: 'a negative number', header: '-1', want: [SSE_RESET_EVENT, 'live'], reset: true },
      { name: 'a float', header: '4.0', want: [SSE_RESET_EVENT, 'live'], reset: true },
      { name: 'an 8 KiB id', header: 'x'.repeat(8192), want: [SSE_RESET_EVENT, 'live'], reset: true },
      {
        name: 'a line break (query)',
        query: '%0D%0Adata:%20evil%0A%0A',
        want: [SSE_RESET_EVENT, 'live'],
        reset: true,
      },
      { name: 'unicode (query)', query: '%C3%A9%F0%9F%98%80', want: [SSE_RESET_EVENT, 'live'], reset: true },
    ];
    for (const { name, header, query, want, reset } of table) {
      it(`handles ${name}`, async () => {
        const broker = new Broker({ historySize: 3 });
        const s = await serve(broker);
        for (let i = 1; i <= 6; i++) broker.publish('t', { data: `e${i}` });
        const path = query === undefined ? '/?topics=t' : `/?topics=t&lastEventId=${query}`;
        const r = await open(s.port, path, header === undefined ? {} : { 'Last-Event-ID': header });
        broker.publish('t', { data: 'live' });
        await r.until((t) => datas(t).at(-1) === 'live');
        const got = events(r.text);
        assert.deepEqual(
          got.map((e) => (e.type === SSE_RESET_EVENT ? e.type : e.data)),
          want,
        );
        if (reset) {
          const sent = header ?? decodeURIComponent(query!);
          assert.deepEqual(JSON.parse(got[0]!.data), { lastEventId: sent });
          assert.equal(got[0]!.lastEventId, '6');
        }
        await s.stop();
      });
    }
  });

  it('rejects field-injection attempts with a TypeError and publishes nothing', async () => {
    const broker = new Broker({ historySize: 10 });
    const s = await serve(broker);
    const r = await open(s.port);
    const bad: [string, SseEvent, RegExp][] = [
      [
        't',
        { data: 'x', event: 'a\ndata: evil' },
        /`event` must not contain CR, LF or NUL, got `"a\\ndata: evil"`/,
      ],
      ['t', { data: 'x', id: '9\r\nevent: evil' }, /`id` must not contain CR, LF or NUL/],
      ['t', { data: 'x', id: 'a\0' }, /`id` must not contain CR, LF or NUL/],
      ['t', { data: 'x', id: '' }, /`id` must not be empty/],
      ['t', { data: undefined }, /`data` cannot be JSON-encoded/],
      ['t\n', { data: 'x' }, /`topic` must not contain CR, LF or NUL/],
      [1 as unknown as string, { data: 'x' }, /expected `topic` to be a string, got `1` \(number\)/],
      ['t', null as unknown as SseEvent, /expected an event object like \{ data \}, got `null` \(null\)/],
      ['t', 'x' as unknown as SseEvent, /expected an event object like \{ data \}, got `"x"` \(string\)/],
    ];
    for (const [topic, ev, message] of bad) {
      assert.throws(() => broker.publish(topic, ev), { name: 'TypeError', message }, JSON.stringify(ev));
    }
    broker.publish('t', { data: 'ok' });
    await r.until((t) => datas(t).length === 1);
    // The failed calls consumed no id: the first good event is number 1.
    assert.deepEqual(events(r.text), [{ type: 'message', data: 'ok', lastEventId: '1' }]);
    await s.stop();
  });

  it('delivers huge events intact: an 8 MiB string of 8,192 lines and a 2 MiB object', async () => {
    const broker = new Broker({ bufferSize: 1 });
    const s = await serve(broker);
    const r = await open(s.port);
    const text = `${'x'.repeat(1023)}\r\n`.repeat(8192).slice(0, -2);
    const obj = { rows: Array.from({ length: 20_000 }, (_, i) => ({ i, s: 'y'.repeat(90) })) };
    assert.equal(broker.publish('t', { data: text }), 1);
    assert.equal(broker.publish('t', { data: obj }), 1);
    // A cheap check of the tail: parsing 10 MiB on every chunk would be quadratic.
    await r.until((t) => t.endsWith('}\n\n'));
    const [a, b] = events(r.text);
    assert.equal(a!.data, text.replaceAll('\r\n', '\n'));
    assert.deepEqual(JSON.parse(b!.data), obj);
    assert.equal(s.clients[0]!.closed, false);
    await s.stop();
  });

  it('lets a fast client take a synchronous burst of twice bufferSize events, written once per flush', async () => {
    const broker = new Broker({ bufferSize: 4 });
    const s = await serve(broker);
    const r = await open(s.port);
    let writes = 0;
    const write = s.responses[0]!.write.bind(s.responses[0]!);
    s.responses[0]!.write = ((...args: Parameters<typeof write>) => {
      writes++;
      return write(...args);
    }) as typeof write;
    for (let i = 0; i < 8; i++) assert.equal(broker.publish('t', { data: `b${i}` }), 1);
    await r.until((t) => datas(t).length === 8);
    assert.deepEqual(datas(r.text), ['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7']);
    assert.equal(s.clients[0]!.closed, false);
    // One write when the queue filled mid-burst, one at the end of the tick.
    assert.equal(writes, 2);
    await s.stop();
  });

  for (const slowClient of ['disconnect', 'drop'] as const) {
    it(`${slowClient}s a client that never reads, with bounded memory, while others get every event`, async () => {
      const bufferSize = 8;
      // No heartbeat: a ping after the last event would keep the `endsWith` wait below from ever holding on a slow machine.
      const broker = new Broker({ bufferSize, slowClient, heartbeatMs: Infinity });
      const s = await serve(broker);
      const healthy = await open(s.port, '/?topics=t');
      // A raw socket that sends its request and never reads a byte.
      const stalled = net.connect(s.port, '127.0.0.1');
      stalled.pause();
      stalled.write('GET /?topics=t HTTP/1.1\r\nHost: x\r\n\r\n');
      while (broker.clients < 2) await tick();
      const slow = s.clients[1]!;
      const slowRes = s.responses[1]!;
      const payload = 'z'.repeat(256 * 1024);
      let published = 0;
      let maxWritable = 0;
      for (
        ;
        published < 1000 && (slowClient === 'disconnect' ? !slow.closed : slow.dropped === 0);
        published++
      ) {
        const n = broker.publish('t', { data: payload, id: `p${published}` });
        assert.ok(slow.queued <= bufferSize, `queued ${slow.queued}`);
        maxWritable = Math.max(maxWritable, slowRes.writableLength);
        assert.equal(n, slow.closed ? 1 : 2);
        // The healthy client reads everything before the next publish, as a fast reader would.
        await healthy.until(
          (t) => t.endsWith(`${payload}\n\n`) && t.length >= (published + 1) * payload.length,
        );
      }
      assert.ok(published < 1000, 'the stalled client was never caught');
      // Node buffers at most one event past its high-water mark before the broker starts queueing.
      assert.ok(
        maxWritable <= slowRes.writableHighWaterMark + payload.length + 64,
        `writableLength ${maxWritable}`,
      );
      broker.publish('t', { data: 'last', id: 'last' });
      await healthy.until((t) => t.endsWith('data: last\n\n'));
      const got = events(healthy.text);
      assert.equal(got.length, published + 1);
      assert.deepEqual(
        got.map((e) => e.lastEventId),
        [...Array.from({ length: published }, (_, i) => `p${i}`), 'last'],
      );
      if (slowClient === 'disconnect') {
        assert.equal(broker.clients, 1);
        assert.equal(slow.signal.aborted, true);
        // Its socket is gone on the server's side (the paused client itself will not notice until it reads).
        assert.equal(slowRes.destroyed, true);
        while ((await connectionCount(s.server)) !== 1) await tick();
        stalled.destroy();
      } else {
        assert.equal(broker.clients, 2);
        assert.equal(slow.queued, bufferSize);
        assert.ok(slow.dropped >= 1);
        stalled.destroy();
        await once(slowRes, 'close');
        assert.equal(broker.clients, 1);
        assert.equal(slow.queued, 0);
      }
      await s.stop();
    });
  }

  it('removes a client that hangs up at once and aborts its signal', async () => {
    const broker = new Broker();
    const s = await serve(broker);
    const r = await open(s.port);
    const client = s.clients[0]!;
    const aborted = once(client.signal, 'abort');
    r.req.destroy();
    await aborted;
    assert.equal(client.closed, true);
    assert.equal(broker.clients, 0);
    assert.equal(broker.publish('t', { data: 'x' }), 0);
    await s.stop();
  });

  it('returns a closed client, and registers nothing, when the client hung up before connect', async () => {
    const broker = new Broker();
    let client: SseClient | undefined;
    let listeners = -1;
    let requested = false;
    const server = http.createServer((req, res) => {
      requested = true;
      // Connect only once the client is gone, as an auth check that awaited something might.
      req.socket.once('close', () => {
        client = broker.connect(req, res);
        listeners = res.listenerCount('close') + res.listenerCount('drain');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    while (!requested) await tick();
    socket.destroy();
    while (client === undefined) await tick();
    assert.equal(client.closed, true);
    assert.equal(client.signal.aborted, true);
    assert.equal(broker.clients, 0);
    assert.equal(listeners, 0);
    server.close();
    await once(server, 'close');
  });

  it('close() sends the final event, ends every stream so server.close() finishes, then refuses with 503', async () => {
    const broker = new Broker({ historySize: 5 });
    const s = await serve(broker);
    const readers = [await open(s.port, '/?topics=a'), await open(s.port, '/?topics=b'), await open(s.port)];
    broker.publish('a', { data: 'before' });
    broker.close({ event: { event: 'bye', data: 'restarting' } });
    assert.equal(broker.closed, true);
    assert.equal(broker.clients, 0);
    assert.equal(broker.publish('a', { data: 'after' }), 0);
    for (const r of readers) {
      await r.until(() => r.ended);
      const last = events(r.text).at(-1)!;
      assert.deepEqual([last.type, last.data], ['bye', 'restarting']);
    }
    const late = await open(s.port, '/', { 'Last-Event-ID': '1' });
    assert.equal(late.res.statusCode, 503);
    assert.equal(late.res.headers.connection, 'close');
    await late.until(() => late.ended);
    assert.equal(late.text, '');
    assert.equal(s.clients.at(-1)!.closed, true);
    assert.equal(s.clients.at(-1)!.signal.aborted, true);
    // No closeAllConnections here: the streams ended, so close() must finish on its own.
    s.server.close();
    await once(s.server, 'close');
  });

  it('keeps one heartbeat timer for the whole broker, only while clients are connected', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const broker = new Broker({ heartbeatMs: 60_000 });
    const s = await serve(broker);
    const base = timers();
    const readers = [await open(s.port), await open(s.port), await open(s.port)];
    assert.equal(timers(), base + 1);
    for (const r of readers) r.req.destroy();
    while (broker.clients > 0) await tick();
    assert.equal(timers(), base);
    await s.stop();
  });

  it('honours a heartbeatMs past 2^31 − 1 ms, which a bare setInterval turns into 1 ms', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    const heartbeatMs = 2 ** 31;
    const broker = new Broker({ heartbeatMs });
    const s = await serve(broker);
    const reader = await open(s.port);
    t.mock.timers.tick(heartbeatMs - 1);
    broker.publish('a', { data: 'mark' });
    await reader.until((text) => text.includes('mark'));
    // The first line is the position sent at connect (no event published yet: id 0).
    assert.equal(reader.text, 'id: 0\n\nid: 1\ndata: mark\n\n', 'no ping before heartbeatMs');
    t.mock.timers.tick(1);
    await reader.until((text) => text.endsWith(': ping\n\n'));
    t.mock.timers.tick(heartbeatMs);
    await reader.until((text) => text.split(': ping').length === 3);
    assert.equal(reader.text, 'id: 0\n\nid: 1\ndata: mark\n\n: ping\n\n: ping\n\n');
    await s.stop();
  });

  it('sends a heartbeat comment every heartbeatMs to every client', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const broker = new Broker({ heartbeatMs: 1000 });
    const s = await serve(broker);
    const readers = [await open(s.port), await open(s.port, '/?topics=a,b')];
    t.mock.timers.tick(999);
    broker.publish('a', { data: 'mark' });
    for (const r of readers) await r.until((text) => text.includes('mark'));
    t.mock.timers.tick(1);
    for (const r of readers) await r.until((text) => text.endsWith(': ping\n\n'));
    t.mock.timers.tick(1000);
    for (const r of readers) {
      await r.until((text) => text.split(': ping').length === 3);
      assert.equal(r.text, 'id: 0\n\nid: 1\ndata: mark\n\n: ping\n\n: ping\n\n');
      assert.deepEqual(parseEventStream(r.text).comments, ['ping', 'ping']);
    }
    await s.stop();
  });

  it('throws at once for bad options and misuse, quoting the value', async () => {
    const table: [BrokerOptions, string, RegExp][] = [
      [{ bufferSize: 0 }, 'RangeError', /`bufferSize` to be an integer from 1 and up, got `0` \(number\)/],
      [{ bufferSize: 1.5 }, 'RangeError', /`bufferSize`.*`1.5`/],
      [
        { heartbeatMs: 0 },
        'RangeError',
        /`heartbeatMs` to be an integer from 1 and up \(or Infinity\), got `0`/,
      ],
      [{ historySize: -1 }, 'RangeError', /`historySize`.*`-1`/],
      [{ retryMs: 1.5 }, 'RangeError', /`retryMs` to be an integer from 0 and up, got `1.5`/],
      [{ retryMs: '10' as unknown as number }, 'TypeError', /`retryMs`.*`"10"` \(string\)/],
      [
        { slowClient: 'block' as 'drop' },
        'TypeError',
        /`slowClient` to be 'disconnect' or 'drop', got `"block"`/,
      ],
    ];
    for (const [options, name, message] of table) {
      assert.throws(() => new Broker(options), { name, message }, JSON.stringify(options));
    }
    const broker = new Broker();
    const server = http.createServer((req, res) => {
      assert.throws(() => broker.connect(req, res, { topics: 'a' as unknown as string[] }), {
        name: 'TypeError',
        message: /`topics` to be an iterable of strings, got `"a"` \(string\)/,
      });
      assert.throws(() => broker.connect(req, res, { topics: ['a', 2 as unknown as string] }), {
        name: 'TypeError',
        message: /expected `topic` to be a string, got `2` \(number\)/,
      });
      res.writeHead(204).end();
      assert.throws(() => broker.connect(req, res), {
        name: 'TypeError',
        message: /already sent its headers/,
      });
      assert.equal(res.listenerCount('close'), 0);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const r = await open((server.address() as AddressInfo).port);
    assert.equal(r.res.statusCode, 204);
    server.close();
    await once(server, 'close');
  });

  it('has the documented types', () => {
    const broker = new Broker();
    expectTypeOf(broker.connect).parameters.toEqualTypeOf<
      [http.IncomingMessage, http.ServerResponse, ({ topics?: Iterable<string> | undefined } | undefined)?]
    >();
    expectTypeOf(broker.connect).returns.toEqualTypeOf<SseClient>();
    expectTypeOf(broker.publish).returns.toEqualTypeOf<number>();
    expectTypeOf(broker.clients).toEqualTypeOf<number>();
    expectTypeOf<BrokerOptions['slowClient']>().toEqualTypeOf<'disconnect' | 'drop' | undefined>();
    expectTypeOf<SseClient['topics']>().toEqualTypeOf<readonly string[] | undefined>();
    expectTypeOf<SseEvent>().toHaveProperty('data').toEqualTypeOf<unknown>();
    expectTypeOf<typeof SSE_RESET_EVENT>().toEqualTypeOf<'goscale-reset'>();
  });
});

after(() => mock.reset());
