/**
 * @module The Broker half of the `BrokerBus` conformance suite: replicas (one Broker and one HTTP server per bus)
 * with real loopback SSE clients.
 * @internal
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { it } from 'node:test';
import { Broker } from './broker.js';
import type { BrokerBus } from './bus.js';
import { SSE_RESET_EVENT } from './replay.js';

interface Seen {
  type: string;
  id: string;
  data: string;
}

/** A loopback SSE reader: the events it dispatched and its last event id, parsed as EventSource does (LF only). */
export async function sseReader(port: number, path: string, lastEventId?: string) {
  const headers = lastEventId === undefined ? {} : { 'Last-Event-ID': lastEventId };
  const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  const reader = { events: [] as Seen[], lastId: lastEventId ?? '', close: () => req.destroy() };
  let buffer = '';
  let wake: (() => void) | undefined;
  let gone = false;
  res.setEncoding('utf8');
  res.on('data', (s: string) => {
    buffer += s;
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('id: ')) reader.lastId = line.slice(4);
        else if (line.startsWith('event: ')) type = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) reader.events.push({ type, id: reader.lastId, data: data.join('\n') });
    }
    wake?.();
  });
  res.on('close', () => {
    gone = true;
    wake?.();
  });
  res.on('error', () => {});
  const until = async (cond: () => boolean, what: string): Promise<void> => {
    while (!cond()) {
      if (gone)
        throw new Error(`bus conformance: stream ended waiting for ${what}: ${JSON.stringify(reader)}`);
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };
  return { ...reader, reader, until };
}

/** One Broker and HTTP server per bus; `?topics=a,b` picks topics. */
export async function replicas(buses: BrokerBus[]) {
  const out = await Promise.all(
    buses.map(async (bus) => {
      const broker = new Broker({ bus, heartbeatMs: Infinity, onBusError: () => {} });
      await broker.ready;
      const server = http.createServer((req, res) => {
        const topics = new URL(req.url ?? '/', 'http://x').searchParams.get('topics');
        broker.connect(req, res, topics === null ? {} : { topics: topics.split(',') });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      return { broker, server, port: (server.address() as AddressInfo).port };
    }),
  );
  const stop = async (): Promise<void> => {
    for (const r of out) {
      r.broker.close();
      r.server.closeAllConnections();
      r.server.close();
    }
    await Promise.all(out.map((r) => once(r.server, 'close')));
  };
  return { nodes: out, stop };
}

/** Registers the Broker-over-bus tests; `withBuses` opens and closes the fixture around each. */
export function brokerTests(
  withBuses: (replicas: number, fn: (buses: BrokerBus[]) => Promise<void>) => () => Promise<void>,
): void {
  it(
    'makes a publish on any replica reach every client of the topic on every replica, in one order, same ids',
    withBuses(3, async (buses) => {
      const { nodes, stop } = await replicas(buses);
      try {
        const readers = await Promise.all(
          nodes.flatMap((n) => [sseReader(n.port, '/?topics=a'), sseReader(n.port, '/')]),
        );
        for (let i = 0; i < 10; i++) nodes[i % 3]!.broker.publish(i % 2 === 0 ? 'a' : 'b', { data: `e${i}` });
        await Promise.all(
          readers.map((r, k) =>
            r.until(() => r.reader.events.length === (k % 2 === 0 ? 5 : 10), 'all events'),
          ),
        );
        const all = readers[1]!.reader.events;
        for (let k = 1; k < readers.length; k += 2) assert.deepEqual(readers[k]!.reader.events, all);
        for (let k = 0; k < readers.length; k += 2) {
          assert.deepEqual(
            readers[k]!.reader.events,
            all.filter((e) => Number(e.data.slice(1)) % 2 === 0),
          );
        }
        // One global order: every replica's own publishes keep their order within it.
        assert.equal(new Set(all.map((e) => e.id)).size, 10, 'ten distinct ids');
        for (const r of readers) r.close();
      } finally {
        await stop();
      }
    }),
  );

  it(
    'replays to a client that reconnects to another replica exactly what it missed of its topics, none twice',
    withBuses(2, async (buses) => {
      const { nodes, stop } = await replicas(buses);
      const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
      try {
        const first = await sseReader(a.port, '/?topics=x');
        a.broker.publish('x', { data: 'x1' });
        await first.until(() => first.reader.events.length === 1, 'x1');
        first.close();
        const quiet = await sseReader(a.port, '/?topics=q');
        await quiet.until(() => quiet.reader.lastId !== '', 'the position line');
        assert.equal(quiet.reader.lastId, first.reader.lastId, 'a quiet client is placed at the newest id');
        quiet.close();
        a.broker.publish('y', { data: 'y1' });
        b.broker.publish('x', { data: 'x2' });
        a.broker.publish('q', { data: 'q1' });
        const watcher = await sseReader(b.port, '/');
        a.broker.publish('x', { data: 'x3' });
        // Appends are asynchronous: what was published before the watcher connected may reach it live too.
        await watcher.until(() => watcher.reader.events.some((e) => e.data === 'x3'), 'x3 live');
        // Reconnect to the other replica while more is published from both.
        const back = await sseReader(b.port, '/?topics=x', first.reader.lastId);
        a.broker.publish('x', { data: 'x4' });
        b.broker.publish('x', { data: 'x5' });
        await back.until(() => back.reader.events.length === 4, 'x2..x5');
        // Publishes from two replicas are ordered by the bus, not by the order of the calls: the bus's log says.
        const log = (await buses[0]!.readAfter(first.reader.lastId)) ?? [];
        assert.deepEqual(
          back.reader.events.map((e) => `${e.id} ${e.data}`),
          log.filter((e) => e.topic === 'x').map((e) => `${e.id} ${e.data}`),
        );
        assert.deepEqual(back.reader.events.map((e) => e.data).sort(), ['x2', 'x3', 'x4', 'x5']);
        const quietBack = await sseReader(b.port, '/?topics=q', quiet.reader.lastId);
        await quietBack.until(() => quietBack.reader.events.length === 1, 'q1');
        assert.deepEqual(
          quietBack.reader.events.map((e) => e.data),
          ['q1'],
        );
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(back.reader.events.length, 4, 'nothing twice');
        for (const r of [watcher, back, quietBack]) r.close();
      } finally {
        await stop();
      }
    }),
  );

  it(
    'sends the reset event, moving the client to the newest id, for an id the bus cannot place',
    withBuses(1, async (buses) => {
      const { nodes, stop } = await replicas(buses);
      try {
        nodes[0]!.broker.publish('t', { data: 'one' });
        const live = await sseReader(nodes[0]!.port, '/');
        nodes[0]!.broker.publish('t', { data: 'two' });
        await live.until(() => live.reader.events.some((e) => e.data === 'two'), 'two');
        const r = await sseReader(nodes[0]!.port, '/', 'no-such-id');
        await r.until(() => r.reader.events.length === 1, 'the reset');
        assert.deepEqual(r.reader.events[0], {
          type: SSE_RESET_EVENT,
          id: live.reader.lastId,
          data: JSON.stringify({ lastEventId: 'no-such-id' }),
        });
        live.close();
        r.close();
      } finally {
        await stop();
      }
    }),
  );
}
