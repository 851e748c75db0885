import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { adaptive } from './adaptive.js';
import { Aimd, aimd } from './aimd.js';
import { queueServer, run } from './testing/model.js';

const ok = (start: number, rtt: number, inFlight: number) => ({ start, rtt, inFlight, overload: false });

describe('aimd', () => {
  it('adds 1/limit per success of a well-used limit: about one per round trip', () => {
    const alg = new Aimd({ initial: 4, min: 1, max: 100 }, 0.9, Infinity);
    for (let i = 0; i < 4; i++) alg.update(ok(i, 10, 4));
    // 4 + 1/4 + 1/4.25 + 1/4.485… + 1/4.708…
    assert.ok(alg.estimate > 4.9 && alg.estimate < 5, `estimate = ${alg.estimate}`);
    assert.equal(
      alg.update(ok(10, 10, 1)),
      undefined,
      'a sample using under half the limit does not grow it',
    );
  });

  it('multiplies by backoff on an overload, at most once per round trip', () => {
    const alg = new Aimd({ initial: 20, min: 1, max: 100 }, 0.5, Infinity);
    assert.equal(alg.update({ start: 0, rtt: 3, inFlight: 20, overload: true })?.estimate, 10);
    assert.equal(alg.update({ start: 2, rtt: 3, inFlight: 20, overload: true }), undefined);
    assert.equal(alg.update({ start: 3, rtt: 1, inFlight: 10, overload: true })?.estimate, 5);
  });

  it('counts a success slower than timeoutMs as an overload, and always cuts by at least one', () => {
    const alg = new Aimd({ initial: 5, min: 1, max: 100 }, 0.9, 100);
    assert.equal(alg.update(ok(0, 101, 5))?.estimate, 4);
    assert.equal(alg.update(ok(200, 100, 4))?.cause, 'growth');
  });

  it('keeps a queueing server below its rejection point after the first cuts (virtual time)', () => {
    const clock = { now: 0 };
    const limit = adaptive({ algorithm: aimd(), initial: 10, now: () => clock.now });
    const result = run(limit, clock, queueServer({ workers: 20, queue: 100, baseMs: 20 }), 20_000);
    assert.ok(result.overloads < 20_000 * 0.01, `overloads = ${result.overloads}`);
    assert.ok(result.peak <= 140, `peak = ${result.peak}`);
  });

  it('rejects bad tuning, naming the option', () => {
    assert.throws(
      () => aimd({ backoff: 1.5 }),
      /aimd: expected `backoff` to be a number in \(0, 1\), got `1.5`/,
    );
    assert.throws(
      () => aimd({ timeoutMs: 0 }),
      /aimd: expected `timeoutMs` to be a finite number > 0, got `0`/,
    );
  });
});
