import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Group } from '../group/index.js';
import { map } from '../pool/index.js';
import { WorkerPool } from './index.js';
import { sharedGate, threadCounter } from './testing/gate.js';

const tasks = new URL('./testing/tasks.ts', import.meta.url);

describe('WorkerPool with map and Group', () => {
  it('map over pool.run with concurrency pool.threads returns the results in input order', async () => {
    await using pool = new WorkerPool(tasks, { threads: 2 });
    const items = Array.from({ length: 200 }, (_, i) => ({ a: i, b: 1 }));
    const sums = await map(items, (x, _i, signal) => pool.run<number>(x, { name: 'add', signal }), {
      concurrency: pool.threads,
    });
    assert.deepEqual(
      sums,
      items.map((x) => x.a + 1),
    );
  });

  it('a failing map item aborts the item still running on the pool, and its thread is replaced', async () => {
    const threads = threadCounter();
    try {
      await using pool = new WorkerPool(tasks, { threads: 2, abortGraceMs: 10 });
      const gate = sharedGate();
      const run = map(
        ['spin', 'fail'],
        async (kind, _i, signal) => {
          if (kind === 'spin') return pool.run({ gate: gate.buffer }, { name: 'spin', signal });
          await gate.arrived(1);
          return pool.run('boom', { name: 'fail', signal });
        },
        { concurrency: pool.threads },
      );
      await assert.rejects(run, { message: 'boom' });
      // The spinning thread was ended: the pool serves two tasks at once again.
      const both = sharedGate();
      const held = [1, 2].map((value) => pool.run({ gate: both.buffer, value }, { name: 'hold' }));
      await both.arrived(2);
      both.open();
      assert.deepEqual(await Promise.all(held), [1, 2]);
      assert.equal(threads.started, 3);
    } finally {
      threads.stop();
    }
  });

  it('a Group task runs on the pool; the first error cancels the others there', async () => {
    await using pool = new WorkerPool(tasks, { threads: 2, abortGraceMs: 10 });
    const group = new Group();
    const gate = sharedGate();
    const outcomes: string[] = [];
    await group.go((signal) =>
      pool.run({ gate: gate.buffer }, { name: 'park', signal }).catch((e: Error) => {
        outcomes.push(`park: ${e.message}`);
        throw e;
      }),
    );
    await group.go(async (signal) => {
      await gate.arrived(1);
      await pool.run('first', { name: 'fail', signal });
    });
    await assert.rejects(group.wait(), { message: 'first' });
    assert.deepEqual(outcomes, ['park: first']);
    assert.equal(await pool.run('after'), 'after');
  });
});
