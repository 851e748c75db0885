import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import { Limiter, type LimiterOptions, type Reservation } from './index.js';
import { abortListeners } from '../testing/helpers.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('Limiter (leaks)', () => {
  it('leaves no listener, timer, queue entry or token behind after 100,000 aborted waits', async () => {
    let t = 0;
    const lim = new Limiter({ rate: 1, burst: 1, now: () => t });
    lim.allow();
    const base = timers();
    for (let i = 0; i < 100_000; i++) {
      const ac = new AbortController();
      const p = lim.wait(1, { signal: ac.signal });
      ac.abort(i);
      await assert.rejects(p, (e) => e === i);
      if (i % 10_000 === 0) assert.equal(abortListeners(ac.signal), 0);
    }
    assert.equal(lim.pending, 0);
    assert.equal(timers(), base);
    t = 1_000;
    assert.equal(lim.tokens, 1, 'the aborted waits took nothing; the one token that came is there');
  });

  // 10,000 rather than 100,000 here: Node's EventTarget checks for duplicates on every addEventListener, so one signal
  // with n listeners costs O(n²) in Node itself.
  it('leaves no listener on a long-lived signal after 10,000 waits queued behind one another and aborted together', async () => {
    const lim = new Limiter({ rate: 1, burst: 1, now: () => 0 });
    lim.allow();
    const base = timers();
    const ac = new AbortController();
    setMaxListeners(20_000, ac.signal);
    const waits = Array.from({ length: 10_000 }, () =>
      lim.wait(1, { signal: ac.signal }).catch(() => 'aborted'),
    );
    assert.equal(lim.pending, 10_000);
    assert.equal(timers(), base + 1, 'one timer for 10,000 waiters');
    ac.abort();
    assert.equal((await Promise.all(waits)).filter((r) => r === 'aborted').length, 10_000);
    assert.equal(lim.pending, 0);
    assert.equal(timers(), base);
    assert.equal(abortListeners(ac.signal), 0);
    assert.equal(lim.allow(), false, 'the bucket is still empty: nothing was given away');
  });

  it('leaves the queue empty after 100,000 reservations cancelled before their time', () => {
    let t = 0;
    const lim = new Limiter({ rate: 1, burst: 1, now: () => t });
    lim.allow();
    for (let i = 0; i < 100_000; i++) {
      const r = lim.reserve();
      assert.equal(r.delayMs, 1_000, 'each cancel gives its slot back to the next');
      r.cancel();
    }
    t = 1_000;
    assert.equal(lim.allow(), true, 'nothing queued: the token that came is free');
  });

  it('removes every listener from a shared signal once its waits are granted', async () => {
    const lim = new Limiter({ rate: Number.MAX_SAFE_INTEGER, burst: 1 });
    const ac = new AbortController();
    for (let i = 0; i < 1_000; i++) await lim.wait(1, { signal: ac.signal });
    assert.equal(abortListeners(ac.signal), 0);
  });
});

describe('Limiter (types)', () => {
  it('has the public shape it documents', () => {
    const lim = new Limiter({ rate: 10, burst: 5 });
    expectTypeOf<LimiterOptions>().toEqualTypeOf<{
      rate: number;
      burst: number;
      now?: (() => number) | undefined;
    }>();
    expectTypeOf<Reservation>().toEqualTypeOf<{
      readonly ok: boolean;
      readonly delayMs: number;
      cancel(): void;
    }>();
    expectTypeOf(lim.wait).parameters.toEqualTypeOf<
      [n?: number, options?: { signal?: AbortSignal | undefined }]
    >();
    expectTypeOf(lim.wait).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(lim.allow).toEqualTypeOf<(n?: number) => boolean>();
    expectTypeOf(lim.reserve).returns.toEqualTypeOf<Reservation>();
    expectTypeOf(lim.setRate).toEqualTypeOf<(rate: number) => void>();
    expectTypeOf(lim.setBurst).toEqualTypeOf<(burst: number) => void>();
    expectTypeOf(lim.tokens).toEqualTypeOf<number>();
    expectTypeOf(lim.rate).toEqualTypeOf<number>();
    // @ts-expect-error `burst` is required
    assert.throws(() => new Limiter({ rate: 1 }), TypeError);
    // @ts-expect-error `tokens` is read-only
    assert.throws(() => (lim.tokens = 3), TypeError);
  });
});
