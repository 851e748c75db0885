import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { batch } from './batch.js';
import { abortListeners, flush, gate } from '../testing/helpers.js';

describe('batch', () => {
  it('starts the next batch only when the slowest item of the current one has finished', async () => {
    const gates = Array.from({ length: 5 }, () => gate());
    const started: number[] = [];
    const done = batch(
      [0, 1, 2, 3, 4],
      async (i) => {
        started.push(i);
        await gates[i]!.promise;
        return i * 10;
      },
      { size: 2 },
    );
    await flush();
    assert.deepEqual(started, [0, 1]);
    gates[1]!.open();
    await flush();
    // A sliding window would start item 2 here; a fixed batch waits for item 0.
    assert.deepEqual(started, [0, 1]);
    gates[0]!.open();
    await flush();
    assert.deepEqual(started, [0, 1, 2, 3]);
    gates[2]!.open();
    gates[3]!.open();
    await flush();
    // The last batch is shorter than `size`: no item is lost to the remainder.
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    gates[4]!.open();
    assert.deepEqual(await done, [0, 10, 20, 30, 40]);
  });

  it('passes item, index and signal, and accepts iterables and async iterables', async () => {
    async function* letters(): AsyncGenerator<string> {
      yield* ['a', 'b', 'c'];
    }
    assert.deepEqual(await batch(letters(), async (x, i) => `${i}${x}`, { size: 2 }), ['0a', '1b', '2c']);
    assert.deepEqual(await batch(new Set([1, 2, 3]), (x, _i, s) => s.aborted || x, { size: 5 }), [1, 2, 3]);
  });

  it('rejects at the first failure, aborts the running items and starts no further batch', async () => {
    const error = new Error('boom');
    const hold = gate();
    const started: number[] = [];
    let signal: AbortSignal | undefined;
    const done = batch(
      [0, 1, 2, 3],
      async (i, _index, s) => {
        started.push(i);
        signal = s;
        if (i === 1) throw error;
        await hold.promise;
        return i;
      },
      { size: 2 },
    );
    await assert.rejects(done, error);
    assert.equal(signal!.reason, error);
    hold.open();
    await flush();
    assert.deepEqual(started, [0, 1]);
  });

  it("rejects with the caller's reason when aborted, leaving no listener; and at once when already aborted", async () => {
    const controller = new AbortController();
    const hold = gate();
    const done = batch([1, 2, 3], () => hold.promise, { size: 2, signal: controller.signal });
    controller.abort('enough');
    await assert.rejects(done, (r) => r === 'enough');
    assert.equal(abortListeners(controller.signal), 0);
    let calls = 0;
    await assert.rejects(
      batch([1], () => calls++, { size: 1, signal: controller.signal }),
      (r) => r === 'enough',
    );
    assert.equal(calls, 0);
    hold.open();
  });

  it('reports a bad size as a rejected promise quoting it', async () => {
    await assert.rejects(
      batch([1], (x) => x, { size: 0 }),
      {
        name: 'RangeError',
        message: 'batch: expected `size` to be an integer from 1 and up, got `0` (number)',
      },
    );
    await assert.rejects(
      batch([1], (x) => x, { size: Infinity }),
      { name: 'RangeError' },
    );
  });

  it('infers the result type', () => {
    expectTypeOf(batch([1], async (x) => x > 0, { size: 1 })).toEqualTypeOf<Promise<boolean[]>>();
  });
});
