/**
 * Every count, size and weight the core accepts is a safe integer: past 2^53 a double no longer holds every integer,
 * so a semaphore, counter or queue sized up there would hand out or lose units silently. Each entry point must refuse
 * such a value with a RangeError (TypeError where p-limit's API demands one) that quotes it and names the bound.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Channel } from '../chan/channel.js';
import { fanOut } from '../group/fanout.js';
import { Group } from '../group/group.js';
import { Broker } from '../http/sse/broker.js';
import { batch } from '../pool/batch.js';
import { limit } from '../pool/limit.js';
import { map } from '../pool/map.js';
import { stream } from '../pool/stream.js';
import { Limiter } from '../rate/limiter.js';
import { Semaphore } from '../sync/semaphore.js';
import { WaitGroup } from '../sync/waitgroup.js';

const HUGE = 2 ** 60;
const SHOWN = '`1152921504606846976` (number)';
const SAFE = /9007199254740991 \(Number.MAX_SAFE_INTEGER\)/;

describe('counts, sizes and weights past Number.MAX_SAFE_INTEGER', () => {
  const sync: [string, () => unknown, string][] = [
    ['new Semaphore(size)', () => new Semaphore(HUGE), 'RangeError'],
    ['new Channel(capacity)', () => new Channel(HUGE), 'RangeError'],
    ['new Group({ limit })', () => new Group({ limit: HUGE }), 'RangeError'],
    ['new Limiter({ burst })', () => new Limiter({ rate: 1, burst: HUGE }), 'RangeError'],
    ['limiter.setBurst(burst)', () => new Limiter({ rate: 1, burst: 1 }).setBurst(HUGE), 'RangeError'],
    ['limiter.allow(n)', () => new Limiter({ rate: Infinity, burst: 1 }).allow(HUGE), 'RangeError'],
    ['limit(concurrency)', () => limit(HUGE), 'TypeError'],
    ['limit().concurrency = n', () => (limit(1).concurrency = HUGE), 'TypeError'],
    ['new Broker({ bufferSize })', () => new Broker({ bufferSize: HUGE }), 'RangeError'],
    ['new Broker({ retryMs })', () => new Broker({ retryMs: HUGE }), 'RangeError'],
  ];
  for (const [name, call, type] of sync) {
    it(`${name} throws a ${type} quoting the value and naming the bound`, () => {
      assert.throws(call, (error: Error) => {
        assert.equal(error.name, type);
        assert.ok(error.message.includes(SHOWN), error.message);
        assert.match(error.message, SAFE);
        return true;
      });
    });
  }

  const async: [string, () => Promise<unknown>][] = [
    ['limiter.wait(n)', () => new Limiter({ rate: Infinity, burst: 1 }).wait(HUGE)],
    ['map({ concurrency })', () => map([1], (x) => x, { concurrency: HUGE })],
    ['stream({ concurrency })', async () => stream([1], (x) => x, { concurrency: HUGE })],
    ['batch({ size })', () => batch([1], (x) => x, { size: HUGE })],
    ['fanOut({ limit })', () => fanOut({ a: () => 1 }, { timeout: 1, limit: HUGE })],
  ];
  for (const [name, call] of async) {
    it(`${name} rejects with a RangeError quoting the value and naming the bound`, async () => {
      await assert.rejects(call, (error: Error) => {
        assert.equal(error.name, 'RangeError');
        assert.ok(error.message.includes(SHOWN), error.message);
        assert.match(error.message, SAFE);
        return true;
      });
    });
  }

  it('new Semaphore(2 ** 60) does not exist to hand out permits it cannot count', () => {
    assert.throws(() => new Semaphore(HUGE), {
      name: 'RangeError',
      message: `semaphore: expected \`size\` to be an integer from 1 to 9007199254740991 (Number.MAX_SAFE_INTEGER), got ${SHOWN}`,
    });
    const largest = new Semaphore(Number.MAX_SAFE_INTEGER);
    assert.equal(largest.tryAcquire(Number.MAX_SAFE_INTEGER), true);
    assert.equal(largest.available, 0);
    assert.equal(largest.tryAcquire(1), false);
  });

  it('WaitGroup.add past Number.MAX_SAFE_INTEGER throws and leaves the count as it was', async () => {
    const wg = new WaitGroup();
    wg.add(Number.MAX_SAFE_INTEGER - 1);
    assert.throws(() => wg.add(2), {
      name: 'RangeError',
      message:
        'waitgroup: add(2) would take the counter (9007199254740990) past Number.MAX_SAFE_INTEGER (9007199254740991)',
    });
    assert.equal(wg.count, Number.MAX_SAFE_INTEGER - 1);
    wg.add(1);
    assert.equal(wg.count, Number.MAX_SAFE_INTEGER);
    assert.throws(() => wg.add(1), RangeError);
    // Nothing was lost: taking back exactly what was added brings it to zero and releases the waiter.
    const waited = wg.wait();
    wg.add(-Number.MAX_SAFE_INTEGER);
    assert.equal(wg.count, 0);
    await waited;
  });

  it('new Broker({ historySize: 2 ** 32 }) throws a RangeError naming historySize and its bound', () => {
    assert.throws(() => new Broker({ historySize: 2 ** 32 }), {
      name: 'RangeError',
      message: 'Broker: expected `historySize` to be an integer from 0 to 1000000, got `4294967296` (number)',
    });
    assert.throws(() => new Broker({ historySize: 1_000_001 }), /from 0 to 1000000, got `1000001`/);
    new Broker({ historySize: 1_000_000 }).close();
  });
});
