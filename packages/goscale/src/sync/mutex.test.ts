import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import { Mutex } from './mutex.js';
import type { Release } from './release.js';
import { abortListeners as listeners, flush, gate } from '../testing/helpers.js';

describe('Mutex', () => {
  it('is free at first and taken by lock()', async () => {
    const mu = new Mutex();
    assert.equal(mu.locked, false);
    const release = await mu.lock();
    assert.equal(mu.locked, true);
    release();
    assert.equal(mu.locked, false);
  });

  it('grants waiters in arrival order, one at a time', async () => {
    const mu = new Mutex();
    const first = mu.tryLock()!;
    const order: number[] = [];
    const held: Release[] = [];
    for (let i = 0; i < 5; i++) void mu.lock().then((r) => (order.push(i), held.push(r)));
    await flush();
    assert.deepEqual(order, []);
    first();
    for (let i = 0; i < 5; i++) {
      await flush();
      assert.deepEqual(order, [0, 1, 2, 3, 4].slice(0, i + 1));
      held[i]!();
    }
    assert.equal(mu.locked, false);
  });

  it('hands the lock to the next waiter directly, so tryLock cannot barge in', async () => {
    const mu = new Mutex();
    const first = mu.tryLock()!;
    const next = mu.lock();
    first();
    assert.equal(mu.locked, true);
    assert.equal(mu.tryLock(), undefined);
    (await next)();
    assert.equal(mu.locked, false);
  });

  it('throws on a second release and leaves the next holder alone', async () => {
    const mu = new Mutex();
    const first = await mu.lock();
    const second = mu.lock();
    first();
    assert.throws(() => first(), { name: 'RangeError', message: /mutex: release called twice/ });
    assert.throws(() => first[Symbol.dispose](), RangeError);
    assert.equal(mu.locked, true);
    (await second)();
    assert.equal(mu.locked, false);
  });

  it('releases at the end of a `using` block', async () => {
    const mu = new Mutex();
    {
      using _release = await mu.lock();
      assert.equal(mu.locked, true);
    }
    assert.equal(mu.locked, false);
  });

  it('rejects an aborted wait with signal.reason and leaves the queue and lock as they were', async () => {
    const mu = new Mutex();
    const first = mu.tryLock()!;
    const controller = new AbortController();
    const aborted = mu.lock({ signal: controller.signal });
    const later = mu.lock();
    assert.equal(listeners(controller.signal), 1);
    const reason = new Error('stop');
    controller.abort(reason);
    await assert.rejects(aborted, (error) => error === reason);
    assert.equal(listeners(controller.signal), 0);
    first();
    (await later)();
    assert.equal(mu.locked, false);
  });

  it('does not hand the lock to a waiter whose signal is aborting when an earlier abort listener unlocks', async () => {
    const mu = new Mutex();
    const first = mu.tryLock()!;
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => first(), { once: true });
    const waits = [
      mu.lock({ signal: controller.signal }),
      mu.withLock(() => 1, { signal: controller.signal }),
    ];
    controller.abort('stop');
    for (const wait of waits) await assert.rejects(wait, (error) => error === 'stop');
    assert.equal(mu.locked, false);
    assert.equal(listeners(controller.signal), 0);
  });

  it('rejects an already-aborted signal even when the lock is free, taking nothing', async () => {
    const mu = new Mutex();
    await assert.rejects(mu.lock({ signal: AbortSignal.abort('late') }), (error) => error === 'late');
    await assert.rejects(
      mu.withLock(() => 1, { signal: AbortSignal.abort('late') }),
      (error) => error === 'late',
    );
    assert.equal(mu.locked, false);
  });

  it('removes its abort listener when the wait succeeds', async () => {
    const mu = new Mutex();
    const controller = new AbortController();
    const first = await mu.lock({ signal: controller.signal });
    assert.equal(listeners(controller.signal), 0);
    const second = mu.lock({ signal: controller.signal });
    assert.equal(listeners(controller.signal), 1);
    first();
    (await second)();
    assert.equal(listeners(controller.signal), 0);
    controller.abort();
    assert.equal(mu.locked, false);
  });

  it('reports a bad signal option as a rejected TypeError quoting it', async () => {
    const mu = new Mutex();
    const bad = { signal: 'nope' } as unknown as { signal: AbortSignal };
    await assert.rejects(mu.lock(bad), { name: 'TypeError', message: /`"nope"` \(string\)/ });
    await assert.rejects(
      mu.withLock(() => 1, bad),
      TypeError,
    );
    assert.equal(mu.locked, false);
  });

  describe('withLock', () => {
    it('returns what fn returns and releases afterwards', async () => {
      const mu = new Mutex();
      assert.equal(await mu.withLock(() => 7), 7);
      assert.equal(await mu.withLock(async () => 'x'), 'x');
      assert.equal(mu.locked, false);
    });

    it('releases when fn throws or rejects, passing the error on', async () => {
      const mu = new Mutex();
      const boom = new Error('boom');
      await assert.rejects(
        mu.withLock(() => {
          throw boom;
        }),
        (error) => error === boom,
      );
      assert.equal(mu.locked, false);
      await assert.rejects(
        mu.withLock(() => Promise.reject(boom)),
        (error) => error === boom,
      );
      assert.equal(mu.locked, false);
    });

    it('rejects a non-function with a TypeError and takes nothing', async () => {
      const mu = new Mutex();
      await assert.rejects(mu.withLock(42 as unknown as () => void), {
        name: 'TypeError',
        message: 'mutex: expected `fn` to be a function, got `42` (number)',
      });
      assert.equal(mu.locked, false);
    });

    it('keeps critical sections apart and runs them in call order', async () => {
      const mu = new Mutex();
      const held = gate();
      const log: string[] = [];
      const a = mu.withLock(async () => {
        log.push('a in');
        await held.promise;
        log.push('a out');
      });
      const b = mu.withLock(() => void log.push('b'));
      await flush();
      assert.deepEqual(log, ['a in']);
      held.open();
      await Promise.all([a, b]);
      assert.deepEqual(log, ['a in', 'a out', 'b']);
    });

    it('passes on what a queued fn returns, throws or rejects with, releasing after each', async () => {
      const mu = new Mutex();
      const first = mu.tryLock()!;
      const boom = new Error('boom');
      // A bare thenable, not a Promise: what `await` accepts, withLock accepts.
      const thenable = { then: (ok: (v: string) => void) => ok('t') } as unknown as PromiseLike<string>;
      const calls = [
        mu.withLock(() => 1),
        mu.withLock(async () => 2),
        mu.withLock(() => thenable),
        mu.withLock(() => {
          throw boom;
        }),
        mu.withLock(() => Promise.reject(boom)),
        mu.withLock(() => null),
      ];
      first();
      const outcomes = await Promise.allSettled(calls);
      assert.deepEqual(outcomes, [
        { status: 'fulfilled', value: 1 },
        { status: 'fulfilled', value: 2 },
        { status: 'fulfilled', value: 't' },
        { status: 'rejected', reason: boom },
        { status: 'rejected', reason: boom },
        { status: 'fulfilled', value: null },
      ]);
      assert.equal(mu.locked, false);
    });

    it('runs a queued fn after the release that hands it the lock has returned, not inside it', async () => {
      const mu = new Mutex();
      const first = mu.tryLock()!;
      const log: string[] = [];
      const p = mu.withLock(() => void log.push('fn'));
      first();
      log.push('released');
      assert.equal(mu.locked, true);
      await p;
      assert.deepEqual(log, ['released', 'fn']);
      assert.equal(mu.locked, false);
    });

    it('runs 100,000 queued synchronous sections in call order without growing the stack', async () => {
      const mu = new Mutex();
      const first = mu.tryLock()!;
      const order: number[] = [];
      const all = Array.from({ length: 100_000 }, (_, i) => mu.withLock(() => order.push(i)));
      first();
      await Promise.all(all);
      assert.equal(order.length, 100_000);
      assert.ok(order.every((v, i) => v === i));
      assert.equal(mu.locked, false);
    });

    it('removes its abort listener once a queued call is handed the lock', async () => {
      const mu = new Mutex();
      const first = mu.tryLock()!;
      const controller = new AbortController();
      const p = mu.withLock(() => listeners(controller.signal), { signal: controller.signal });
      assert.equal(listeners(controller.signal), 1);
      first();
      assert.equal(await p, 0);
      controller.abort();
      assert.equal(mu.locked, false);
    });

    it('stops waiting when aborted before its turn; fn never runs', async () => {
      const mu = new Mutex();
      const first = mu.tryLock()!;
      const controller = new AbortController();
      let ran = false;
      const p = mu.withLock(() => (ran = true), { signal: controller.signal });
      controller.abort();
      await assert.rejects(p, { name: 'AbortError' });
      first();
      await flush();
      assert.equal(ran, false);
      assert.equal(mu.locked, false);
      assert.equal(listeners(controller.signal), 0);
    });
  });

  it('leaves no listener, timer or queue entry after 100,000 aborted waits', async () => {
    const mu = new Mutex();
    const first = mu.tryLock()!;
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const timersBefore = timers();
    // 100 signals of 1,000 waits each: Node's abort() is slow (~20 µs) and its EventTarget scans listeners on add.
    let rejected = 0;
    for (let round = 0; round < 100; round++) {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const options = { signal: controller.signal };
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < 1_000; i++) {
        const wait = i % 2 === 0 ? mu.lock(options) : mu.withLock(() => 0, options);
        waits.push(wait.catch(() => rejected++));
      }
      assert.equal(listeners(controller.signal), 1_000);
      controller.abort();
      assert.equal(listeners(controller.signal), 0);
      await Promise.all(waits);
    }
    assert.equal(rejected, 100_000);
    assert.equal(timers(), timersBefore);
    // With the queue empty, releasing frees the lock instead of handing it on.
    first();
    assert.equal(mu.locked, false);
  });
});
