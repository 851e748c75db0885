import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import type { Release } from './release.js';
import { RWMutex } from './rwmutex.js';
import { abortListeners as listeners, flush } from '../testing/helpers.js';

/** Starts a wait and records whether it was granted. */
function track(wait: Promise<Release>): {
  granted: () => boolean;
  release: () => void;
  settled: Promise<unknown>;
} {
  let release: Release | undefined;
  const settled = wait.then(
    (r) => (release = r),
    () => undefined,
  );
  return { granted: () => release !== undefined, release: () => release!(), settled };
}

describe('RWMutex', () => {
  it('lets readers share and keeps a writer out until they all leave', async () => {
    const rw = new RWMutex();
    const r1 = await rw.rlock();
    const r2 = await rw.rlock();
    assert.equal(rw.tryLock(), undefined);
    const w = track(rw.lock());
    r1();
    await flush();
    assert.equal(w.granted(), false);
    r2();
    await flush();
    assert.equal(w.granted(), true);
    assert.equal(rw.tryRLock(), undefined);
    w.release();
    rw.tryLock()!();
  });

  it('blocks new readers behind a waiting writer, so writers do not starve', async () => {
    const rw = new RWMutex();
    const r1 = await rw.rlock();
    const w = track(rw.lock());
    const r2 = track(rw.rlock());
    assert.equal(rw.tryRLock(), undefined, 'a waiting writer blocks tryRLock too');
    await flush();
    assert.equal(r2.granted(), false);
    r1();
    await flush();
    assert.equal(w.granted(), true);
    assert.equal(r2.granted(), false);
    w.release();
    await flush();
    assert.equal(r2.granted(), true);
  });

  it('lets all readers queued behind a writer in together when it leaves', async () => {
    const rw = new RWMutex();
    const w = await rw.lock();
    const readers = [track(rw.rlock()), track(rw.rlock()), track(rw.rlock())];
    await flush();
    assert.ok(readers.every((r) => !r.granted()));
    w();
    await flush();
    assert.ok(readers.every((r) => r.granted()));
  });

  it('keeps readers queued behind a second writer in line (FIFO across kinds)', async () => {
    const rw = new RWMutex();
    const w1 = await rw.lock();
    const r1 = track(rw.rlock());
    const w2 = track(rw.lock());
    const r2 = track(rw.rlock());
    w1();
    await flush();
    assert.deepEqual([r1.granted(), w2.granted(), r2.granted()], [true, false, false]);
    r1.release();
    await flush();
    assert.deepEqual([w2.granted(), r2.granted()], [true, false]);
    w2.release();
    await flush();
    assert.equal(r2.granted(), true);
  });

  it('lets the readers behind an aborted head writer in at once', async () => {
    const rw = new RWMutex();
    const r0 = await rw.rlock();
    const controller = new AbortController();
    const w = rw.lock({ signal: controller.signal });
    const readers = [track(rw.rlock()), track(rw.rlock())];
    await flush();
    assert.ok(readers.every((r) => !r.granted()));
    controller.abort('cancelled');
    await assert.rejects(w, (error) => error === 'cancelled');
    await flush();
    assert.ok(readers.every((r) => r.granted()));
    assert.equal(listeners(controller.signal), 0);
    r0();
    for (const r of readers) r.release();
    rw.tryLock()!();
  });

  it('grants nothing to waiters whose signal is aborting when an earlier abort listener unlocks', async () => {
    const rw = new RWMutex();
    const w = rw.tryLock()!;
    const controller = new AbortController();
    controller.signal.addEventListener('abort', () => w(), { once: true });
    const waits = [rw.rlock({ signal: controller.signal }), rw.lock({ signal: controller.signal })];
    controller.abort('stop');
    for (const wait of waits) await assert.rejects(wait, (error) => error === 'stop');
    assert.equal(listeners(controller.signal), 0);
    rw.tryLock()!();
  });

  it('throws on a second release of a read or write hold', async () => {
    const rw = new RWMutex();
    const r = await rw.rlock();
    const r2 = rw.tryRLock()!;
    r();
    assert.throws(() => r(), { name: 'RangeError', message: /rwmutex: release called twice/ });
    assert.equal(rw.tryLock(), undefined, 'the other reader still holds');
    r2();
    const w = rw.tryLock()!;
    w();
    assert.throws(() => w[Symbol.dispose](), RangeError);
  });

  it('releases at the end of `using` blocks', async () => {
    const rw = new RWMutex();
    {
      using _r = await rw.rlock();
      assert.equal(rw.tryLock(), undefined);
    }
    {
      using _w = await rw.lock();
      assert.equal(rw.tryRLock(), undefined);
    }
    rw.tryLock()!();
  });

  it('rejects already-aborted signals even when free, taking nothing', async () => {
    const rw = new RWMutex();
    const signal = AbortSignal.abort('x');
    for (const wait of [
      rw.rlock({ signal }),
      rw.lock({ signal }),
      rw.withRLock(() => 1, { signal }),
      rw.withLock(() => 1, { signal }),
    ]) {
      await assert.rejects(wait, (error) => error === 'x');
    }
    rw.tryLock()!();
  });

  it('runs withRLock sections together and withLock sections alone, passing results and errors on', async () => {
    const rw = new RWMutex();
    let inside = 0;
    let most = 0;
    const read = async (): Promise<number> => {
      most = Math.max(most, ++inside);
      await flush();
      inside--;
      return 1;
    };
    const results = await Promise.all([rw.withRLock(read), rw.withRLock(read), rw.withRLock(read)]);
    assert.deepEqual(results, [1, 1, 1]);
    assert.equal(most, 3);
    most = 0;
    await Promise.all([rw.withLock(read), rw.withLock(read)]);
    assert.equal(most, 1);
    const boom = new Error('boom');
    await assert.rejects(
      rw.withLock(() => {
        throw boom;
      }),
      (error) => error === boom,
    );
    await assert.rejects(rw.withRLock(7 as unknown as () => void), {
      name: 'TypeError',
      message: /`7` \(number\)/,
    });
    rw.tryLock()!();
  });

  it('leaves no listener or queue entry after 100,000 aborted waits', async () => {
    const rw = new RWMutex();
    const w = rw.tryLock()!;
    let rejected = 0;
    // 100 signals of 1,000 waits each: Node's abort() is slow (~20 µs) and its EventTarget scans listeners on add.
    for (let round = 0; round < 100; round++) {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const options = { signal: controller.signal };
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < 1_000; i++) {
        const kind = i % 4;
        const wait =
          kind === 0
            ? rw.rlock(options)
            : kind === 1
              ? rw.lock(options)
              : kind === 2
                ? rw.withRLock(() => 0, options)
                : rw.withLock(() => 0, options);
        waits.push(wait.catch(() => rejected++));
      }
      controller.abort();
      assert.equal(listeners(controller.signal), 0);
      await Promise.all(waits);
    }
    assert.equal(rejected, 100_000);
    w();
    rw.tryLock()!();
  });
});
