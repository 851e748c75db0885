import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { noop } from '../internal/noop.js';
import { forEach, map } from './map.js';
import { flush, gate, isSettled, type Gate } from '../testing/helpers.js';
import { abortListeners as listeners } from '../testing/helpers.js';

/** An iterable that records what was pulled and whether it was closed. */
function recorded<T>(items: readonly T[]) {
  const log = { pulled: 0, returned: 0, opened: 0 };
  const iterable: Iterable<T> = {
    [Symbol.iterator]() {
      log.opened++;
      let i = 0;
      return {
        next: () =>
          i < items.length
            ? (log.pulled++, { done: false, value: items[i++]! })
            : { done: true, value: undefined },
        return: () => {
          log.returned++;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { iterable, log };
}

let unhandled = 0;
const onUnhandled = (): void => {
  unhandled++;
};
before(() => process.on('unhandledRejection', onUnhandled));
after(() => {
  process.off('unhandledRejection', onUnhandled);
  assert.equal(unhandled, 0, 'no rejection may go unhandled');
});

describe('map', () => {
  it('returns results in input order for arrays, iterables and async iterables', async () => {
    const slowFirst = async (x: number): Promise<number> => {
      for (let k = 0; k < 5 - x; k++) await Promise.resolve();
      return x * 10;
    };
    async function* gen(): AsyncGenerator<number> {
      yield* [1, 2, 3, 4];
    }
    assert.deepEqual(await map([1, 2, 3, 4], slowFirst, { concurrency: 3 }), [10, 20, 30, 40]);
    assert.deepEqual(await map(new Set([1, 2, 3, 4]), slowFirst, { concurrency: 2 }), [10, 20, 30, 40]);
    assert.deepEqual(await map(gen(), slowFirst, { concurrency: 4 }), [10, 20, 30, 40]);
    assert.deepEqual(await map([], slowFirst, { concurrency: 1 }), []);
    assert.deepEqual(await map([1, 2, 3], (x, i) => x + i, { concurrency: 2 }), [1, 3, 5]);
  });

  it('starts the next item as soon as any running one finishes (a sliding window)', async () => {
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    const done = map(
      [0, 1, 2],
      async (i) => {
        started.push(i);
        await gates[i]!.promise;
        return i;
      },
      { concurrency: 2 },
    );
    await flush();
    assert.deepEqual(started, [0, 1]);
    gates[1]!.open();
    await flush();
    // Item 0 still runs: a fixed batch would not have started item 2 yet.
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]!.open();
    gates[2]!.open();
    assert.deepEqual(await done, [0, 1, 2]);
  });

  it('never pulls an item from the input before a slot is free for it', async () => {
    const { iterable, log } = recorded([0, 1, 2, 3, 4]);
    const gates = Array.from({ length: 5 }, () => gate());
    const done = map(iterable, (i) => gates[i]!.promise, { concurrency: 2 });
    assert.equal(log.pulled, 2);
    gates[0]!.open();
    await flush();
    assert.equal(log.pulled, 3);
    for (const g of gates) g.open();
    await done;
    assert.equal(log.pulled, 5);
    assert.equal(log.returned, 0, 'an input read to the end is not closed again');
  });

  it('keeps at most one next() of an async iterator pending', async () => {
    let pending = 0;
    let peak = 0;
    let i = 0;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          peak = Math.max(peak, ++pending);
          await flush();
          pending--;
          return i < 6 ? { done: false, value: i++ } : { done: true, value: undefined };
        },
      }),
    };
    assert.deepEqual(await map(source, async (x) => x, { concurrency: 4 }), [0, 1, 2, 3, 4, 5]);
    assert.equal(peak, 1);
  });

  it('with stopOnError rejects at the first failure without waiting for running mappers', async () => {
    const { iterable, log } = recorded([0, 1, 2, 3]);
    const error = new Error('boom');
    const hold = gate();
    const signals: AbortSignal[] = [];
    const started: number[] = [];
    const done = map(
      iterable,
      async (i, _index, signal) => {
        started.push(i);
        signals.push(signal);
        if (i === 1) throw error;
        await hold.promise;
        throw new Error('late failure of a mapper that was aborted');
      },
      { concurrency: 2 },
    );
    await assert.rejects(done, error);
    assert.deepEqual(started, [0, 1]);
    assert.equal(signals[0]!.aborted, true);
    assert.equal(signals[0]!.reason, error);
    assert.equal(log.returned, 1);
    hold.open();
    await flush();
    assert.deepEqual(started, [0, 1], 'nothing starts after the failure');
  });

  it('without stopOnError runs every item and reports failures in input order', async () => {
    const gates = Array.from({ length: 5 }, () => gate());
    const ran: number[] = [];
    const done = map(
      [0, 1, 2, 3, 4],
      async (i) => {
        await gates[i]!.promise;
        ran.push(i);
        if (i % 2 === 1) throw new Error(`item ${i}`);
        return i;
      },
      { concurrency: 5, stopOnError: false },
    );
    const outcome = done.then(
      () => assert.fail('must reject'),
      (e: unknown) => e,
    );
    // Finish in reverse, so completion order differs from input order.
    for (const g of [...gates].reverse()) {
      g.open();
      await flush();
    }
    const error = await outcome;
    assert.ok(error instanceof AggregateError);
    assert.deepEqual(
      error.errors.map((e: Error) => e.message),
      ['item 1', 'item 3'],
    );
    assert.equal(error.message, '2 of 5 items failed');
    assert.deepEqual(ran, [4, 3, 2, 1, 0]);
  });

  it("rejects with the caller's reason at once when its signal aborts, and aborts the running mappers", async () => {
    const controller = new AbortController();
    const { iterable, log } = recorded([0, 1, 2]);
    const hold = gate();
    let mapperSignal: AbortSignal | undefined;
    const done = map(
      iterable,
      async (_x, _i, signal) => {
        mapperSignal = signal;
        await hold.promise;
      },
      { concurrency: 1, signal: controller.signal },
    );
    assert.equal(listeners(controller.signal), 1);
    const why = new Error('caller gave up');
    controller.abort(why);
    await assert.rejects(done, why);
    assert.equal(mapperSignal!.reason, why);
    assert.equal(listeners(controller.signal), 0);
    assert.equal(log.returned, 1);
    hold.open();
  });

  it('rejects at once for an already-aborted signal, pulling nothing', async () => {
    const { iterable, log } = recorded([1]);
    let called = 0;
    await assert.rejects(
      map(iterable, () => called++, { concurrency: 1, signal: AbortSignal.abort('no') }),
      (reason) => reason === 'no',
    );
    assert.deepEqual(log, { pulled: 0, returned: 0, opened: 0 });
    assert.equal(called, 0);
  });

  it('rejects with the error of an input that throws, whatever stopOnError says', async () => {
    const error = new Error('source');
    function* items(): Generator<number> {
      yield 1;
      throw error;
    }
    await assert.rejects(
      map(items(), (x) => x, { concurrency: 2, stopOnError: false }),
      error,
    );
    async function* asyncItems(): AsyncGenerator<number> {
      yield 1;
      throw error;
    }
    await assert.rejects(
      map(asyncItems(), async (x) => x, { concurrency: 2 }),
      error,
    );
  });

  it('runs a synchronous mapper inline and reports its throw', async () => {
    assert.deepEqual(await map([1, 2, 3], (x) => x * 2, { concurrency: 1 }), [2, 4, 6]);
    const error = new Error('sync');
    let calls = 0;
    await assert.rejects(
      map(
        [1, 2, 3],
        () => {
          calls++;
          throw error;
        },
        { concurrency: Infinity },
      ),
      error,
    );
    assert.equal(calls, 1);
  });

  it('reports misuse as a rejected promise quoting the bad value', async () => {
    await assert.rejects(map([1], noop, { concurrency: 0 }), {
      name: 'RangeError',
      message: 'map: expected `concurrency` to be an integer from 1 and up (or Infinity), got `0` (number)',
    });
    await assert.rejects(map([1], noop, { concurrency: 1.5 }), { name: 'RangeError' });
    await assert.rejects(map([1], noop, { concurrency: '2' as unknown as number }), { name: 'TypeError' });
    await assert.rejects(map(42 as unknown as number[], noop, { concurrency: 1 }), {
      name: 'TypeError',
      message: 'map: expected `input` to be an array, an iterable or an async iterable, got `42` (number)',
    });
    await assert.rejects(map([1], 'f' as unknown as () => void, { concurrency: 1 }), { name: 'TypeError' });
    await assert.rejects(map([1], noop, undefined as unknown as { concurrency: number }), {
      name: 'TypeError',
    });
    await assert.rejects(map([1], noop, { concurrency: 1, signal: {} as AbortSignal }), {
      name: 'TypeError',
    });
  });

  it('leaves no listener behind after 100,000 runs stopped by a failure or an abort', async () => {
    const shared = new AbortController();
    // One reason object for all: building 100,000 stack traces would be most of the time spent here.
    const reason = new Error('stop');
    const fail = (): Promise<never> => Promise.reject(reason);
    const hold = gate();
    let left = 0;
    for (let i = 0; i < 50_000; i++) {
      await map([1, 2], fail, { concurrency: 2, signal: shared.signal }).catch(() => {});
      const controller = new AbortController();
      const done = map([1, 2], () => hold.promise, { concurrency: 1, signal: controller.signal });
      controller.abort(reason);
      await done.catch(() => {});
      left += listeners(controller.signal);
    }
    assert.equal(listeners(shared.signal), 0);
    assert.equal(left, 0);
    hold.open();
  });
});

