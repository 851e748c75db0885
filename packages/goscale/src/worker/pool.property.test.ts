import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import { abortListeners, flush } from '../testing/helpers.js';
import { WorkerPool } from './index.js';
import { sharedGate, threadCounter } from './testing/gate.js';

const tasks = new URL('./testing/tasks.ts', import.meta.url);
const kinds = ['echo', 'burn', 'hold', 'park', 'spin'] as const;

type Command =
  | { op: 'run'; kind: (typeof kinds)[number] }
  | { op: 'abort'; which: number }
  | { op: 'open' }
  | { op: 'flush' }
  | { op: 'wait'; ms: number }
  | { op: 'close' };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('run' as const), kind: fc.constantFrom(...kinds) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('abort' as const), which: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'open' as const }) },
  { weight: 2, arbitrary: fc.constant({ op: 'flush' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 8 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'close' as const }) },
);

/**
 * Two threads busy with 3-ms tasks and tasks that block until the gate opens, with real time passing: the pool sends
 * tasks ahead and takes them back (from a late thread, for an idle one) while aborts and close arrive.
 */
const moving: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('run' as const), kind: fc.constantFrom('burn', 'echo') }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('run' as const), kind: fc.constantFrom('hold', 'park') }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('abort' as const), which: fc.nat(30) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'open' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'flush' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 8 }) }),
  },
  { weight: 1, arbitrary: fc.constant({ op: 'close' as const }) },
);

interface Run {
  id: number;
  kind: string;
  controller: AbortController;
  reason: Error | undefined;
  outcome: Promise<{ ok: boolean; value: unknown }>;
  afterClose: boolean;
}

/** Runs `commands` on a pool of `n` threads and checks every run's outcome against its history. */
async function check(n: number, commands: Command[]): Promise<void> {
  const threads = threadCounter();
  try {
    const pool = new WorkerPool(tasks, { threads: n, abortGraceMs: 5 });
    const gate = sharedGate();
    const counts = new SharedArrayBuffer(4 * 32);
    const runs: Run[] = [];
    let closed: Promise<void> | undefined;
    for (const c of commands) {
      if (c.op === 'run') {
        const id = runs.length;
        const controller = new AbortController();
        const promise = pool.run(
          { counts, gate: gate.buffer, id, kind: c.kind },
          { name: 'mark', signal: controller.signal },
        );
        runs.push({
          id,
          kind: c.kind,
          controller,
          reason: undefined,
          outcome: promise.then(
            (value) => ({ ok: true, value }),
            (value: unknown) => ({ ok: false, value }),
          ),
          afterClose: closed !== undefined,
        });
      } else if (c.op === 'abort') {
        const run = runs[c.which % Math.max(1, runs.length)];
        if (run !== undefined && run.reason === undefined) {
          run.reason = new Error(`abort ${run.id}`);
          run.controller.abort(run.reason);
        }
      } else if (c.op === 'open') gate.open();
      else if (c.op === 'flush') await flush();
      else if (c.op === 'wait') await sleep(c.ms);
      else closed ??= pool.close();
    }
    // Spinning tasks only end when aborted; everything else must finish by itself.
    for (const run of runs) {
      if (run.kind === 'spin' && run.reason === undefined) {
        run.reason = new Error(`abort ${run.id}`);
        run.controller.abort(run.reason);
      }
    }
    gate.open();
    await (closed ?? pool.close());
    const ran = new Int32Array(counts);
    for (const run of runs) {
      const { ok, value } = await run.outcome;
      if (run.afterClose) {
        assert.ok(!ok && value instanceof TypeError, `run ${run.id} after close`);
        assert.equal(ran[run.id], 0);
        continue;
      }
      assert.ok(ran[run.id]! <= 1, `run ${run.id} ran ${ran[run.id]} times`);
      if (ok) assert.equal(value, run.id, `run ${run.id} resolved with its own value`);
      else assert.equal(value, run.reason, `run ${run.id} rejected only by its abort, with its reason`);
      if (ok) assert.equal(ran[run.id], 1);
      assert.equal(abortListeners(run.controller.signal), 0);
    }
    assert.equal(pool.queued, 0);
    assert.equal(pool.running, 0);
    await threads.allExited();
    assert.equal(threads.alive, 0);
  } finally {
    threads.stop();
  }
}

describe('WorkerPool: interleavings of run, abort and close', () => {
  it('settles every run exactly as its history says, runs nothing twice, and ends every thread', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 }), fc.array(command, { maxLength: 14 }), check),
      { numRuns: 20 },
    );
  });

  it('runs a task taken back from one thread exactly once, on another', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(moving, { minLength: 8, maxLength: 24 }), (commands) => check(2, commands)),
      { numRuns: 20 },
    );
  });
});
