import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adaptive } from './adaptive.js';
import { Gradient2, gradient2 } from './gradient2.js';
import { kneeServer, limitAt, meanLimit, run, type Server } from './testing/model.js';
import type { LimitSample } from './types.js';

const N = 10_000;
const bounds = { initial: 20, min: 1, max: 1000 };

/** Runs `N` tasks against `server` from `initial`, and the same with a fixed `fixed` for reference. */
function compare(server: () => Server, initial: number, fixed: number) {
  const clock = { now: 0 };
  const limit = adaptive({ initial, now: () => clock.now });
  const result = run(limit, clock, server(), N);
  const fixedClock = { now: 0 };
  const reference = run(
    adaptive({ initial: fixed, min: fixed, max: fixed, now: () => fixedClock.now }),
    fixedClock,
    server(),
    N,
  );
  return { result, ratio: reference.endMs / result.endMs };
}

const db =
  (seed: number): (() => Server) =>
  () =>
    kneeServer({ knee: 16, baseMs: 10, seed });

describe('gradient2 against a server with a knee at 16 (virtual time)', () => {
  for (const seed of [1, 2, 3]) {
    it(`from 1, reaches at least 90% of a fixed 16's throughput and settles near the knee (seed ${seed})`, () => {
      const { result, ratio } = compare(db(seed), 1, 16);
      assert.ok(ratio >= 0.9, `throughput ratio = ${ratio.toFixed(3)}; want >= 0.9`);
      const settled = meanLimit(result.limits, result.endMs / 2, result.endMs);
      assert.ok(settled >= 15 && settled <= 20, `mean limit in the second half = ${settled.toFixed(1)}`);
      assert.equal(result.exceeded, false);
    });

    it(`from 200, cuts to 25 or less within 100 ms and reaches at least 88% (seed ${seed})`, () => {
      const { result, ratio } = compare(db(seed), 200, 16);
      assert.ok(limitAt(result.limits, 100) <= 25, `limit at 100 ms = ${limitAt(result.limits, 100)}`);
      assert.ok(ratio >= 0.88, `throughput ratio = ${ratio.toFixed(3)}; want >= 0.88`);
      const settled = meanLimit(result.limits, result.endMs / 2, result.endMs);
      assert.ok(settled >= 15 && settled <= 20, `mean limit in the second half = ${settled.toFixed(1)}`);
    });
  }

  it('follows the knee down within 1 s when capacity halves mid-run (16 -> 8 at 3 s)', () => {
    const clock = { now: 0 };
    const limit = adaptive({ now: () => clock.now });
    const result = run(limit, clock, kneeServer({ knee: (t) => (t < 3000 ? 16 : 8), baseMs: 10 }), 20_000);
    assert.ok(limitAt(result.limits, 2999) >= 14, `before: ${limitAt(result.limits, 2999)}`);
    const after = limitAt(result.limits, 4000);
    assert.ok(after <= 12, `limit 1 s after the halving = ${after}; want <= 12`);
    const settled = meanLimit(result.limits, 5000, result.endMs);
    assert.ok(settled >= 7 && settled <= 12, `mean limit after 5 s = ${settled.toFixed(1)}`);
  });

  it('grows back when capacity doubles again (8 -> 16 at 3 s), within 2 s', () => {
    const clock = { now: 0 };
    const limit = adaptive({ now: () => clock.now });
    const result = run(limit, clock, kneeServer({ knee: (t) => (t < 3000 ? 8 : 16), baseMs: 10 }), 20_000);
    assert.ok(limitAt(result.limits, 2999) <= 12, `before: ${limitAt(result.limits, 2999)}`);
    assert.ok(limitAt(result.limits, 5000) >= 15, `2 s after: ${limitAt(result.limits, 5000)}`);
  });
});

