import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import { Channel, internals } from './channel.js';
import { abortListeners as listeners } from '../testing/helpers.js';

const N = 100_000;
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
const queued = (ch: Channel<number>): [number, number] => [
  internals.recvq(ch).length,
  internals.sendq(ch).length,
];

describe('Channel leaves nothing behind', () => {
  it(`after ${N} receives and sends aborted one by one`, async () => {
    const ch = new Channel<number>();
    const full = new Channel<number>(1);
    full.trySend(0);
    const before = timers();
    for (let i = 0; i < N; i++) {
      const ac = new AbortController();
      const p = i % 2 === 0 ? ch.recv({ signal: ac.signal }) : full.send(i, { signal: ac.signal });
      ac.abort();
      await assert.rejects(p, { name: 'AbortError' });
      assert.equal(listeners(ac.signal), 0);
    }
    assert.deepEqual(queued(ch), [0, 0]);
    assert.deepEqual(queued(full), [0, 0]);
    assert.deepEqual(full.tryRecv(), { value: 0, ok: true });
    assert.equal(timers(), before);
  });

  it(`after ${N} receives and sends waiting together are aborted`, async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    // Node's EventTarget scans a signal's listeners on every add and remove: 10,000 signals of 10 waiters each keep
    // this test about the channel rather than about that scan.
    const controllers = Array.from({ length: 10_000 }, () => new AbortController());
    setMaxListeners(Infinity, ...controllers.map((ac) => ac.signal));
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      const signal = controllers[i % 10_000]!.signal;
      ops.push(i % 2 === 0 ? a.recv({ signal }) : b.send(i, { signal }));
    }
    assert.deepEqual(queued(a), [N / 2, 0]);
    assert.deepEqual(queued(b), [0, N / 2]);
    for (const ac of controllers) ac.abort(new Error('shutdown'));
    const results = await Promise.allSettled(ops);
    assert.equal(results.filter((r) => r.status === 'rejected').length, N);
    for (const ac of controllers) assert.equal(listeners(ac.signal), 0);
    assert.deepEqual(queued(a), [0, 0]);
    assert.deepEqual(queued(b), [0, 0]);
  });

  it(`after ${N} receives that complete, on a long-lived signal`, async () => {
    const ch = new Channel<number>();
    const signal = new AbortController().signal;
    for (let i = 0; i < N; i++) {
      const r = ch.recv({ signal });
      await ch.send(i, { signal });
      assert.equal((await r).value, i);
    }
    assert.equal(listeners(signal), 0);
    assert.deepEqual(queued(ch), [0, 0]);
  });
});
