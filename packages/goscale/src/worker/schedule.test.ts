import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerPool } from './index.js';
import { sharedGate } from './testing/gate.js';

const tasks = new URL('./testing/tasks.ts', import.meta.url);

/**
 * Runs bursts of `n` tasks of about `ms` each until one burst ran on every thread, then `extra` more bursts: every
 * thread has started and reports a mean task time near `ms`. (A thread still starting can have its first tasks taken
 * back by one that is ready, so one burst is not enough.)
 */
async function warm(pool: WorkerPool, n: number, ms: number, extra = 1): Promise<void> {
  const burst = async () =>
    new Set(await Promise.all(Array.from({ length: n }, () => pool.run<number>(ms, { name: 'whoami' }))));
  while ((await burst()).size < pool.threads);
  for (let i = 0; i < extra; i++) await burst();
}

/** Counts `setTimeout` calls from now until the returned function is first called, which also stops counting. */
function countTimeouts(): () => number {
  const original = globalThis.setTimeout;
  let n = 0;
  let stopped: number | undefined;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    n++;
    return original(...args);
  }) as typeof setTimeout;
  return () => {
    if (stopped === undefined) {
      globalThis.setTimeout = original;
      stopped = n;
    }
    return stopped;
  };
}

/** `promise`, or a rejection once `signal` aborts (a test's signal aborts when it times out). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
    ),
  ]);
}

// A task stuck behind another fails these tests by their timeout, which aborts the test's signal: the runs a test
// awaits take it, and the gates open in `finally`, so that the pool can close after a failure.
const timeout = 15_000;

describe('WorkerPool: no task waits behind another while a thread could run it', () => {
  it(
    'sends a thread its next long task before the one it runs ends (no round trip to the pool between them)',
    { timeout },
    async () => {
      await using pool = new WorkerPool(tasks, { threads: 1 });
      await warm(pool, 6, 3);
      const first = sharedGate();
      const second = sharedGate();
      const runs = [
        pool.run({ gate: first.buffer, value: 1 }, { name: 'hold' }),
        pool.run({ gate: second.buffer, value: 2 }, { name: 'hold' }),
      ];
      try {
        await first.arrived(1);
        first.open();
        // The main thread blocks here, so the pool can send nothing now: the second task starts only if the thread
        // already has it.
        const started = Atomics.wait(second.slots, 0, 0, 5_000);
        assert.notEqual(started, 'timed-out', 'the second task was not in the thread’s hands');
      } finally {
        first.open();
        second.open();
      }
      assert.deepEqual(await Promise.all(runs), [1, 2]);
    },
  );

  it(
    'sends the result of a short task before the thread starts a long one it holds',
    { timeout },
    async (t) => {
      await using pool = new WorkerPool(tasks, { threads: 1 });
      await warm(pool, 6, 3);
      const gate = sharedGate();
      // One message with both: the thread runs the short task, then blocks in the long one.
      const short = pool.run<number>(0, { name: 'whoami', signal: t.signal });
      const long = pool.run({ gate: gate.buffer, value: 'long' }, { name: 'hold' });
      try {
        assert.equal(typeof (await short), 'number');
      } finally {
        gate.open();
      }
      assert.equal(await long, 'long');
    },
  );

  it(
    'takes back a long task sent ahead to a busy thread when another thread goes idle',
    { timeout },
    async (t) => {
      await using pool = new WorkerPool(tasks, { threads: 2 });
      await warm(pool, 12, 3);
      const held = sharedGate();
      const moved = sharedGate();
      // Both holds go to one thread (one running, one sent ahead); the other thread runs whoami and goes idle.
      const first = pool.run({ gate: held.buffer, value: 'held' }, { name: 'hold' });
      const second = pool.run({ gate: moved.buffer, value: 'moved' }, { name: 'hold' });
      try {
        assert.equal(typeof (await pool.run(0, { name: 'whoami', signal: t.signal })), 'number');
        await held.arrived(1);
        await moved.arrived(1);
        assert.equal(pool.running, 2, 'both holds run at once, on two threads, while the first gate is shut');
        assert.equal(pool.queued, 0);
        moved.open();
        assert.equal(await second, 'moved');
      } finally {
        held.open();
        moved.open();
      }
      assert.equal(await first, 'held');
    },
  );

  it(
    'moves tiny tasks batched behind a task that blocks its thread to the idle thread',
    { timeout },
    async (t) => {
      await using pool = new WorkerPool(tasks, { threads: 2 });
      await warm(pool, 2000, 0, 3);
      const gate = sharedGate();
      // One burst: with tiny tasks measured, one thread is sent the blocking task and (on a quiet machine) all the
      // rest behind it.
      const blocked = pool.run({ gate: gate.buffer, value: 'blocked' }, { name: 'hold' });
      const buffer = new Uint8Array([9, 8, 7]).buffer;
      const transferred = pool.run(buffer, { name: 'inspect', transfer: [buffer] });
      const ids = Array.from({ length: 10 }, () => pool.run<number>(0, { name: 'whoami' }));
      try {
        await gate.arrived(1);
        // Finishing while the gate is still shut means they ran on the other thread.
        assert.equal(new Set(await untilAborted(Promise.all(ids), t.signal)).size, 1);
        assert.equal(pool.running, 1);
        // What stays on the blocked thread cannot move: the pool does not keep waking up to try.
        const timers = countTimeouts();
        await sleep(30);
        assert.ok(timers() <= 2, `the pool set ${timers()} timers in 30 ms`);
      } finally {
        gate.open();
      }
      assert.equal(await blocked, 'blocked');
      // The transferring task is never moved (its buffer went with its first thread): it runs there, once, with the
      // buffer intact. Sent again it would arrive detached, or fail to clone.
      assert.deepEqual(await transferred, [3, 9]);
    },
  );
});
