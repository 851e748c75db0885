import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adaptive } from './adaptive.js';
import { kneeServer, meanLimit, run } from './testing/model.js';
import { Vegas, vegas } from './vegas.js';

describe('vegas', () => {
  it('takes the first and any faster sample as the no-load latency, then grows while nothing queues', () => {
    const alg = new Vegas({ initial: 10, min: 1, max: 100 }, 3, 6, 30, 0.5);
    assert.equal(alg.update({ start: 0, rtt: 10, inFlight: 10, overload: false }), undefined);
    assert.equal(alg.noLoad, 10);
    // queue = ceil(10 * (1 - 10/10)) = 0 <= log10(10): grow by beta * 1 = 6.
    assert.equal(alg.update({ start: 1, rtt: 10, inFlight: 10, overload: false })?.estimate, 16);
  });

  it('shrinks by log10(limit) once the implied queue passes beta * log10(limit)', () => {
    const alg = new Vegas({ initial: 100, min: 1, max: 1000 }, 3, 6, 30, 0.5);
    alg.update({ start: 0, rtt: 10, inFlight: 100, overload: false });
    // queue = ceil(100 * (1 - 10/20)) = 50 > 6 * 2: shrink by 2.
    assert.equal(alg.update({ start: 1, rtt: 20, inFlight: 100, overload: false })?.estimate, 98);
  });

  it('settles near the knee of a low-variance server (virtual time)', () => {
    const clock = { now: 0 };
    const limit = adaptive({ algorithm: vegas(), initial: 4, now: () => clock.now });
    const result = run(limit, clock, kneeServer({ knee: 16, baseMs: 10, sigma: 0.02 }), 10_000);
    const settled = meanLimit(result.limits, result.endMs / 2, result.endMs);
    assert.ok(settled >= 12 && settled <= 24, `mean limit = ${settled.toFixed(1)}`);
  });

  it('rejects bad tuning, naming the option', () => {
    assert.throws(
      () => vegas({ alpha: 6, beta: 3 }),
      /vegas: expected `beta` \(3\) to be greater than `alpha` \(6\)/,
    );
    assert.throws(() => vegas({ probe: -1 }), /vegas: expected `probe` to be a finite number > 0, got `-1`/);
  });
});
