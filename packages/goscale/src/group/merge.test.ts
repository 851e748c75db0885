import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import fc from 'fast-check';
import { merge } from './merge.js';
import { flush } from '../testing/helpers.js';

/** A source the test drives by hand: it counts next() calls in flight and answers them on request. */
function manual<T>(): {
  iterable: AsyncIterable<T>;
  stats: { pending: number; maxPending: number; returned: number };
  send: (value: T) => void;
  end: () => void;
  fail: (reason: unknown) => void;
} {
  const stats = { pending: 0, maxPending: 0, returned: 0 };
  const requests: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  const take = (): { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } => {
    const request = requests.shift();
    assert.ok(request, 'no next() is pending on this source');
    stats.pending--;
    return request;
  };
  const iterator: AsyncIterator<T> = {
    next: () => {
      stats.maxPending = Math.max(stats.maxPending, ++stats.pending);
      return new Promise((resolve, reject) => requests.push({ resolve, reject }));
    },
    return: async () => {
      stats.returned++;
      return { value: undefined, done: true };
    },
  };
  return {
    iterable: { [Symbol.asyncIterator]: () => iterator },
    stats,
    send: (value) => take().resolve({ value, done: false }),
    end: () => take().resolve({ value: undefined, done: true }),
    fail: (reason) => take().reject(reason),
  };
}

async function* from<T>(values: T[]): AsyncGenerator<T> {
  for (const v of values) yield v;
}

