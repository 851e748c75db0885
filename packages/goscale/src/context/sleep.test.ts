import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import { sleep } from './sleep.js';
import { abortListeners } from '../testing/helpers.js';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('sleep', () => {
  it('resolves after the given time and not before', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      let done = false;
      const p = sleep(50).then(() => {
        done = true;
      });
      mock.timers.tick(49);
      await Promise.resolve();
      assert.equal(done, false);
      mock.timers.tick(1);
      await p;
      assert.equal(done, true);
    } finally {
      mock.timers.reset();
    }
  });

  it('honours delays past 2^31 − 1 ms, which a bare setTimeout turns into 1 ms', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'setInterval'] });
    try {
      for (const ms of [2 ** 31, 30 * 86_400_000]) {
        let done = false;
        const p = sleep(ms).then(() => {
          done = true;
        });
        mock.timers.tick(1);
        mock.timers.tick(ms - 3);
        await Promise.resolve();
        assert.equal(done, false, `sleep(${ms}) resolved after ${ms - 2} ms`);
        mock.timers.tick(1);
        await Promise.resolve();
        assert.equal(done, false, `sleep(${ms}) resolved after ${ms - 1} ms`);
        mock.timers.tick(1);
        await p;
        assert.equal(done, true);
      }
    } finally {
      mock.timers.reset();
    }
  });

  it('rejects with signal.reason on abort, clearing its timer and listener', async () => {
    const ac = new AbortController();
    const base = timers();
    const p = sleep(60_000, { signal: ac.signal });
    assert.equal(timers(), base + 1);
    assert.equal(abortListeners(ac.signal), 1);
    const why = new Error('cancelled');
    ac.abort(why);
    await assert.rejects(p, (e) => e === why);
    assert.equal(timers(), base);
    assert.equal(abortListeners(ac.signal), 0);
  });

  it('rejects at once for an already-aborted signal and arms nothing', async () => {
    const base = timers();
    const p = sleep(10, { signal: AbortSignal.abort('early') });
    assert.equal(timers(), base);
    await assert.rejects(p, (e) => e === 'early');
  });

  it('leaves no listener after it resolves', async () => {
    const ac = new AbortController();
    await sleep(1, { signal: ac.signal });
    assert.equal(abortListeners(ac.signal), 0);
  });

  it('leaves nothing behind after 100,000 aborted sleeps', async () => {
    const ac = new AbortController();
    const base = timers();
    for (let i = 0; i < 100_000; i++) {
      const inner = new AbortController();
      const p = sleep(60_000, { signal: inner.signal });
      inner.abort();
      await p.catch(() => undefined);
    }
    assert.equal(timers(), base);
    assert.equal(abortListeners(ac.signal), 0);
  });

  for (const ms of [-1, Number.NaN, Infinity]) {
    it(`rejects ms = ${ms} with a RangeError quoting it`, async () => {
      await assert.rejects(sleep(ms), { name: 'RangeError', message: new RegExp(`got \`${ms}\``) });
    });
  }
});
