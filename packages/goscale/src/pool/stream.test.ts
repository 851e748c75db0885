import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { stream, type StreamIterator } from './stream.js';
import { flush, gate } from '../testing/helpers.js';
import { abortListeners as listeners } from '../testing/helpers.js';

/** An async source that records pulls and whether it was closed. */
function source(n: number) {
  const log = { pulled: 0, returned: 0 };
  async function* gen(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        log.pulled++;
        yield i;
      }
    } finally {
      log.returned++;
    }
  }
  return { iterable: gen(), log };
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('stream', () => {
  it('yields results in input order even when they finish out of order', async () => {
    const gates = Array.from({ length: 5 }, () => gate());
    const results = collect(
      stream(
        [0, 1, 2, 3, 4],
        async (i) => {
          await gates[i]!.promise;
          return i * 2;
        },
        { concurrency: 5 },
      ),
    );
    for (const g of [...gates].reverse()) g.open();
    assert.deepEqual(await results, [0, 2, 4, 6, 8]);
    assert.deepEqual(await collect(stream(new Set(['a', 'b']), (x, i) => `${i}${x}`, { concurrency: 1 })), [
      '0a',
      '1b',
    ]);
    assert.deepEqual(await collect(stream([], (x) => x, { concurrency: 3 })), []);
  });

  it('pulls and starts nothing until the consumer asks', async () => {
    const { iterable, log } = source(3);
    let calls = 0;
    const s = stream(iterable, (x) => (calls++, x), { concurrency: 2 });
    await flush();
    assert.equal(log.pulled, 0);
    assert.equal(calls, 0);
    assert.deepEqual(await s.next(), { done: false, value: 0 });
  });

  it('keeps running mappers plus unconsumed results within concurrency', async () => {
    let started = 0;
    const s = stream(
      Array.from({ length: 10 }, (_, i) => i),
      async (i) => {
        started++;
        return i;
      },
      { concurrency: 3 },
    );
    assert.deepEqual(await s.next(), { done: false, value: 0 });
    await flush();
    // One result taken; three slots then filled and finished, and nothing more starts while the consumer rests.
    assert.equal(started, 4);
    assert.deepEqual(await s.next(), { done: false, value: 1 });
    await flush();
    assert.equal(started, 5);
    assert.deepEqual(await collect(s), [2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('leaving the loop early aborts running mappers and closes the input, without waiting for them', async () => {
    const { iterable, log } = source(100);
    const hold = gate();
    const signals: AbortSignal[] = [];
    const s = stream(
      iterable,
      async (i, _index, signal) => {
        signals.push(signal);
        if (i > 0) await hold.promise;
        return i;
      },
      { concurrency: 3 },
    );
    for await (const x of s) {
      assert.equal(x, 0);
      break;
    }
    assert.equal(signals[0]!.aborted, true);
    assert.equal(signals[0]!.reason.name, 'AbortError');
    await flush();
    assert.equal(log.returned, 1);
    assert.ok(log.pulled <= 3);
    assert.deepEqual(await s.next(), { done: true, value: undefined });
    hold.open();
  });

  it('surfaces the first failure at the next next(), then is done', async () => {
    const error = new Error('bad item');
    const hold = gate();
    const s = stream(
      [0, 1, 2],
      async (i) => {
        if (i === 1) throw error;
        await hold.promise;
        return i;
      },
      { concurrency: 3 },
    );
    await assert.rejects(s.next(), error);
    assert.deepEqual(await s.next(), { done: true, value: undefined });
    hold.open();
  });

  it("rejects a pending next() with the caller's reason when its signal aborts, leaving no listener", async () => {
    const controller = new AbortController();
    const { iterable, log } = source(5);
    const hold = gate();
    let mapperSignal: AbortSignal | undefined;
    const s = stream(
      iterable,
      async (_x, _i, signal) => {
        mapperSignal = signal;
        await hold.promise;
      },
      { concurrency: 1, signal: controller.signal },
    );
    const pending = s.next();
    await flush();
    assert.equal(listeners(controller.signal), 1);
    controller.abort('stop');
    await assert.rejects(pending, (r) => r === 'stop');
    assert.equal(mapperSignal!.reason, 'stop');
    assert.equal(listeners(controller.signal), 0);
    await flush();
    assert.equal(log.returned, 1);
    hold.open();
  });

  it('rejects the first next() for an already-aborted signal, pulling nothing', async () => {
    const { iterable, log } = source(5);
    const s = stream(iterable, (x) => x, { concurrency: 1, signal: AbortSignal.abort('early') });
    await assert.rejects(s.next(), (r) => r === 'early');
    assert.equal(log.pulled, 0);
    assert.deepEqual(await s.next(), { done: true, value: undefined });
  });

  it('throws misuse at once, quoting the bad value', () => {
    assert.throws(() => stream([1], (x) => x, { concurrency: 0 }), {
      name: 'RangeError',
      message:
        'stream: expected `concurrency` to be an integer from 1 and up (or Infinity), got `0` (number)',
    });
    assert.throws(() => stream(null as unknown as number[], (x) => x, { concurrency: 1 }), {
      name: 'TypeError',
    });
  });

  it('leaves no listener behind after 100,000 streams left early', async () => {
    const shared = new AbortController();
    for (let i = 0; i < 100_000; i++) {
      const s = stream([1, 2, 3], (x) => x, { concurrency: 2, signal: shared.signal });
      await s.next();
      await s.return();
    }
    assert.equal(listeners(shared.signal), 0);
  });

  it('has the shape of an async iterable iterator of the results', () => {
    const s = stream([1], async (x) => String(x), { concurrency: 1 });
    expectTypeOf(s).toEqualTypeOf<StreamIterator<string>>();
    expectTypeOf(s).toExtend<AsyncIterable<string>>();
    expectTypeOf(s.next()).toEqualTypeOf<Promise<IteratorResult<string, undefined>>>();
  });
});
