import assert from 'node:assert/strict';
import type http from 'node:http';
import net from 'node:net';
import { describe, it, mock } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { Broker } from './broker.js';
import { parseEventStream } from './spec-parser.test.js';
import { open, serve } from './testing/loopback.js';

/** Records every chunk the broker hands to `res.write()`, as it was handed over. */
function recordWrites(res: http.ServerResponse, writes: (Buffer | string)[] = []): (Buffer | string)[] {
  const write = res.write.bind(res) as (chunk: Buffer | string) => boolean;
  res.write = ((chunk: Buffer | string) => {
    writes.push(chunk);
    return write(chunk);
  }) as typeof res.write;
  return writes;
}

const datas = (text: Buffer | string) => parseEventStream(String(text), '').events.map((e) => e.data);

describe('Broker write coalescing', () => {
  it('writes the events of one turn to each client as one write, in order, from one flush for all clients', async () => {
    const broker = new Broker();
    const s = await serve(broker);
    const readers = [await open(s.port), await open(s.port), await open(s.port)];
    const writes = s.responses.map((res) => recordWrites(res));
    const nextTick = mock.method(process, 'nextTick');
    try {
      for (let i = 0; i < 10; i++) assert.equal(broker.publish('t', { data: `e${i}` }), 3);
      // Three clients with news, one flush scheduled for them all (res.write() was not called yet, so Node's own
      // nextTick for corking is not among these).
      assert.equal(nextTick.mock.callCount(), 1);
    } finally {
      nextTick.mock.restore();
    }
    assert.deepEqual(writes, [[], [], []], 'nothing is written before the end of the tick');
    await tick();
    const want = Array.from({ length: 10 }, (_, i) => `e${i}`);
    for (const w of writes) {
      assert.equal(w.length, 1, 'one write per client');
      assert.deepEqual(datas(w[0]!), want);
    }
    for (const r of readers) assert.deepEqual(datas(await r.until((t) => datas(t).length === 10)), want);
    await s.stop();
  });

  it('encodes an event once: a lone event reaches every client as the same Buffer', async () => {
    const broker = new Broker();
    const s = await serve(broker);
    await open(s.port);
    await open(s.port);
    const seen: (Buffer | string)[] = [];
    for (const res of s.responses) recordWrites(res, seen);
    broker.publish('t', { data: 'once' });
    await tick();
    assert.equal(seen.length, 2);
    assert.ok(Buffer.isBuffer(seen[0]));
    assert.equal(seen[0], seen[1]);
    await s.stop();
  });

  it('keeps a stalled client to bufferSize queued events while the healthy one gets each turn as one write', async () => {
    const bufferSize = 16;
    const broker = new Broker({ bufferSize });
    const s = await serve(broker);
    const healthy = await open(s.port);
    // A raw socket that sends its request and never reads a byte.
    const stalled = net.connect(s.port, '127.0.0.1');
    stalled.pause();
    stalled.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    while (broker.clients < 2) await tick();
    const [healthyRes, stalledRes] = s.responses as [http.ServerResponse, http.ServerResponse];
    const slow = s.clients[1]!;
    // Fill the stalled socket past the kernel's buffers, until data stays in Node's buffer after full turns.
    const filler = `:${'x'.repeat(64 * 1024)}\n\n`;
    while (stalledRes.writableLength < filler.length) {
      stalledRes.write(filler);
      await tick();
      await tick();
    }
    const healthyWrites = recordWrites(healthyRes);
    const stalledWrites = recordWrites(stalledRes);
    const turn = async (from: number, count: number): Promise<void> => {
      for (let i = from; i < from + count; i++) broker.publish('t', { data: `e${i}` });
      assert.ok(slow.queued <= bufferSize, `queued ${slow.queued}`);
      await tick();
    };
    // The first turn's write meets the backpressure; from then on the stalled client only queues.
    await turn(0, 10);
    assert.equal(stalledWrites.length, 1);
    await turn(10, bufferSize);
    assert.equal(stalledWrites.length, 1);
    assert.equal(slow.queued, bufferSize);
    assert.equal(slow.closed, false);
    // One more than the bound cuts it off; the healthy client never waited for it.
    assert.equal(broker.publish('t', { data: `e${10 + bufferSize}` }), 1);
    assert.equal(slow.closed, true);
    assert.equal(slow.queued, 0);
    await tick();
    assert.equal(healthyWrites.length, 3, 'one write per turn');
    const want = Array.from({ length: 11 + bufferSize }, (_, i) => `e${i}`);
    assert.deepEqual(datas(await healthy.until((t) => datas(t).length === want.length)), want);
    stalled.destroy();
    await s.stop();
  });
});
