import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectTypeOf } from 'expect-type';
import fc from 'fast-check';
import { Group, type GroupOptions, type GroupTask } from './group.js';
import type { AdaptiveLimit } from '../adaptive/adaptive.js';
import { abortListeners as listeners, flush, gate } from '../testing/helpers.js';

describe('Group', () => {
  it('runs every task and resolves wait() when all of them fulfil', async () => {
    const group = new Group();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) await group.go(async () => void seen.push(i));
    await group.wait();
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
  });

  it('hands every task the group signal', async () => {
    const group = new Group();
    let got: AbortSignal | undefined;
    await group.go(async (signal) => {
      got = signal;
    });
    await group.wait();
    assert.equal(got, group.signal);
  });

  it('never runs more than `limit` tasks and admits waiting go() calls in FIFO order', async () => {
    const group = new Group({ limit: 2 });
    const gates = Array.from({ length: 5 }, () => gate());
    const started: number[] = [];
    const admitted: number[] = [];
    let active = 0;
    let maxActive = 0;
    const calls = gates.map((g, i) =>
      group
        .go(async () => {
          started.push(i);
          maxActive = Math.max(maxActive, ++active);
          await g.promise;
          active--;
        })
        .then(() => admitted.push(i)),
    );
    await flush();
    assert.deepEqual(started, [0, 1]);
    assert.deepEqual(admitted, [0, 1]);
    gates[1]!.open();
    await flush();
    assert.deepEqual(started, [0, 1, 2]);
    gates[0]!.open();
    await flush();
    assert.deepEqual(started, [0, 1, 2, 3]);
    for (const g of gates) g.open();
    await Promise.all(calls);
    await group.wait();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.deepEqual(admitted, [0, 1, 2, 3, 4]);
    assert.equal(maxActive, 2);
  });

  it('aborts the signal with the first error and rejects wait() with it, dropping later errors', async () => {
    const group = new Group();
    const a = gate();
    const b = gate();
    const first = new Error('first');
    await group.go(() => a.promise);
    await group.go(() => b.promise);
    a.fail(first);
    await flush();
    assert.equal(group.signal.aborted, true);
    assert.equal(group.signal.reason, first);
    b.fail(new Error('second'));
    await assert.rejects(group.wait(), (e) => e === first);
  });

  it('waits for running tasks after a failure before settling wait()', async () => {
    const group = new Group();
    const slow = gate();
    let slowDone = false;
    await group.go(async () => {
      await slow.promise;
      slowDone = true;
    });
    await group.go(() => Promise.reject(new Error('boom')));
    let settled = false;
    const waited = group.wait().catch(() => (settled = true));
    await flush();
    assert.equal(settled, false);
    slow.open();
    await waited;
    assert.equal(slowDone, true);
  });

  it('starts no queued task once the group is cancelled (golang/go#61611), and still resolves their go()', async () => {
    const group = new Group({ limit: 1 });
    const head = gate();
    let ran = 0;
    await group.go(() => head.promise);
    const queued = [group.go(async () => void ran++), group.go(async () => void ran++)];
    const boom = new Error('boom');
    head.fail(boom);
    await Promise.all(queued);
    await assert.rejects(group.wait(), (e) => e === boom);
    assert.equal(ran, 0);
  });

  it('does not start a task handed to go() after the group is cancelled', async () => {
    const group = new Group();
    const boom = new Error('boom');
    await group.go(() => Promise.reject(boom));
    await flush();
    let ran = false;
    await group.go(async () => void (ran = true));
    assert.equal(
      group.tryGo(async () => void (ran = true)),
      false,
    );
    assert.equal(ran, false);
    await assert.rejects(group.wait(), (e) => e === boom);
  });

  it('never lets a task failure become an unhandled rejection, even with nobody waiting', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const group = new Group({ limit: 1 });
      await group.go(() => Promise.reject(new Error('async')));
      const sync = new Group();
      sync.tryGo(() => {
        throw new Error('sync');
      });
      await flush();
      await flush();
      assert.deepEqual(unhandled, []);
      await assert.rejects(group.wait(), /async/);
      await assert.rejects(sync.wait(), /sync/);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('counts a synchronous throw as a failure and a non-promise return as success', async () => {
    const group = new Group();
    const boom = new Error('sync');
    group.tryGo((() => 42) as unknown as GroupTask);
    await group.go(() => {
      throw boom;
    });
    assert.equal(group.signal.reason, boom);
    await assert.rejects(group.wait(), (e) => e === boom);
  });

  it('aborts the signal with an AbortError when wait() resolves, and rejects go()/throws tryGo() after', async () => {
    const group = new Group();
    await group.go(async () => {});
    await group.wait();
    assert.equal(group.signal.aborted, true);
    assert.equal((group.signal.reason as DOMException).name, 'AbortError');
    await assert.rejects(
      group.go(async () => {}),
      {
        name: 'TypeError',
        message: 'Group.go: called after wait() settled',
      },
    );
    assert.throws(() => group.tryGo(async () => {}), {
      name: 'TypeError',
      message: 'Group.tryGo: called after wait() settled',
    });
  });

  it('lets tasks add tasks while wait() is pending', async () => {
    const group = new Group({ limit: 1 });
    const order: string[] = [];
    await group.go(async () => {
      await flush();
      order.push('parent');
      void group.go(async () => void order.push('child'));
    });
    await group.wait();
    assert.deepEqual(order, ['parent', 'child']);
  });

  it('returns the same promise from every wait() call, and resolves at once with no tasks', async () => {
    const group = new Group();
    const w = group.wait();
    assert.equal(group.wait(), w);
    await w;
    assert.equal(group.signal.aborted, true);
  });

  describe('tryGo', () => {
    it('starts a task only while a slot is free and queues nothing', async () => {
      const group = new Group({ limit: 1 });
      const g = gate();
      let ran = 0;
      assert.equal(
        group.tryGo(async () => {
          ran++;
          await g.promise;
        }),
        true,
      );
      assert.equal(
        group.tryGo(async () => void ran++),
        false,
      );
      g.open();
      await flush();
      assert.equal(ran, 1);
      assert.equal(
        group.tryGo(async () => void ran++),
        true,
      );
      await group.wait();
      assert.equal(ran, 2);
    });
  });

  describe('with a parent signal', () => {
    it('cancels the group with the parent reason; wait() reports what the tasks returned', async () => {
      const parent = new AbortController();
      const group = new Group({ signal: parent.signal });
      await group.go(
        (signal) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason), { once: true }),
          ),
      );
      const why = new Error('client went away');
      parent.abort(why);
      assert.equal(group.signal.reason, why);
      await assert.rejects(group.wait(), (e) => e === why);
    });

    it('resolves wait() when the parent aborts but every task was running and fulfils (as errgroup does)', async () => {
      const parent = new AbortController();
      const group = new Group({ signal: parent.signal });
      const g = gate();
      await group.go(() => g.promise);
      parent.abort(new Error('late'));
      g.open();
      await group.wait();
    });

    it('rejects wait() with the parent reason when the abort kept a task from starting', async () => {
      const parent = new AbortController();
      const group = new Group({ signal: parent.signal, limit: 1 });
      const g = gate();
      let ran = false;
      await group.go(() => g.promise);
      const queued = group.go(async () => void (ran = true));
      const why = new Error('shutdown');
      parent.abort(why);
      await queued;
      g.open();
      await assert.rejects(group.wait(), (e) => e === why);
      assert.equal(ran, false);
    });

    it('starts cancelled when the parent already aborted, holding no listener on it', async () => {
      const parent = new AbortController();
      parent.abort('gone');
      const group = new Group({ signal: parent.signal });
      assert.equal(group.signal.reason, 'gone');
      assert.equal(listeners(parent.signal), 0);
      let ran = false;
      await group.go(async () => void (ran = true));
      assert.equal(ran, false);
      await assert.rejects(group.wait(), (e) => e === 'gone');
    });

    it('unlinks from the parent when wait() settles or a task fails', async () => {
      const parent = new AbortController();
      const ok = new Group({ signal: parent.signal });
      const failing = new Group({ signal: parent.signal });
      assert.equal(listeners(parent.signal), 2);
      await ok.go(async () => {});
      await ok.wait();
      assert.equal(listeners(parent.signal), 1);
      await failing.go(() => Promise.reject(new Error('x')));
      await flush();
      assert.equal(listeners(parent.signal), 0);
      await assert.rejects(failing.wait());
      assert.equal(parent.signal.aborted, false);
    });
  });

  describe('go with { signal }', () => {
    it('rejects a waiting go() with signal.reason, never runs it, and leaves nothing behind', async () => {
      const group = new Group({ limit: 1 });
      const head = gate();
      await group.go(() => head.promise);
      const caller = new AbortController();
      let ran = false;
      const waiting = group.go(async () => void (ran = true), { signal: caller.signal });
      assert.equal(listeners(caller.signal), 1);
      caller.abort('stop');
      await assert.rejects(waiting, (e) => e === 'stop');
      assert.equal(listeners(caller.signal), 0);
      head.open();
      await group.wait();
      assert.equal(ran, false);
      assert.equal(group.signal.reason.name, 'AbortError');
    });

    it('rejects at once with an already-aborted signal even when a slot is free', async () => {
      const group = new Group();
      let ran = false;
      await assert.rejects(
        group.go(async () => void (ran = true), { signal: AbortSignal.abort('no') }),
        (e) => e === 'no',
      );
      assert.equal(ran, false);
      await group.wait();
    });

    it('removes its listener once the task is admitted', async () => {
      const group = new Group({ limit: 1 });
      const head = gate();
      await group.go(() => head.promise);
      const caller = new AbortController();
      const admitted = group.go(async () => {}, { signal: caller.signal });
      head.open();
      await admitted;
      assert.equal(listeners(caller.signal), 0);
      await group.wait();
    });

    it('leaves no queue entry after 100,000 aborted calls', async () => {
      const group = new Group({ limit: 1 });
      const head = gate();
      await group.go(() => head.promise);
      let ran = 0;
      const calls: Promise<void>[] = [];
      for (let i = 0; i < 100_000; i++) {
        const one = new AbortController();
        calls.push(group.go(async () => void ran++, { signal: one.signal }));
        one.abort();
      }
      const results = await Promise.allSettled(calls);
      assert.equal(results.filter((r) => r.status === 'rejected').length, 100_000);
      head.open();
      await flush();
      // A stale queue entry would have been admitted by the freed slot: none ran, and the slot is free.
      assert.equal(ran, 0);
      assert.equal(
        group.tryGo(async () => void ran++),
        true,
      );
      await group.wait();
      assert.equal(ran, 1);
    });

    it('leaves a long-lived signal with no listener after 100,000 queued-then-admitted calls', async () => {
      const group = new Group({ limit: 1 });
      const caller = new AbortController();
      let ran = 0;
      for (let i = 0; i < 100_000; i++) {
        const head = gate();
        group.tryGo(() => head.promise);
        const admitted = group.go(async () => void ran++, { signal: caller.signal });
        assert.equal(listeners(caller.signal), 1);
        head.open();
        await admitted;
      }
      await group.wait();
      assert.equal(ran, 100_000);
      assert.equal(listeners(caller.signal), 0);
    });
  });

  describe('misuse', () => {
    it('throws on a bad limit or signal, quoting the value', () => {
      assert.throws(() => new Group({ limit: 0 }), {
        name: 'RangeError',
        message: 'Group: expected `limit` to be an integer from 1 and up (or Infinity), got `0` (number)',
      });
      assert.throws(() => new Group({ limit: 1.5 }), RangeError);
      assert.throws(() => new Group({ limit: '2' as unknown as number }), {
        name: 'TypeError',
        message: 'Group: expected `limit` to be a number, got `"2"` (string)',
      });
      assert.throws(() => new Group({ signal: {} as AbortSignal }), TypeError);
      assert.throws(() => new Group(null as unknown as GroupOptions), TypeError);
    });

    it('reports a non-function task as a rejected go() and a throwing tryGo()', async () => {
      const group = new Group();
      await assert.rejects(group.go(42 as unknown as GroupTask), {
        name: 'TypeError',
        message: 'Group.go: expected `fn` to be a function, got `42` (number)',
      });
      assert.throws(() => group.tryGo('x' as unknown as GroupTask), TypeError);
      await assert.rejects(
        group.go(async () => {}, { signal: 'x' as unknown as AbortSignal }),
        TypeError,
      );
      await group.wait();
    });
  });

  it('holds its invariants under every interleaving of task completions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.boolean(), { maxLength: 10 }),
        async (s, limit, outcomes) => {
          const group = new Group({ limit });
          const started: number[] = [];
          const errors = outcomes.map((_, i) => new Error(`task ${i}`));
          const failed: Error[] = [];
          let active = 0;
          let maxActive = 0;
          let startedWhileCancelled = false;
          const producer = (async () => {
            for (let i = 0; i < outcomes.length; i++) {
              await group.go(async () => {
                if (group.signal.aborted) startedWhileCancelled = true;
                started.push(i);
                maxActive = Math.max(maxActive, ++active);
                await s.schedule(Promise.resolve(), `task ${i}`);
                active--;
                if (!outcomes[i]) {
                  failed.push(errors[i]!);
                  throw errors[i];
                }
              });
            }
            return group.wait().then(
              () => undefined,
              (e: unknown) => e,
            );
          })();
          await s.waitFor(producer);
          const result = await producer;
          assert.equal(startedWhileCancelled, false);
          assert.ok(maxActive <= limit, `maxActive = ${maxActive}; want <= ${limit}`);
          // Tasks start in go() order: the started list is a prefix of 0..n-1.
          assert.deepEqual(
            started,
            started.map((_, i) => i),
          );
          if (failed.length === 0) {
            assert.equal(result, undefined);
            assert.equal(started.length, outcomes.length);
          } else {
            assert.equal(result, failed[0]);
            assert.equal(group.signal.reason, failed[0]);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('has the documented types', () => {
    expectTypeOf<GroupOptions>().toEqualTypeOf<{
      signal?: AbortSignal | undefined;
      limit?: number | AdaptiveLimit | undefined;
    }>();
    expectTypeOf<GroupTask>().toEqualTypeOf<(signal: AbortSignal) => Promise<unknown>>();
    const group = new Group();
    expectTypeOf(group.signal).toEqualTypeOf<AbortSignal>();
    expectTypeOf(group.go).parameter(0).toEqualTypeOf<GroupTask>();
    expectTypeOf(group.go).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(group.tryGo).returns.toEqualTypeOf<boolean>();
    expectTypeOf(group.wait).returns.toEqualTypeOf<Promise<void>>();
    void group.wait();
  });
});
