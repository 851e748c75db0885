import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, it } from 'node:test';
import { testBrokerBus } from './bus-conformance.js';
import { Broker, SSE_RESET_EVENT } from './broker.js';
import { BusGapError, type BrokerBus, type BusEntry } from './bus.js';
import { MemoryBus } from './memory-bus.js';
import { FakeResponse } from './testing/fake-response.js';

testBrokerBus('MemoryBus', {
  trimAfter: 50,
  // Replicas in one process share one bus object, as several Brokers of one process would.
  open: (replicas) => {
    const bus = new MemoryBus({ maxLen: 50 });
    return Promise.resolve(Array.from({ length: replicas }, () => bus));
  },
  close: () => Promise.resolve(),
});

describe('MemoryBus', () => {
  it('throws for a bad maxLen, naming it', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new MemoryBus({ maxLen: bad }), /MemoryBus.*maxLen/);
    }
  });
});

describe('Broker with a bus', () => {
  it('refuses what has no meaning with a bus, naming it', () => {
    const bus = new MemoryBus();
    assert.throws(() => new Broker({ bus, historySize: 10 }), /`historySize` has no use with a `bus`.*10/);
    assert.throws(
      () => new Broker({ bus: {} as MemoryBus }),
      /expected `bus` to be a BrokerBus \(with append\(\)\)/,
    );
    assert.throws(() => new Broker({ bus, onBusError: 5 as never }), /`onBusError`.*5/);
    const broker = new Broker({ bus });
    assert.throws(() => broker.publish('t', { data: 1, id: 'mine' }), /the bus assigns ids.*"mine"/);
    assert.throws(
      () => broker.publish('t', { data: 1, event: 'a\nb' }),
      /`event` must not contain CR, LF or NUL/,
    );
    broker.close();
  });

  it('reports a failed append to onBusError and keeps going', async () => {
    const errors: unknown[] = [];
    const failing = new MemoryBus();
    const boom = new Error('bus down');
    failing.append = () => Promise.reject(boom);
    const broker = new Broker({ bus: failing, onBusError: (e) => errors.push(e) });
    await broker.ready;
    assert.equal(broker.publish('t', { data: 'x' }), 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(errors, [boom]);
    broker.close();
  });

  it('stops its subscription on close', async () => {
    const bus = new MemoryBus();
    let unsubscribed = 0;
    const subscribe = bus.subscribe.bind(bus);
    bus.subscribe = async (onEntry) => {
      const sub = await subscribe(onEntry);
      return { after: sub.after, unsubscribe: () => (unsubscribed++, sub.unsubscribe()) };
    };
    const broker = new Broker({ bus });
    await broker.ready;
    assert.equal(unsubscribed, 0);
    broker.close();
    assert.equal(unsubscribed, 1);
    // Closed before the subscription was established: it is dropped as soon as it is.
    const early = new Broker({ bus });
    early.close();
    await early.ready;
    assert.equal(unsubscribed, 2);
  });

  it('tells every client of the replica about a gap in the bus, in order, before the entries after it', async () => {
    const bus: BrokerBus = new MemoryBus();
    // A subscription that, like a replica cut off past the bus's retention, loses entries and says so.
    let deliver: ((entry: BusEntry) => void) | undefined;
    let fail: ((error: unknown) => void) | undefined;
    const subscribe = bus.subscribe.bind(bus);
    bus.subscribe = async (onEntry, onError) => {
      deliver = onEntry;
      fail = onError;
      return subscribe(() => {});
    };
    const errors: unknown[] = [];
    const broker = new Broker({ bus, heartbeatMs: Infinity, onBusError: (e) => errors.push(e) });
    await broker.ready;
    const request = { headers: {}, url: '/', httpVersionMajor: 1, socket: { destroyed: false } };
    const news = new FakeResponse();
    const sports = new FakeResponse();
    broker.connect(request as unknown as IncomingMessage, news as unknown as ServerResponse, {
      topics: ['news'],
    });
    broker.connect(request as unknown as IncomingMessage, sports as unknown as ServerResponse, {
      topics: ['sports'],
    });
    deliver!({ id: '5-0', topic: 'news', data: 'before' });
    const gap = new BusGapError('5-0');
    fail!(gap);
    deliver!({ id: '9-0', topic: 'news', data: 'after' });
    await new Promise((resolve) => setImmediate(resolve));
    const reset = `event: ${SSE_RESET_EVENT}\nid: 5-0\ndata: {"lastEventId":"5-0"}\n\n`;
    assert.ok(
      news.text.endsWith(`id: 5-0\ndata: before\n\n${reset}id: 9-0\ndata: after\n\n`),
      JSON.stringify(news.text),
    );
    assert.ok(sports.text.endsWith(reset), JSON.stringify(sports.text));
    assert.deepEqual(errors, [gap]);
    // Any other failure is only reported.
    fail!(new Error('connection lost'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(news.text.split(SSE_RESET_EVENT).length, 2);
    assert.equal(errors.length, 2);
    broker.close();
  });
});
