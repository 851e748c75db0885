import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import { WorkerPool } from './index.js';
import { sharedGate, threadCounter } from './testing/gate.js';

const tasks = new URL('./testing/tasks.ts', import.meta.url);

describe('WorkerPool.close', () => {
  it('runs every queued task, settles every promise, then ends every thread', async () => {
    const threads = threadCounter();
    try {
      const pool = new WorkerPool(tasks, { threads: 2 });
      const gate = sharedGate();
      const held = [pool.run({ gate: gate.buffer, value: 'a' }, { name: 'hold' })];
      held.push(pool.run({ gate: gate.buffer, value: 'b' }, { name: 'hold' }));
      await gate.arrived(2);
      const queued = Array.from({ length: 50 }, (_, i) => pool.run(i));
      const failing = pool.run('late', { name: 'fail' }).then(
        () => assert.fail('resolved'),
        (e: unknown) => e,
      );
      assert.equal(pool.queued, 51);
      const closed = pool.close();
      assert.equal(pool.close(), closed, 'close() again returns the same promise');
      await assert.rejects(pool.run(1), /the pool is closed/);
      gate.open();
      await closed;
      assert.deepEqual(await Promise.all(held), ['a', 'b']);
      assert.deepEqual(
        await Promise.all(queued),
        Array.from({ length: 50 }, (_, i) => i),
      );
      assert.equal(((await failing) as Error).message, 'late');
      assert.equal(pool.queued, 0);
      assert.equal(pool.running, 0);
      await threads.allExited();
      assert.equal(threads.alive, 0);
    } finally {
      threads.stop();
    }
  });

  it('settles when a task queued at close() is aborted during the drain', async () => {
    const pool = new WorkerPool(tasks, { threads: 1 });
    const gate = sharedGate();
    const held = pool.run({ gate: gate.buffer, value: 1 }, { name: 'hold' });
    await gate.arrived(1);
    const controller = new AbortController();
    const queued = pool.run(2, { signal: controller.signal });
    const closed = pool.close();
    controller.abort();
    await assert.rejects(queued, { name: 'AbortError' });
    gate.open();
    assert.equal(await held, 1);
    await closed;
  });

  it('ends a thread idle for idleMs and starts one again when work comes', async () => {
    const threads = threadCounter();
    try {
      await using pool = new WorkerPool(tasks, { threads: 1, idleMs: 0 });
      assert.equal(await pool.run(1), 1);
      // An idle pool keeps nothing alive (not even its idle timer): hold the loop open while the thread retires.
      const keepAlive = setInterval(() => {}, 60_000);
      await threads.allExited();
      clearInterval(keepAlive);
      assert.equal(threads.started, 1);
      assert.equal(await pool.run(2), 2);
      assert.equal(threads.started, 2);
    } finally {
      threads.stop();
    }
  });

  it('keeps an idle thread for an idleMs past 2^31 − 1 ms, which a bare setTimeout turns into 1 ms', async () => {
    const workers: Worker[] = [];
    const exited = new Set<Worker>();
    const onWorker = (worker: Worker) => {
      workers.push(worker);
      worker.once('exit', () => exited.add(worker));
    };
    process.on('worker', onWorker);
    try {
      await using long = new WorkerPool(tasks, { threads: 1, idleMs: 2 ** 31 });
      assert.equal(await long.run(1), 1);
      assert.equal(workers.length, 1);
      // A control pool whose thread does retire after 1 ms. Its idle timer is armed after the long pool's, so a long
      // timer turned into 1 ms would have fired first.
      await using control = new WorkerPool(tasks, { threads: 1, idleMs: 1 });
      assert.equal(await control.run(2), 2);
      const [longThread, controlThread] = workers as [Worker, Worker];
      const keepAlive = setInterval(() => {}, 60_000);
      while (!exited.has(controlThread)) await new Promise((resolve) => setImmediate(resolve));
      clearInterval(keepAlive);
      assert.equal(exited.has(longThread), false, 'the long-idle thread retired at once');
    } finally {
      process.off('worker', onWorker);
    }
  });
});
