import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { WaitGroup } from './waitgroup.js';
import { abortListeners as listeners, flush } from '../testing/helpers.js';

describe('WaitGroup', () => {
  it('resolves wait at once when the counter is zero', async () => {
    const wg = new WaitGroup();
    assert.equal(wg.count, 0);
    await wg.wait();
  });

  it('resolves every pending wait when the counter reaches zero, not before', async () => {
    const wg = new WaitGroup();
    wg.add(2);
    let woken = 0;
    void wg.wait().then(() => woken++);
    void wg.wait().then(() => woken++);
    wg.done();
    await flush();
    assert.equal(woken, 0);
    assert.equal(wg.count, 1);
    wg.done();
    await flush();
    assert.equal(woken, 2);
  });

  it('can be reused for a new round after reaching zero', async () => {
    const wg = new WaitGroup();
    wg.add();
    wg.done();
    wg.add(3);
    let woken = false;
    void wg.wait().then(() => (woken = true));
    wg.add(-3);
    await flush();
    assert.equal(woken, true);
  });

  it('throws when the counter would go below zero, and changes nothing', () => {
    const wg = new WaitGroup();
    wg.add(1);
    assert.throws(() => wg.add(-2), {
      name: 'RangeError',
      message: 'waitgroup: add(-2) would make the counter negative (1)',
    });
    assert.equal(wg.count, 1);
    wg.done();
    assert.throws(() => wg.done(), { name: 'RangeError', message: /counter at 0/ });
    assert.equal(wg.count, 0);
  });

  it('rejects non-integer deltas, quoting them', () => {
    const wg = new WaitGroup();
    assert.throws(() => wg.add(1.5), { name: 'RangeError', message: /`1.5` \(number\)/ });
    assert.throws(() => wg.add('1' as unknown as number), { name: 'TypeError', message: /`"1"` \(string\)/ });
    assert.equal(wg.count, 0);
  });

  it('rejects an aborted wait with signal.reason; the counter and other waits are unaffected', async () => {
    const wg = new WaitGroup();
    wg.add();
    const controller = new AbortController();
    const aborted = wg.wait({ signal: controller.signal });
    const other = wg.wait();
    controller.abort('bye');
    await assert.rejects(aborted, (error) => error === 'bye');
    assert.equal(listeners(controller.signal), 0);
    assert.equal(wg.count, 1);
    wg.done();
    await other;
  });

  it('rejects an already-aborted signal even at zero', async () => {
    const wg = new WaitGroup();
    await assert.rejects(wg.wait({ signal: AbortSignal.abort('x') }), (error) => error === 'x');
    await assert.rejects(wg.wait({ signal: 1 as unknown as AbortSignal }), TypeError);
  });

  it('removes its abort listener when the wait succeeds', async () => {
    const wg = new WaitGroup();
    wg.add();
    const controller = new AbortController();
    const wait = wg.wait({ signal: controller.signal });
    assert.equal(listeners(controller.signal), 1);
    wg.done();
    await wait;
    assert.equal(listeners(controller.signal), 0);
  });

  it('leaves no listener or waiter after 100,000 aborted waits', async () => {
    const wg = new WaitGroup();
    wg.add();
    let rejected = 0;
    for (let round = 0; round < 100; round++) {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < 1_000; i++)
        waits.push(wg.wait({ signal: controller.signal }).catch(() => rejected++));
      controller.abort();
      assert.equal(listeners(controller.signal), 0);
      await Promise.all(waits);
    }
    assert.equal(rejected, 100_000);
    // A waiter left behind would be woken here; count the wake-ups through a fresh wait only.
    let woken = 0;
    void wg.wait().then(() => woken++);
    wg.done();
    await flush();
    assert.equal(woken, 1);
  });

  it('wakes waits exactly when a counter model reaches zero', async () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), delta: fc.integer({ min: -3, max: 3 }) }),
      fc.record({ op: fc.constant('wait' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const wg = new WaitGroup();
        let count = 0;
        const woken: boolean[] = [];
        const expected: boolean[] = [];
        for (const o of ops) {
          if (o.op === 'add') {
            if (count + o.delta < 0) {
              assert.throws(() => wg.add(o.delta), RangeError);
              continue;
            }
            wg.add(o.delta);
            count += o.delta;
            if (count === 0) expected.fill(true);
          } else {
            const i = woken.push(false) - 1;
            expected.push(count === 0);
            void wg.wait().then(() => (woken[i] = true));
          }
          await flush();
          assert.equal(wg.count, count);
          assert.deepEqual(woken, expected);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
