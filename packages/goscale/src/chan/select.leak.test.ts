import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import { Channel, internals } from './channel.js';
import { recvOn, select, sendOn } from './select.js';
import { abortListeners as listeners } from '../testing/helpers.js';

const N = 100_000;
const queued = (ch: Channel<number>): [number, number] => [
  internals.recvq(ch).length,
  internals.sendq(ch).length,
];

describe('select leaves nothing behind', () => {
  it(`after ${N} waiting selects are aborted`, async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    // 10,000 signals of 10 waiters each: Node's EventTarget scans a signal's listeners on every add and remove.
    const controllers = Array.from({ length: 10_000 }, () => new AbortController());
    setMaxListeners(Infinity, ...controllers.map((ac) => ac.signal));
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < N; i++) {
      ops.push(select([recvOn(a), sendOn(b, i)], { signal: controllers[i % 10_000]!.signal }));
    }
    assert.deepEqual(queued(a), [N, 0]);
    assert.deepEqual(queued(b), [0, N]);
    for (const ac of controllers) ac.abort(new Error('shutdown'));
    const results = await Promise.allSettled(ops);
    assert.equal(results.filter((r) => r.status === 'rejected').length, N);
    for (const ac of controllers) assert.equal(listeners(ac.signal), 0);
    assert.deepEqual(queued(a), [0, 0]);
    assert.deepEqual(queued(b), [0, 0]);
  });

  it(`after ${N} selects that complete, on a long-lived signal`, async () => {
    const a = new Channel<number>();
    const b = new Channel<number>();
    const c = new Channel<number>();
    const signal = new AbortController().signal;
    for (let i = 0; i < N; i++) {
      const r = select([recvOn(a), recvOn(b), sendOn(c, i)], { signal });
      if (i % 2 === 0) await a.send(i);
      else assert.deepEqual(await c.recv(), { value: i, ok: true });
      assert.equal((await r).index, i % 2 === 0 ? 0 : 2);
    }
    assert.equal(listeners(signal), 0);
    for (const ch of [a, b, c]) assert.deepEqual(queued(ch), [0, 0]);
  });
});
