import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { abortListeners } from '../testing/helpers.js';
import { WorkerPool } from './index.js';
import { reach, sharedGate, threadCounter } from './testing/gate.js';

const tasks = new URL('./testing/tasks.ts', import.meta.url);

describe('WorkerPool: abort', () => {
  it('removes an aborted queued task from the queue at once; it never runs', async () => {
    await using pool = new WorkerPool(tasks, { threads: 1 });
    const gate = sharedGate();
    const first = pool.run({ gate: gate.buffer, value: 0 }, { name: 'hold' });
    await gate.arrived(1);
    const controller = new AbortController();
    const rest = [1, 2, 3].map((value) =>
      pool.run(
        { gate: gate.buffer, value },
        { name: 'hold', signal: value === 2 ? controller.signal : undefined },
      ),
    );
    assert.equal(pool.queued, 3);
    assert.equal(pool.running, 1);
    const reason = new Error('changed my mind');
    controller.abort(reason);
    assert.equal(pool.queued, 2, 'the aborted task left the queue synchronously');
    await assert.rejects(rest[1]!, (e) => e === reason);
    assert.equal(abortListeners(controller.signal), 0);
    gate.open();
    assert.deepEqual(await Promise.all([first, rest[0], rest[2]]), [0, 1, 3]);
    assert.equal(Atomics.load(gate.slots, 0), 3, 'three tasks ran, not four');
  });

  it('never starts a task that was sent ahead to a busy thread and then aborted', async () => {
    await using pool = new WorkerPool(tasks, { threads: 1 });
    // Tiny tasks first, so that the thread is sent batches rather than one task at a time.
    await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.run(i)));
    const gate = sharedGate();
    const controller = new AbortController();
    const runs = [0, 1, 2, 3].map((value) =>
      pool.run(
        { gate: gate.buffer, value },
        { name: 'hold', signal: value === 2 ? controller.signal : undefined },
      ),
    );
    await gate.arrived(1);
    assert.equal(pool.queued, 3, 'three tasks wait on the thread behind the first');
    controller.abort();
    assert.equal(pool.queued, 2);
    await assert.rejects(runs[2]!, { name: 'AbortError' });
    gate.open();
    assert.deepEqual(await Promise.all([runs[0], runs[1], runs[3]]), [0, 1, 3]);
    assert.equal(Atomics.load(gate.slots, 0), 3, 'the aborted task never ran');
  });

  it('aborts the signal inside the thread, and a task that takes it stops without losing its thread', async () => {
    const threads = threadCounter();
    try {
      await using pool = new WorkerPool(tasks, { threads: 1 });
      const gate = sharedGate();
      const controller = new AbortController();
      const run = pool.run({ gate: gate.buffer }, { name: 'abortReason', signal: controller.signal });
      await gate.arrived(1);
      const reason = new Error('stop');
      controller.abort(reason);
      await assert.rejects(run, (e) => e === reason, 'rejects with the caller’s own reason object');
      await reach(gate.slots, 2, 1);
      assert.equal(Atomics.load(gate.slots, 2), 1, 'the task saw a clone of the reason');
      const parked = sharedGate();
      const second = new AbortController();
      const park = pool.run({ gate: parked.buffer }, { name: 'park', signal: second.signal });
      await parked.arrived(1);
      second.abort();
      await assert.rejects(park, { name: 'AbortError' });
      assert.equal(await pool.run('next'), 'next');
      assert.equal(threads.started, 1, 'no thread was replaced');
    } finally {
      threads.stop();
    }
  });

  it('ends a thread stuck in an infinite loop, starts a new one, and leaks no thread', async () => {
    const threads = threadCounter();
    try {
      const pool = new WorkerPool(tasks, { threads: 2, abortGraceMs: 10 });
      // A failed assertion must not leave a spinning thread keeping the test process alive.
      await using _closer = { [Symbol.asyncDispose]: () => pool.close() };
      for (let round = 1; round <= 3; round++) {
        const gate = sharedGate();
        const controller = new AbortController();
        const spin = pool.run({ gate: gate.buffer }, { name: 'spin', signal: controller.signal });
        await gate.arrived(1);
        assert.equal(pool.running, 1);
        controller.abort();
        await assert.rejects(spin, { name: 'AbortError' });
        assert.equal(abortListeners(controller.signal), 0);
        assert.deepEqual(await Promise.all([pool.run(round), pool.run(-round)]), [round, -round]);
        // The stuck thread is ended after the grace period, and it is the only one that ends (idleMs is Infinity).
        while (threads.started - threads.alive < round) await new Promise((resolve) => setImmediate(resolve));
        assert.equal(threads.started - threads.alive, round);
        assert.ok(threads.alive <= 2, `${threads.alive} threads alive in a pool of 2`);
      }
      await pool.close();
      await threads.allExited();
      // Each round waited for its stuck thread to end, so each replacement started before close() (a thread whose
      // grace period ends after close() began is not replaced: nothing would run on it).
      assert.equal(threads.started, 2 + 3, 'one replacement per stuck task');
      assert.equal(threads.alive, 0);
    } finally {
      threads.stop();
    }
  });

  it('runs the tasks sent ahead to a thread that had to be ended, elsewhere, exactly once', async () => {
    await using pool = new WorkerPool(tasks, { threads: 1, abortGraceMs: 10 });
    await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.run(i)));
    const gate = sharedGate();
    const controller = new AbortController();
    const spin = pool.run({ gate: gate.buffer }, { name: 'spin', signal: controller.signal });
    const after = [1, 2, 3].map((i) => pool.run(i));
    await gate.arrived(1);
    controller.abort();
    await assert.rejects(spin, { name: 'AbortError' });
    assert.deepEqual(await Promise.all(after), [1, 2, 3]);
  });

  it('rejects at once, without running, when the signal is already aborted', async () => {
    await using pool = new WorkerPool(tasks, { threads: 1 });
    const reason = new Error('before');
    await assert.rejects(pool.run(1, { signal: AbortSignal.abort(reason) }), (e) => e === reason);
    assert.equal(pool.queued, 0);
  });
});
