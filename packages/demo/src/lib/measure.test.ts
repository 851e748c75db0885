import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureStrategy } from './measure.js';

describe('measureStrategy', () => {
  it('resets the service before the strategy, reads it after, and records every tracked task', async () => {
    const calls: string[] = [];
    const service = {
      resetStats: () => calls.push('reset'),
      stats: () => (calls.push('stats'), { peak: 3 }),
    };
    const texts: string[] = [];
    const { timeline, stats, value } = await measureStrategy(
      { name: 'two tasks', service, total: 2 },
      { seed: 1, quick: true, progress: (t) => texts.push(t) },
      async (rec) => {
        calls.push('run');
        await rec.track(
          async () => 200,
          (s) => s,
        );
        await rec.track(
          async () => 503,
          (s) => s,
        );
        return 'done';
      },
    );
    assert.deepEqual(calls, ['reset', 'run', 'stats']);
    assert.deepEqual(stats, { peak: 3 });
    assert.equal(value, 'done');
    assert.equal(timeline.strategy, 'two tasks');
    assert.equal(timeline.bars.length, 2);
    assert.deepEqual(timeline.errors, { '503': 1 });
    assert.deepEqual(texts, ['two tasks · 1/2', 'two tasks · 2/2']);
  });

  it('passes a failing strategy through and does not read the service', async () => {
    const calls: string[] = [];
    const service = { resetStats: () => calls.push('reset'), stats: () => calls.push('stats') };
    const boom = new Error('boom');
    await assert.rejects(
      measureStrategy({ name: 'fails', service }, { seed: 1, quick: true }, async () => {
        throw boom;
      }),
      boom,
    );
    assert.deepEqual(calls, ['reset']);
  });
});
