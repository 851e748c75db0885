import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { MAX_TIMER_MS, setLongInterval, setLongTimeout } from './timer.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('setLongTimeout', () => {
  it('fires exactly at delays beyond what setTimeout holds, not 1 ms later as setTimeout would', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    const table = [0, 1, MAX_TIMER_MS, MAX_TIMER_MS + 1, 2 ** 31, 30 * 86_400_000, 3 * MAX_TIMER_MS + 7];
    for (const ms of table) {
      let fired = 0;
      const timer = setLongTimeout(() => fired++, ms);
      if (ms > 0) {
        t.mock.timers.tick(ms - 1);
        assert.equal(fired, 0, `setLongTimeout(${ms}) fired after ${ms - 1} ms`);
        assert.equal(timer.pending, true);
      }
      t.mock.timers.tick(1);
      assert.equal(fired, 1, `setLongTimeout(${ms}) fired = ${fired} after ${ms} ms; want 1`);
      assert.equal(timer.pending, false);
      t.mock.timers.tick(MAX_TIMER_MS);
      assert.equal(fired, 1, `setLongTimeout(${ms}) fired again`);
    }
  });

  it('clear() in any step stops it for good', (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    let fired = 0;
    const timer = setLongTimeout(() => fired++, 2 * MAX_TIMER_MS);
    t.mock.timers.tick(MAX_TIMER_MS + 5);
    timer.clear();
    timer.clear();
    assert.equal(timer.pending, false);
    t.mock.timers.tick(2 * MAX_TIMER_MS);
    assert.equal(fired, 0);
  });

  it('holds one Node timer while pending and none once cleared; unref() lets the process go', () => {
    const before = timers();
    const timer = setLongTimeout(() => assert.fail('must not fire'), 2 ** 40);
    assert.equal(timers(), before + 1);
    timer.unref();
    assert.equal(timers(), before, 'an unref’d timer is not an active resource');
    timer.clear();
    assert.equal(timers(), before);
  });

  it('rejects a delay it cannot honour, naming it', () => {
    for (const ms of [-1, NaN, Infinity]) {
      assert.throws(() => setLongTimeout(() => {}, ms), {
        name: 'RangeError',
        message: `timer: expected a finite delay from 0 and up, got ${ms}`,
      });
    }
  });
});

describe('setLongInterval', () => {
  it('repeats at its period, beyond what setInterval holds too, until cleared', () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    try {
      for (const period of [1_000, 2 ** 31]) {
        let fired = 0;
        const timer = setLongInterval(() => fired++, period);
        for (let k = 1; k <= 3; k++) {
          mock.timers.tick(period - 1);
          assert.equal(fired, k - 1, `period ${period}: fired ${fired} times before beat ${k}`);
          mock.timers.tick(1);
          assert.equal(fired, k, `period ${period}: beat ${k}`);
        }
        timer.clear();
        mock.timers.tick(3 * period);
        assert.equal(fired, 3, `period ${period}: fired after clear()`);
      }
    } finally {
      mock.timers.reset();
    }
  });
});
