import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Limiter } from './limiter.js';
import { fakeTime, flush } from './testing/fake-time.js';
import { abortListeners } from '../testing/helpers.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** Starts `wait(n)` now and records the fake time at which it resolves (or the error it rejects with). */
function track(lim: Limiter, now: () => number, n = 1, signal?: AbortSignal) {
  const out: { at?: number; error?: unknown } = {};
  lim.wait(n, { signal }).then(
    () => (out.at = now()),
    (error: unknown) => (out.error = error),
  );
  return out;
}

function assertClose(actual: number, expected: number, message?: string): void {
  assert.ok(Math.abs(actual - expected) < 1e-9, `${message ?? 'tokens'}: ${actual}; want ${expected}`);
}

describe('Limiter', () => {
  describe('the bucket', () => {
    it('starts full and lets exactly burst events through at once', () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 3, now: time.now });
      assert.equal(lim.tokens, 3);
      assert.deepEqual([lim.allow(), lim.allow(), lim.allow(), lim.allow()], [true, true, true, false]);
      assert.equal(lim.tokens, 0);
    });

    it('refills lazily at the rate, fractionally, up to the burst and no further', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 2, now: time.now });
      assert.equal(lim.allow(2), true);
      const table: [ms: number, want: number][] = [
        [50, 0.5],
        [100, 1.5],
        [50, 2],
        [1_000, 2],
      ];
      for (const [ms, want] of table) {
        await time.jump(time.now() + ms);
        assert.equal(lim.tokens, want, `tokens after +${ms} ms = ${lim.tokens}; want ${want}`);
      }
    });

    it('takes n tokens at once with allow(n) and leaves them when short', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 4, burst: 4, now: time.now });
      assert.equal(lim.allow(3), true);
      assert.equal(lim.allow(2), false);
      assert.equal(lim.tokens, 1);
      await time.jump(250);
      assert.equal(lim.allow(2), true);
      assert.equal(lim.tokens, 0);
    });

    it('allows fractional rates below one per second', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 0.5, burst: 1, now: time.now });
      const got = [track(lim, time.now), track(lim, time.now), track(lim, time.now)];
      await time.advance(4_000);
      assert.deepEqual(
        got.map((g) => g.at),
        [0, 2_000, 4_000],
      );
    });

    it('with rate Infinity lets everything through, ignoring the burst', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: Infinity, burst: 0, now: time.now });
      assert.equal(lim.allow(1_000), true);
      assert.deepEqual(lim.reserve(5), { ok: true, delayMs: 0, cancel: lim.reserve(5).cancel });
      await lim.wait(1_000_000);
      assert.equal(lim.tokens, Infinity);
    });

    it('with rate 0 allows only what is in the bucket, and a wait waits for setRate without a timer', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 0, burst: 2, now: time.now });
      assert.equal(lim.allow(2), true);
      await time.jump(1_000_000);
      assert.equal(lim.allow(), false);
      assert.equal(lim.reserve().ok, false);
      const base = timers();
      const w = track(lim, time.now);
      assert.equal(timers(), base, 'no timer while nothing can refill');
      await time.jump(2_000_000);
      assert.equal(w.at, undefined);
      lim.setRate(10);
      await time.advance(100);
      assert.equal(w.at, 2_000_100);
    });
  });

  describe('wait', () => {
    it('grants waiters one by one at exact times as tokens arrive', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 1, now: time.now });
      const got = Array.from({ length: 4 }, () => track(lim, time.now));
      await time.advance(300);
      assert.deepEqual(
        got.map((g) => g.at),
        [0, 100, 200, 300],
      );
      assert.equal(lim.pending, 0);
    });

    it('does not let a small later wait overtake a large earlier one', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 5, now: time.now });
      assert.equal(lim.allow(5), true);
      const big = track(lim, time.now, 5);
      const small = track(lim, time.now, 1);
      await time.advance(100);
      assert.equal(lim.tokens, 1);
      assert.equal(small.at, undefined, 'the 1 token there is owed to the wait(5) ahead');
      assert.equal(lim.allow(), false, 'allow does not barge either');
      await time.advance(500);
      assert.equal(big.at, 500);
      assert.equal(small.at, 600);
    });

    it('serves every waiter whose tokens are there in one go, in call order', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 4, now: time.now });
      lim.allow(4);
      const order: number[] = [];
      const all = [1, 2, 1].map((n, i) => lim.wait(n).then(() => order.push(i)));
      await time.jump(400);
      await Promise.all(all);
      assert.deepEqual(order, [0, 1, 2]);
      assert.equal(lim.tokens, 0);
    });

    it('rejects at once for an already-aborted signal, even with tokens there, taking none', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 2, now: time.now });
      await assert.rejects(lim.wait(1, { signal: AbortSignal.abort('early') }), (e) => e === 'early');
      assert.equal(lim.tokens, 2);
    });

    it('rejects an aborted wait with signal.reason, removes its listener, and lets the ones behind move up', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 5, now: time.now });
      lim.allow(5);
      const ac = new AbortController();
      const big = track(lim, time.now, 5, ac.signal);
      const small = track(lim, time.now, 1);
      assert.equal(abortListeners(ac.signal), 1);
      await time.advance(100);
      const why = new Error('gone');
      ac.abort(why);
      await flush();
      assert.equal(big.error, why);
      assert.equal(small.at, 100, 'the wait(1) behind goes as soon as the wait(5) has left');
      assert.equal(abortListeners(ac.signal), 0);
      assert.equal(lim.tokens, 0);
      assert.equal(lim.pending, 0);
    });

    it('never serves a wait whose signal aborted, even when an earlier wait on the same signal freed its turn', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 2, now: time.now });
      lim.allow(1);
      const ac = new AbortController();
      // The first listener to run unlinks `big`, which would let `small` (its token is there) be served before its
      // own listener has run.
      const big = track(lim, time.now, 2, ac.signal);
      const small = track(lim, time.now, 1, ac.signal);
      const other = track(lim, time.now, 1);
      const why = new Error('both gone');
      ac.abort(why);
      await flush();
      assert.equal(big.error, why);
      assert.equal(small.error, why, 'the second wait on the aborted signal rejects too');
      assert.equal(small.at, undefined);
      assert.equal(other.at, 0, 'the wait without a signal gets the token the aborted ones left');
      assert.equal(lim.tokens, 0);
      assert.equal(lim.pending, 0);
      assert.equal(abortListeners(ac.signal), 0);
    });

    it('removes its abort listener when it is granted', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 1, now: time.now });
      const ac = new AbortController();
      await lim.wait(1, { signal: ac.signal });
      const w = track(lim, time.now, 1, ac.signal);
      await time.advance(100);
      assert.equal(w.at, 100);
      assert.equal(abortListeners(ac.signal), 0);
    });

    it('keeps one timer however many wait, and none once nobody waits', async () => {
      const lim = new Limiter({ rate: 1, burst: 1 });
      lim.allow();
      const base = timers();
      const ac = new AbortController();
      const waits = Array.from({ length: 1_000 }, () =>
        lim.wait(1, { signal: ac.signal }).catch(() => 'aborted'),
      );
      assert.equal(timers(), base + 1);
      ac.abort();
      assert.deepEqual(new Set(await Promise.all(waits)), new Set(['aborted']));
      assert.equal(timers(), base);
    });

    it('rejects wait(n) beyond the burst with a RangeError naming both', async () => {
      const lim = new Limiter({ rate: 10, burst: 3 });
      await assert.rejects(lim.wait(4), {
        name: 'RangeError',
        message: 'limiter: wait(4) exceeds burst (3)',
      });
      assert.equal(lim.tokens, 3);
    });

    it('reports bad arguments as rejected promises quoting them', async () => {
      const lim = new Limiter({ rate: 10, burst: 3 });
      const table: [args: Parameters<Limiter['wait']>, name: string, message: RegExp][] = [
        [[1.5], 'RangeError', /`n` to be an integer from 0 and up, got `1.5` \(number\)/],
        [[-1], 'RangeError', /got `-1`/],
        [['2' as unknown as number], 'TypeError', /got `"2"` \(string\)/],
        [[1, { signal: {} as AbortSignal }], 'TypeError', /`signal` to be an AbortSignal/],
      ];
      for (const [args, name, message] of table) {
        const p = lim.wait(...args);
        assert.ok(p instanceof Promise);
        await assert.rejects(p, { name, message });
      }
    });

    it('serves a wait due past 2^31 − 1 ms exactly then, on one timer, however slow the rate', async () => {
      using time = fakeTime();
      const interval = 2 ** 32; // ms per token: exact in floating point
      const lim = new Limiter({ rate: 1000 / interval, burst: 1, now: time.now });
      lim.allow();
      const base = timers();
      const w = track(lim, time.now);
      assert.equal(timers(), base, 'mocked: no real timer');
      await time.jump(1);
      await time.jump(interval - 1);
      assert.equal(w.at, undefined, 'served early');
      await time.jump(interval);
      assert.equal(w.at, interval);
      assert.equal(lim.pending, 0);
    });

    it('holds one real timer for a wait due past 2^31 − 1 ms, and none once it is aborted', async () => {
      const lim = new Limiter({ rate: 1e-9, burst: 1 });
      lim.allow();
      const base = timers();
      const ac = new AbortController();
      const p = lim.wait(1, { signal: ac.signal });
      assert.equal(timers(), base + 1);
      ac.abort();
      await assert.rejects(p);
      assert.equal(timers(), base);
    });

    it('keeps the process alive only while it waits (real timers, default clock)', async () => {
      const lim = new Limiter({ rate: 1_000, burst: 1 });
      const base = timers();
      await lim.wait();
      const second = lim.wait();
      assert.equal(timers(), base + 1);
      await second;
      assert.equal(timers(), base);
    });
  });

  describe('reserve', () => {
    it('always gives ok within the burst, with a delay that grows with the tokens owed', () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 2, now: time.now });
      const delays = Array.from({ length: 5 }, () => lim.reserve());
      assert.deepEqual(
        delays.map((r) => [r.ok, r.delayMs]),
        [
          [true, 0],
          [true, 0],
          [true, 100],
          [true, 200],
          [true, 300],
        ],
      );
      assert.deepEqual(
        [lim.reserve(3).ok, lim.reserve(3).delayMs],
        [false, Infinity],
        'n > burst is never ok',
      );
    });

    it('queues in FIFO order with waits: a wait after a reservation goes after its time', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 1, now: time.now });
      const first = track(lim, time.now);
      const r = lim.reserve();
      const after = track(lim, time.now);
      assert.equal(r.delayMs, 100);
      await time.advance(200);
      assert.deepEqual([first.at, after.at], [0, 200]);
    });

    it('cancel before its time removes the claim, so the waits behind it move up', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 1, now: time.now });
      lim.allow();
      const r = lim.reserve();
      const w = track(lim, time.now);
      await time.advance(50);
      r.cancel();
      r.cancel();
      await time.advance(50);
      assert.equal(w.at, 100, 'served at the reservation’s time, as if it had never been made');
      assert.equal(lim.tokens, 0);
    });

    it('cancel at the instant it was granted puts the tokens back; after that it does nothing', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 2, now: time.now });
      const now = lim.reserve(2);
      now.cancel();
      assert.equal(lim.tokens, 2);
      const later = lim.reserve(2);
      await time.jump(10);
      later.cancel();
      assert.equal(lim.tokens, 0.1);
    });

    it('cancel after a queued reservation’s time does nothing: its tokens were spent', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 1, now: time.now });
      lim.allow();
      const r = lim.reserve();
      await time.jump(150);
      r.cancel();
      assert.equal(lim.tokens, 0.5);
    });

    it('a queued reservation holds no timer: only waits keep the process alive', () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 1, burst: 1, now: time.now });
      lim.allow();
      const base = timers();
      lim.reserve();
      assert.equal(timers(), base);
    });

    it('throws on a bad n, quoting it', () => {
      const lim = new Limiter({ rate: 10, burst: 3 });
      assert.throws(() => lim.reserve(0.5), { name: 'RangeError', message: /got `0.5` \(number\)/ });
      assert.throws(() => lim.allow(Number.NaN), { name: 'TypeError', message: /got `NaN` \(number\)/ });
    });
  });

  describe('setRate and setBurst', () => {
    it('re-plans queued waiters at the new rate from the tokens already there', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 1, burst: 1, now: time.now });
      lim.allow();
      const w = track(lim, time.now);
      await time.advance(200);
      lim.setRate(10);
      assert.equal(lim.tokens, 0.2);
      await time.advance(80);
      assert.equal(w.at, 280);
    });

    it('setRate(Infinity) serves every waiter at once; going back to a finite rate starts full', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 1, burst: 2, now: time.now });
      lim.allow(2);
      const got = [track(lim, time.now, 2), track(lim, time.now, 1)];
      lim.setRate(Infinity);
      await flush();
      assert.deepEqual(
        got.map((g) => g.at),
        [0, 0],
      );
      lim.setRate(1);
      assert.equal(lim.tokens, 2);
    });

    it('setBurst lower drops tokens above it and rejects waiters that can no longer fit', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 5, now: time.now });
      lim.allow(2);
      const big = track(lim, time.now, 5);
      const small = track(lim, time.now, 1);
      lim.setBurst(2);
      await flush();
      assert.ok(big.error instanceof RangeError);
      assert.equal(big.error.message, 'limiter: wait(5) exceeds burst (2)');
      assert.equal(small.at, 0, 'with the wait(5) gone, the wait(1) fits at once');
      assert.equal(lim.tokens, 1);
      assert.equal(lim.burst, 2);
    });

    it('setBurst higher adds no tokens; they fill up at the rate', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 1, now: time.now });
      lim.setBurst(3);
      assert.equal(lim.tokens, 1);
      await time.jump(500);
      assert.equal(lim.tokens, 3);
    });

    it('honours a reservation made before the rate was lowered, and the waiters after it pay the debt', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 1, now: time.now });
      lim.allow();
      const r = lim.reserve();
      assert.equal(r.delayMs, 100);
      lim.setRate(1);
      const w = track(lim, time.now);
      await time.advance(100);
      assert.equal(lim.tokens, -0.9, 'the reservation took its token at 100 ms though only 0.1 had come');
      await time.advance(1_900);
      assert.equal(w.at, 2_000);
    });

    it('keeps the plan a reservation was made from: a wait ahead of it is not squeezed against it by a lower rate', async () => {
      using time = fakeTime();
      const lim = new Limiter({ rate: 10, burst: 1, now: time.now });
      lim.allow();
      const ahead = track(lim, time.now); // planned for 100 ms
      const r = lim.reserve();
      assert.equal(r.delayMs, 200, 'planned on the wait ahead taking its token at 100 ms');
      await time.advance(50);
      // Re-planned at 2/s the wait ahead would go at 300 ms: after the reservation (breaking FIFO), or, one rate
      // later, right beside it (two tokens in a few ms at burst 1).
      lim.setRate(2);
      const behind = track(lim, time.now);
      await time.advance(50);
      assert.equal(ahead.at, 100, 'served at its planned time, into debt (0.6 tokens had come)');
      assertClose(lim.tokens, -0.4);
      await time.advance(100);
      assertClose(lim.tokens, -1.2, 'the reservation took its token at 200 ms');
      await time.advance(1_099);
      assert.equal(behind.at, undefined);
      await time.advance(1);
      assert.equal(
        behind.at,
        1_300,
        'the wait behind pays the debt at the new rate: 2.2 tokens at 2/s after 200 ms',
      );
    });

    it('throws on bad values, quoting them, and changes nothing', () => {
      const lim = new Limiter({ rate: 10, burst: 3 });
      assert.throws(() => lim.setRate(-1), { name: 'RangeError', message: /`rate` .* got `-1` \(number\)/ });
      assert.throws(() => lim.setRate(Number.NaN), { name: 'RangeError', message: /got `NaN`/ });
      assert.throws(() => lim.setBurst(2.5), { name: 'RangeError', message: /`burst` .* got `2.5`/ });
      assert.deepEqual([lim.rate, lim.burst], [10, 3]);
    });
  });

  describe('constructor', () => {
    it('rejects bad options with errors quoting the value', () => {
      const table: [options: unknown, name: string, message: RegExp][] = [
        [undefined, 'TypeError', /options \{ rate, burst \}, got `undefined`/],
        [{ rate: '5', burst: 1 }, 'TypeError', /`rate` .* got `"5"` \(string\)/],
        [{ rate: -0.5, burst: 1 }, 'RangeError', /`rate` .* got `-0.5`/],
        [{ rate: 1 }, 'TypeError', /`burst` to be a number, got `undefined`/],
        [{ rate: 1, burst: -1 }, 'RangeError', /`burst` to be an integer from 0 and up, got `-1`/],
        [{ rate: 1, burst: 1, now: 5 }, 'TypeError', /`now` to be a function, got `5` \(number\)/],
      ];
      for (const [options, name, message] of table) {
        assert.throws(() => new Limiter(options as never), { name, message }, JSON.stringify(options));
      }
    });
  });
});