/** Feeds samples with a constant latency `rtt` at full load, as a saturated client of a flat server would. */
function feed(alg: Gradient2, count: number, rtt: number, at: { now: number }): void {
  for (let i = 0; i < count; i++) {
    const inFlight = Math.floor(alg.estimate);
    alg.update({ start: at.now, rtt, inFlight, overload: false });
    at.now += rtt / inFlight;
  }
}

describe('Gradient2 (the state machine)', () => {
  it('doubles each window in slow start while latency stays flat, up to max', () => {
    const alg = new Gradient2({ initial: 1, min: 1, max: 64 }, 20, () => 3, 0.2, 10_000, 0.5);
    const seen = [alg.estimate];
    const at = { now: 0 };
    for (let i = 0; i < 8; i++) {
      feed(alg, Math.max(8, Math.min(20, 2 * Math.ceil(alg.estimate))), 10, at);
      seen.push(alg.estimate);
    }
    assert.deepEqual(seen, [1, 2, 4, 8, 16, 32, 64, 64, 64]);
    assert.equal(alg.slowStart, true);
  });

  it('cuts at once on an overload, once per round trip', () => {
    const alg = new Gradient2(bounds, 20, () => 3, 0.2, 10_000, 0.5);
    const overload = (start: number, rtt: number): LimitSample => ({
      start,
      rtt,
      inFlight: 20,
      overload: true,
    });
    assert.equal(alg.update(overload(0, 5))?.estimate, 10);
    // Admitted before the cut (at 5): the same overload seen again.
    assert.equal(alg.update(overload(4, 10)), undefined);
    assert.equal(alg.estimate, 10);
    // Admitted after it: a new overload.
    assert.equal(alg.update(overload(6, 1))?.cause, 'overload');
    assert.equal(alg.estimate, 5);
    assert.equal(alg.slowStart, false);
  });

  it('never cuts below min or grows above max', () => {
    const alg = new Gradient2({ initial: 4, min: 3, max: 5 }, 20, () => 3, 0.2, 10_000, 0.5);
    alg.update({ start: 0, rtt: 1, inFlight: 4, overload: true });
    assert.equal(alg.estimate, 3);
    const grow = new Gradient2({ initial: 4, min: 1, max: 5 }, 20, () => 3, 0.2, 10_000, 0.5);
    feed(grow, 8, 10, { now: 0 });
    assert.equal(grow.estimate, 5);
  });

  it('ignores samples admitted with more in flight than the limit allows (they ran under an older limit)', () => {
    const alg = new Gradient2({ initial: 10, min: 1, max: 100 }, 20, () => 3, 0.2, 10_000, 0.5);
    for (let i = 0; i < 100; i++) {
      assert.equal(alg.update({ start: i, rtt: 500, inFlight: 50, overload: false }), undefined);
    }
    assert.equal(alg.estimate, 10);
    assert.equal(alg.baseline, 0);
  });

  it('does not raise a limit it does not use (fewer than half in flight)', () => {
    const alg = new Gradient2({ initial: 40, min: 1, max: 100 }, 20, () => 3, 0.2, 10_000, 0.5);
    for (let i = 0; i < 200; i++) alg.update({ start: i, rtt: 10, inFlight: 5, overload: false });
    assert.equal(alg.estimate, 40);
  });

  it('rejects bad tuning, naming the option and the value', () => {
    assert.throws(
      () => gradient2({ window: 0 }),
      /gradient2: expected `window` to be an integer from 1 and up, got `0`/,
    );
    assert.throws(
      () => gradient2({ queue: -1 }),
      /gradient2: expected `queue` to be a finite number >= 0, got `-1`/,
    );
    assert.throws(
      () => gradient2({ smoothing: 0 }),
      /gradient2: expected `smoothing` to be a number in \(0, 1\], got `0`/,
    );
    assert.throws(
      () => gradient2({ backoff: 1 }),
      /gradient2: expected `backoff` to be a number in \(0, 1\), got `1`/,
    );
    assert.throws(() => gradient2({ baselineMs: Infinity }), RangeError);
    assert.throws(() => gradient2({ window: '5' as unknown as number }), TypeError);
  });
});
