import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import fc from 'fast-check';
import { limit, limitFunction, type LimitFunction, type LimitedFunction } from './limit.js';
import { flush, gate, isSettled, type Gate } from '../testing/helpers.js';

/** Tracks how many tasks run at once. */
function tracker() {
  const t = {
    running: 0,
    peak: 0,
    enter(): void {
      t.running++;
      t.peak = Math.max(t.peak, t.running);
    },
    leave(): void {
      t.running--;
    },
  };
  return t;
}

// Ported from p-limit 7's test.js; its wall-clock windows are replaced by gates and exact counts.
describe('limit (p-limit compatibility)', () => {
  it('concurrency: 1 runs one task at a time and keeps each result with its call', async () => {
    const l = limit(1);
    const t = tracker();
    const gates = [gate(), gate(), gate()];
    const calls = [10, 20, 30].map((value, i) =>
      l(async () => {
        t.enter();
        await gates[i]!.promise;
        t.leave();
        return value;
      }),
    );
    for (const g of gates.reverse()) g.open();
    assert.deepEqual(await Promise.all(calls), [10, 20, 30]);
    assert.equal(t.peak, 1);
  });

  it('concurrency: 5 never runs more than 5 of 100 tasks, and does reach 5', async () => {
    const l = limit(5);
    const t = tracker();
    const input = Array.from({ length: 100 }, (_, i) =>
      l(async () => {
        t.enter();
        // A different number of ticks per task, so tasks finish out of order.
        for (let k = 0; k < (i * 7) % 13; k++) await Promise.resolve();
        t.leave();
      }),
    );
    await Promise.all(input);
    assert.equal(t.peak, 5);
  });

  it('propagates the async execution context to tasks that start later', async () => {
    const l = limit(2);
    const store = new AsyncLocalStorage<{ id: number }>();
    const seen: (number | undefined)[] = [];
    const checkId = async (id: number): Promise<void> => {
      await Promise.resolve();
      seen[id] = store.getStore()?.id;
    };
    await Promise.all(Array.from({ length: 100 }, (_, id) => store.run({ id }, () => l(checkId, id))));
    assert.deepEqual(
      seen,
      Array.from({ length: 100 }, (_, id) => id),
    );
  });

  it('accepts a function that returns a plain value', async () => {
    const l = limit(1);
    assert.equal(await l(() => null), null);
  });

  it('continues after a synchronous throw', async () => {
    const l = limit(1);
    let ran = false;
    const error = new Error('err');
    const first = l(() => {
      throw error;
    });
    const second = l(() => {
      ran = true;
    });
    await assert.rejects(first, error);
    await second;
    assert.equal(ran, true);
    assert.equal(l.activeCount, 0);
  });

  it('passes additional arguments through to the function', async () => {
    const l = limit(1);
    const symbol = Symbol('test');
    assert.equal(await l((a: symbol, b: number) => [a, b] as const, symbol, 2).then((r) => r[0]), symbol);
    const count = (...args: unknown[]): number => args.length;
    assert.deepEqual(
      await Promise.all([l(count), l(count, undefined), l(count, 1, 2, 3), l(count, [1, 2])]),
      [0, 1, 3, 1],
    );
    assert.deepEqual(await l((x: number[]) => x, [1, 2]), [1, 2]);
  });

  it('counts a limited provider helper as active and pending synchronously', async () => {
    const l = limit(1);
    const shared = { values: [] as string[] };
    const runWithContext = (fn: (ctx: typeof shared, v: string) => Promise<number>, v: string) =>
      l(fn, shared, v);
    const addValue = async (ctx: typeof shared, value: string): Promise<number> => {
      ctx.values.push(value);
      await flush();
      return ctx.values.length;
    };
    const first = runWithContext(addValue, 'first');
    const second = runWithContext(addValue, 'second');
    assert.equal(l.activeCount, 1);
    assert.equal(l.pendingCount, 1);
    assert.deepEqual(await Promise.all([first, second]), [1, 2]);
    assert.deepEqual(shared.values, ['first', 'second']);
  });

  it('does not ignore errors', async () => {
    const l = limit(1);
    const error = new Error('🦄');
    const gates = [gate(), gate(), gate()];
    const calls = [
      l(() => gates[0]!.promise),
      l(async () => {
        await gates[1]!.promise;
        throw error;
      }),
      l(() => gates[2]!.promise),
    ];
    for (const g of gates) g.open();
    await assert.rejects(Promise.all(calls), error);
  });

  it('runs every task asynchronously, never inside the call', async () => {
    const l = limit(3);
    let value = 1;
    const one = l(() => 1);
    const two = l(() => value);
    assert.equal(l.activeCount, 2);
    value = 2;
    assert.deepEqual(await Promise.all([one, two]), [1, 2]);
  });

  it('reports activeCount and pendingCount exactly', async () => {
    const l = limit(5);
    assert.equal(l.activeCount, 0);
    assert.equal(l.pendingCount, 0);
    const g = gate();
    const first = l(() => g.promise);
    assert.equal(l.activeCount, 1);
    assert.equal(l.pendingCount, 0);
    g.open();
    await first;
    assert.equal(l.activeCount, 0);
    assert.equal(l.pendingCount, 0);

    const gates: Gate[] = Array.from({ length: 8 }, () => gate());
    const immediate = gates.slice(0, 5).map((x) => l(() => x.promise));
    const delayed = gates.slice(5).map((x) => l(() => x.promise));
    assert.equal(l.activeCount, 5);
    assert.equal(l.pendingCount, 3);
    for (const x of gates.slice(0, 5)) x.open();
    await Promise.all(immediate);
    assert.equal(l.activeCount, 3);
    assert.equal(l.pendingCount, 0);
    for (const x of gates.slice(5)) x.open();
    await Promise.all(delayed);
    assert.equal(l.activeCount, 0);
    assert.equal(l.pendingCount, 0);
  });

  it('clearQueue discards waiting calls and leaves them pending', async () => {
    const l = limit(1);
    const g = gate();
    const running = l(() => g.promise);
    const waiting = Array.from({ length: 3 }, () => l(() => 'never'));
    assert.equal(l.pendingCount, 3);
    l.clearQueue();
    assert.equal(l.pendingCount, 0);
    assert.equal(l.activeCount, 1);
    g.open();
    await running;
    assert.equal(l.activeCount, 0);
    for (const w of waiting) assert.equal(await isSettled(w), false);
  });

  it('clearQueue rejects waiting calls with an AbortError when rejectOnClear is set', async () => {
    const l = limit({ concurrency: 1, rejectOnClear: true });
    const g = gate();
    let ran = 0;
    const running = l(() => g.promise);
    const one = l(() => ran++);
    const two = l(() => ran++);
    assert.equal(l.pendingCount, 2);
    l.clearQueue();
    assert.equal(l.pendingCount, 0);
    await assert.rejects(one, { name: 'AbortError' });
    await assert.rejects(two, { name: 'AbortError' });
    g.open();
    await running;
    assert.equal(ran, 0);
    assert.equal(l.activeCount, 0);
  });

  it('clearQueue keeps the calls already admitted: they still run and keep activeCount right', async () => {
    const l = limit(1);
    const g = gate();
    const ran: string[] = [];
    const first = l(() => g.promise);
    const admitted = l(() => ran.push('admitted'));
    const cleared = l(() => ran.push('cleared'));
    await flush();
    assert.equal(l.pendingCount, 2);
    l.concurrency = 2;
    // p-limit 7 admits the calls a raise allows one microtask later.
    assert.equal(l.activeCount, 1);
    await Promise.resolve();
    assert.equal(l.activeCount, 2);
    assert.equal(l.pendingCount, 1);
    l.clearQueue();
    assert.equal(l.activeCount, 2);
    assert.equal(l.pendingCount, 0);
    await admitted;
    assert.deepEqual(ran, ['admitted']);
    assert.equal(await isSettled(cleared), false);
    g.open();
    await first;
    assert.equal(l.activeCount, 0);
    // The limiter keeps working after a clear.
    assert.equal(await l(() => 'after'), 'after');
  });

  it('keeps call order across many waiting calls and clears, at concurrency 1', async () => {
    const l = limit({ concurrency: 1, rejectOnClear: true });
    const order: number[] = [];
    const calls = Array.from({ length: 200 }, (_, i) => l(async () => void order.push(i)));
    await Promise.all(calls);
    assert.deepEqual(
      order,
      Array.from({ length: 200 }, (_, i) => i),
    );
    const g = gate();
    const blocked = l(() => g.promise);
    const dropped = Array.from({ length: 100 }, () => l(() => order.push(-1)));
    l.clearQueue();
    const later = Array.from({ length: 100 }, (_, i) => l(async () => void order.push(1000 + i)));
    g.open();
    await blocked;
    for (const d of dropped) await assert.rejects(d, { name: 'AbortError' });
    await Promise.all(later);
    assert.deepEqual(
      order.slice(200),
      Array.from({ length: 100 }, (_, i) => 1000 + i),
    );
  });

  it('clearQueue rejects the waiting tasks of limit.map, and the counts converge', async () => {
    const l = limit({ concurrency: 1, rejectOnClear: true });
    const g = gate();
    let firstCompleted = false;
    const mapped = l.map([1, 2, 3], async (value) => {
      if (value === 1) {
        await g.promise;
        firstCompleted = true;
      }
      return value;
    });
    await flush();
    assert.equal(l.activeCount, 1);
    assert.equal(l.pendingCount, 2);
    l.clearQueue();
    assert.equal(l.pendingCount, 0);
    assert.equal(l.activeCount, 1);
    await assert.rejects(mapped, { name: 'AbortError' });
    assert.equal(firstCompleted, false);
    g.open();
    await flush();
    assert.equal(firstCompleted, true);
    assert.equal(l.activeCount, 0);
  });

  it('map resolves in input order, passes the index, and works detached from the limiter', async () => {
    const l = limit(1);
    assert.deepEqual(await l.map([1, 2, 3, 4, 5, 6, 7], (x) => x + 1), [2, 3, 4, 5, 6, 7, 8]);
    const { map } = l;
    const t = tracker();
    const mapper = async (x: number): Promise<number> => {
      t.enter();
      await flush();
      t.leave();
      return x * 2;
    };
    assert.deepEqual(await Promise.all([l(mapper, 1), map([2, 3], mapper)]), [2, [4, 6]]);
    assert.equal(t.peak, 1);

    const l3 = limit(3);
    const gates = Array.from({ length: 5 }, () => gate());
    const results = l3.map([10, 10, 10, 10, 10], async (value, index) => {
      await gates[index]!.promise;
      return value + index;
    });
    for (const g of [...gates].reverse()) g.open();
    assert.deepEqual(await results, [10, 11, 12, 13, 14]);
  });

  it('map accepts any iterable (a Set, an array iterator)', async () => {
    const l = limit(2);
    assert.deepEqual(await l.map(new Set([1, 2, 3, 4]), (x) => x * 2), [2, 4, 6, 8]);
    assert.deepEqual(await l.map([1, 2, 3, 4].values(), (x) => x * 2), [2, 4, 6, 8]);
  });

  it('map rejects with the error of a throwing iterable; the calls already made still run', async () => {
    const l = limit(1);
    const error = new Error('iterable boom');
    let ran = 0;
    function* items(): Generator<number> {
      yield 1;
      yield 2;
      throw error;
    }
    await assert.rejects(
      l.map(items(), async () => {
        ran++;
        throw new Error('mapper failure must not go unhandled');
      }),
      error,
    );
    await flush();
    assert.equal(ran, 2);
  });

  it('throws a TypeError quoting an invalid concurrency or rejectOnClear', () => {
    for (const bad of [0, -1, 1.2, undefined, true, NaN, '2']) {
      assert.throws(() => limit(bad as number), {
        name: 'TypeError',
        message: /^limit: expected `concurrency` to be a number from 1 and up, got `/,
      });
    }
    assert.throws(() => limit(0), {
      message: 'limit: expected `concurrency` to be a number from 1 and up, got `0` (number)',
    });
    assert.throws(() => limit({ concurrency: 1, rejectOnClear: 'yes' as unknown as boolean }), {
      name: 'TypeError',
      message: 'limit: expected `rejectOnClear` to be a boolean, got `"yes"` (string)',
    });
    const l = limit(Infinity);
    assert.throws(() => (l.concurrency = 0), { name: 'TypeError' });
    assert.equal(l.concurrency, Infinity);
  });

  it('rejects a call whose fn is not a function, without taking a slot', async () => {
    const l = limit(1);
    const bad = l(42 as unknown as () => void);
    assert.equal(l.activeCount, 0);
    await assert.rejects(bad, {
      name: 'TypeError',
      message: 'limit: expected `fn` to be a function, got `42` (number)',
    });
  });

  for (const [from, to, log] of [
    [4, 2, [1, 2, 3, 4, 2, 2, 2, 2, 2, 2]],
    [2, 4, [1, 2, 3, 4, 4, 4, 4, 4, 4, 4]],
  ] as const) {
    it(`changing concurrency from ${from} to ${to} takes effect for the waiting calls`, async () => {
      const l = limit(from);
      let running = 0;
      const seen: number[] = [];
      const gates = Array.from({ length: 10 }, () => gate());
      const calls = gates.map((g) =>
        l(async () => {
          seen.push(++running);
          await g.promise;
          running--;
        }),
      );
      await flush();
      assert.equal(running, from);
      l.concurrency = to;
      // As in p-limit 7, raising the limit admits waiting calls one microtask later, not inside the assignment.
      assert.equal(l.activeCount, from);
      await Promise.resolve();
      assert.equal(l.activeCount, Math.max(from, to));
      for (const g of gates) {
        g.open();
        await flush();
      }
      await Promise.all(calls);
      assert.deepEqual(seen, log);
    });
  }

  it('limitFunction limits one function and exposes its queue', async () => {
    const t = tracker();
    const gates = Array.from({ length: 20 }, () => gate());
    const limited = limitFunction(
      async (i: number) => {
        t.enter();
        await gates[i]!.promise;
        t.leave();
        return i;
      },
      { concurrency: 5 },
    );
    const calls = gates.map((_, i) => limited(i));
    assert.equal(limited.activeCount, 5);
    assert.equal(limited.pendingCount, 15);
    for (const g of gates) g.open();
    assert.deepEqual(
      await Promise.all(calls),
      gates.map((_, i) => i),
    );
    assert.equal(t.peak, 5);

    const once = limitFunction(() => gates[0]!.promise, { concurrency: 1, rejectOnClear: true });
    void once();
    const cleared = once();
    once.clearQueue();
    await assert.rejects(cleared, { name: 'AbortError' });
  });
});

describe('limit (model)', () => {
  it('starts waiting calls in call order and never exceeds the limit, for any finishing order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 100 }),
        async (s, concurrency, n) => {
          const l = limit(concurrency);
          const t = tracker();
          const started: number[] = [];
          const calls = Array.from({ length: n }, (_, i) =>
            l(async () => {
              t.enter();
              started.push(i);
              assert.ok(l.activeCount <= concurrency);
              await s.schedule(Promise.resolve(), `task ${i}`);
              t.leave();
              return i;
            }),
          );
          const all = Promise.all(calls);
          await s.waitFor(all);
          assert.deepEqual(
            await all,
            started.slice().sort((a, b) => a - b),
          );
          assert.deepEqual(
            started,
            Array.from({ length: n }, (_, i) => i),
          );
          assert.equal(t.peak, Math.min(concurrency, n));
          assert.equal(l.activeCount, 0);
          assert.equal(l.pendingCount, 0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('limit types', () => {
  it('infers argument and result types as p-limit does', () => {
    const l = limit(1);
    expectTypeOf(l).toEqualTypeOf<LimitFunction>();
    expectTypeOf(l((a: string) => a.length, 'x')).toEqualTypeOf<Promise<number>>();
    expectTypeOf(l(async (a: string, b: number) => `${a}${b}`, 'x', 1)).toEqualTypeOf<Promise<string>>();
    expectTypeOf(l.map([1, 2], (x) => String(x))).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(l.activeCount).toEqualTypeOf<number>();
    expectTypeOf(l.clearQueue()).toEqualTypeOf<void>();
    const f = limitFunction(async (a: number) => a > 0, { concurrency: 2 });
    expectTypeOf(f).toEqualTypeOf<LimitedFunction<[a: number], boolean>>();
    expectTypeOf(f(1)).toEqualTypeOf<Promise<boolean>>();
    // @ts-expect-error wrong argument type
    void l((a: string) => a, 1);
  });
});
