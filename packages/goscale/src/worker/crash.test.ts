import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WorkerPool } from './index.js';
import { threadCounter } from './testing/gate.js';

const tasks = new URL('./testing/tasks.ts', import.meta.url);

describe('WorkerPool: crashing threads', () => {
  it('rejects the task of a thread that crashed with its error, and replaces the thread', async () => {
    const threads = threadCounter();
    try {
      await using pool = new WorkerPool(tasks, { threads: 1 });
      await assert.rejects(pool.run(undefined, { name: 'crash' }), { message: 'thread crashed' });
      await assert.rejects(pool.run(3, { name: 'exit' }), /exited with code 3/);
      assert.equal(await pool.run('still here'), 'still here');
      assert.equal(threads.started, 3, 'the first thread and two replacements');
    } finally {
      threads.stop();
    }
  });

  it('runs the tasks a crashed thread had not started on its replacement, once each', async () => {
    await using pool = new WorkerPool(tasks, { threads: 1 });
    await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.run(i)));
    const crash = pool.run(undefined, { name: 'crash' });
    const rest = [1, 2, 3].map((i) => pool.run(i));
    await assert.rejects(crash, { message: 'thread crashed' });
    assert.deepEqual(await Promise.all(rest), [1, 2, 3]);
  });

  it('rejects a task that runs its thread out of memory under resourceLimits', async () => {
    await using pool = new WorkerPool(tasks, { threads: 1, resourceLimits: { maxOldGenerationSizeMb: 64 } });
    await assert.rejects(pool.run(undefined, { name: 'exhaust' }), { code: 'ERR_WORKER_OUT_OF_MEMORY' });
    assert.equal(await pool.run('after'), 'after');
  });

  it('rejects every task with the load error of a module that cannot load, without restarting threads', async () => {
    const threads = threadCounter();
    try {
      await using pool = new WorkerPool(new URL('./testing/broken.ts', import.meta.url), { threads: 2 });
      const results = await Promise.allSettled([1, 2, 3, 4].map((i) => pool.run(i)));
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.ok(r.reason instanceof RangeError && r.reason.message === 'this module cannot load');
      }
      assert.equal(threads.started, 2);
    } finally {
      threads.stop();
    }
  });
});