describe('forEach', () => {
  it('runs every item with the same window and resolves with undefined', async () => {
    const seen: number[] = [];
    const g: Gate = gate();
    const done = forEach(
      [1, 2, 3],
      async (x) => {
        seen.push(x);
        await g.promise;
      },
      { concurrency: 2 },
    );
    await flush();
    assert.deepEqual(seen, [1, 2]);
    assert.equal(await isSettled(done), false);
    g.open();
    assert.equal(await done, undefined);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('rejects at the first failure, as map does', async () => {
    const error = new Error('nope');
    await assert.rejects(
      forEach(
        [1, 2],
        async (x) => {
          if (x === 2) throw error;
        },
        { concurrency: 1 },
      ),
      error,
    );
  });
});

describe('map types', () => {
  it('infers the result type from the mapper', () => {
    expectTypeOf(map([1, 2], async (x) => String(x), { concurrency: 1 })).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(map(new Set(['a']), (x, i, s) => [x, i, s] as const, { concurrency: 1 })).toEqualTypeOf<
      Promise<(readonly [string, number, AbortSignal])[]>
    >();
    expectTypeOf(forEach([1], () => {}, { concurrency: 1 })).toEqualTypeOf<Promise<void>>();
    // @ts-expect-error concurrency is required
    const _missing = (): unknown => map([1], (x) => x, {});
  });
});