describe('merge', () => {
  it('yields every value of every source, each source in order, and ends when all have ended', async () => {
    const got: string[] = [];
    for await (const v of merge(from(['a1', 'a2', 'a3']), from(['b1']), from([]), from(['c1', 'c2'])))
      got.push(v);
    assert.deepEqual(
      [...got].sort(),
      ['a1', 'a2', 'a3', 'b1', 'c1', 'c2'].sort(),
      `got = ${got.join(',')}; want every value once`,
    );
    assert.deepEqual(
      got.filter((v) => v.startsWith('a')),
      ['a1', 'a2', 'a3'],
    );
  });

  it('ends at once with no sources', async () => {
    const it = merge<number>();
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  it('delivers values in the order they arrive, across sources', async () => {
    const a = manual<string>();
    const b = manual<string>();
    const it = merge(a.iterable, b.iterable);
    const first = it.next();
    await flush();
    b.send('b1');
    assert.deepEqual(await first, { value: 'b1', done: false });
    const second = it.next();
    await flush();
    a.send('a1');
    assert.deepEqual(await second, { value: 'a1', done: false });
    await it.return!();
  });

  it('keeps at most one next() pending per source and pulls only while the consumer waits', async () => {
    const a = manual<number>();
    const b = manual<number>();
    const it = merge(a.iterable, b.iterable);
    const first = it.next();
    await flush();
    assert.equal(a.stats.pending, 1);
    assert.equal(b.stats.pending, 1);
    a.send(1);
    assert.deepEqual(await first, { value: 1, done: false });
    await flush();
    // Nobody waits: a is not pulled again, b is still pending once.
    assert.equal(a.stats.pending, 0);
    b.send(2);
    await flush();
    assert.deepEqual(await it.next(), { value: 2, done: false });
    const third = it.next();
    await flush();
    assert.equal(a.stats.pending, 1);
    assert.equal(b.stats.pending, 1);
    a.end();
    b.send(3);
    assert.deepEqual(await third, { value: 3, done: false });
    const last = it.next();
    await flush();
    b.end();
    assert.deepEqual(await last, { value: undefined, done: true });
    assert.equal(a.stats.maxPending, 1);
    assert.equal(b.stats.maxPending, 1);
    assert.equal(a.stats.returned + b.stats.returned, 0);
  });

  it('serves concurrent next() calls in call order', async () => {
    const a = manual<number>();
    const it = merge(a.iterable);
    const calls = [it.next(), it.next(), it.next()];
    await flush();
    a.send(1);
    await flush();
    a.send(2);
    await flush();
    a.end();
    assert.deepEqual(await Promise.all(calls), [
      { value: 1, done: false },
      { value: 2, done: false },
      { value: undefined, done: true },
    ]);
  });

  it('calls return() on every source when the loop is left early, without waiting for a hung next()', async () => {
    const hung = manual<string>();
    let finallyRan = false;
    const idle = (async function* () {
      try {
        yield 'idle';
        yield 'never';
      } finally {
        finallyRan = true;
      }
    })();
    const got: string[] = [];
    // The hung source never answers; the loop still ends, and the idle generator's finally has run when it does.
    for await (const v of merge(hung.iterable, idle)) {
      got.push(v);
      break;
    }
    assert.deepEqual(got, ['idle']);
    assert.equal(hung.stats.returned, 1);
    assert.equal(finallyRan, true);
  });

  it('does not call return() on a source that has ended', async () => {
    const hung = manual<string>();
    const ended = manual<string>();
    const it = merge(hung.iterable, ended.iterable, from(['x']));
    assert.deepEqual(await it.next(), { value: 'x', done: false });
    ended.end();
    await flush();
    assert.deepEqual(await it.return!(), { value: undefined, done: true });
    assert.equal(hung.stats.returned, 1);
    assert.equal(ended.stats.returned, 0);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  it('ends with the error of a source that throws, after calling return() on the others', async () => {
    const hung = manual<number>();
    const failing = manual<number>();
    let closed = false;
    const idle = (async function* () {
      try {
        yield 0;
        yield 1;
      } finally {
        closed = true;
      }
    })();
    const it = merge(hung.iterable, failing.iterable, idle);
    assert.deepEqual(await it.next(), { value: 0, done: false });
    const boom = new Error('boom');
    failing.fail(boom);
    await flush();
    await assert.rejects(it.next(), (e) => {
      assert.equal(closed, true);
      return e === boom;
    });
    assert.equal(hung.stats.returned, 1);
    assert.equal(failing.stats.returned, 0);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  it('rejects a waiting next() with the error and reports it only once', async () => {
    const a = manual<number>();
    const b = manual<number>();
    const it = merge(a.iterable, b.iterable);
    const waiting = it.next();
    await flush();
    a.fail('bad');
    await assert.rejects(waiting, (e) => e === 'bad');
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    assert.deepEqual(await it.return!(), { value: undefined, done: true });
    assert.equal(b.stats.returned, 1);
  });

  it('rejects return() with a source error nobody received yet, so it is not lost', async () => {
    const a = manual<number>();
    const b = manual<number>();
    const it = merge(a.iterable, b.iterable);
    const first = it.next();
    await flush();
    a.send(1);
    await first;
    b.fail('lost?');
    await flush();
    await assert.rejects(it.return!(), (e) => e === 'lost?');
  });

  it('ends with the error when a source cannot make an iterator, closing those already made', async () => {
    const a = manual<number>();
    const broken: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => {
        throw new Error('no iterator');
      },
    };
    const it = merge(a.iterable, broken);
    await assert.rejects(it.next(), /no iterator/);
    assert.equal(a.stats.returned, 1);
  });

  it('leaves no unhandled rejection when a source rejects after the merge ended', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const a = manual<number>();
      const b = manual<number>();
      const it = merge(a.iterable, b.iterable);
      const first = it.next();
      await flush();
      a.send(1);
      await first;
      await it.return!();
      b.fail(new Error('late'));
      const c = manual<number>();
      const d = manual<number>();
      const it2 = merge(c.iterable, d.iterable);
      const second = it2.next();
      await flush();
      c.fail(new Error('first'));
      await assert.rejects(second);
      d.fail(new Error('second'));
      await flush();
      await flush();
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('throws at once on a source that is not async-iterable, quoting it', () => {
    assert.throws(() => merge(from([1]), [2] as unknown as AsyncIterable<number>), {
      name: 'TypeError',
      message: 'merge: expected source 1 to be an async iterable, got `2` (object)',
    });
    assert.throws(() => merge(null as unknown as AsyncIterable<number>), TypeError);
  });

  it('returns every value exactly once, one pending next() per source, under every interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ count: fc.nat(5), fails: fc.boolean() }), { maxLength: 5 }),
        fc.option(fc.nat(12), { nil: undefined }),
        async (s, specs, stopAfter) => {
          const finalized = specs.map(() => false);
          const maxPending = specs.map(() => 0);
          const errors = specs.map((_, i) => new Error(`source ${i}`));
          const sources = specs.map(({ count, fails }, i): AsyncIterable<[number, number]> => {
            const gen = (async function* () {
              try {
                for (let k = 0; k < count; k++) {
                  await s.schedule(Promise.resolve(), `source ${i} value ${k}`);
                  yield [i, k] as [number, number];
                }
                await s.schedule(Promise.resolve(), `source ${i} end`);
                if (fails) throw errors[i];
              } finally {
                finalized[i] = true;
              }
            })();
            let pending = 0;
            return {
              [Symbol.asyncIterator]: () => ({
                next: () => {
                  maxPending[i] = Math.max(maxPending[i]!, ++pending);
                  return gen.next().finally(() => pending--);
                },
                return: () => gen.return(undefined),
              }),
            };
          });
          const got: [number, number][] = [];
          const run = (async (): Promise<unknown> => {
            try {
              for await (const v of merge(...sources)) {
                got.push(v);
                if (got.length === stopAfter) break;
              }
              return undefined;
            } catch (error) {
              return error;
            }
          })();
          const outcome = await s.waitFor(run);
          await s.waitAll();
          // A generator told to return while its next() was pending finishes a few microtasks later.
          await flush();
          assert.ok(
            maxPending.every((m) => m <= 1),
            `maxPending = ${maxPending.join(',')}; want <= 1`,
          );
          assert.ok(finalized.every(Boolean), `finalized = ${finalized.join(',')}; want all`);
          specs.forEach((_, i) => {
            const mine = got.filter(([src]) => src === i).map(([, k]) => k);
            assert.deepEqual(
              mine,
              mine.map((_, k) => k),
            );
          });
          const total = specs.reduce((n, { count }) => n + count, 0);
          if (outcome !== undefined) {
            assert.ok(
              errors.includes(outcome as Error),
              `outcome = ${(outcome as Error).message}; want a source error`,
            );
          } else if (stopAfter !== undefined && stopAfter <= total && stopAfter > 0) {
            assert.equal(got.length, stopAfter);
          } else {
            assert.equal(
              specs.some((x) => x.fails),
              false,
            );
            assert.equal(got.length, total);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('has the documented types', () => {
    const numbers = from([1]);
    expectTypeOf(merge(numbers, numbers)).toEqualTypeOf<AsyncIterableIterator<number>>();
    expectTypeOf(merge<number | string>(numbers, from(['x']))).toEqualTypeOf<
      AsyncIterableIterator<number | string>
    >();
    expectTypeOf(merge(numbers, from(['x']))).toEqualTypeOf<AsyncIterableIterator<number | string>>();
    expectTypeOf(merge(numbers, from([true]), from([[1]]))).toEqualTypeOf<
      AsyncIterableIterator<number | boolean | number[]>
    >();
  });
});
