import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Once } from './once.js';
import { abortListeners as listeners, gate } from '../testing/helpers.js';

describe('Once', () => {
  it('runs fn once and gives every caller its value, before and after it settles', async () => {
    const once = new Once<number>();
    const g = gate<number>();
    let runs = 0;
    const fn = (): Promise<number> => (runs++, g.promise);
    const a = once.do(fn);
    const b = once.do(fn);
    assert.equal(runs, 1);
    assert.equal(once.started, true);
    g.open(42);
    assert.deepEqual(await Promise.all([a, b, once.do(fn)]), [42, 42, 42]);
    assert.equal(runs, 1);
  });

  it('runs fn synchronously in the first call, like Go', () => {
    const once = new Once();
    let ran = false;
    void once.do(() => (ran = true));
    assert.equal(ran, true);
  });

  it('gives the same error to every caller and never retries', async () => {
    const once = new Once();
    const boom = new Error('boom');
    let runs = 0;
    const fn = (): never => {
      runs++;
      throw boom;
    };
    await assert.rejects(once.do(fn), (error) => error === boom);
    await assert.rejects(once.do(fn), (error) => error === boom);
    await assert.rejects(
      once.do(() => Promise.resolve(1)),
      (error) => error === boom,
    );
    assert.equal(runs, 1);
  });

  it('lets an aborted caller stop waiting while the run goes on for the others', async () => {
    const once = new Once<string>();
    const g = gate<string>();
    const controller = new AbortController();
    const quitter = once.do(() => g.promise, { signal: controller.signal });
    const stayer = once.do(() => g.promise);
    assert.equal(listeners(controller.signal), 1);
    controller.abort('enough');
    await assert.rejects(quitter, (error) => error === 'enough');
    assert.equal(listeners(controller.signal), 0);
    g.open('done');
    assert.equal(await stayer, 'done');
  });

  it('does not use itself up when the first call comes with an already-aborted signal', async () => {
    const once = new Once<number>();
    let runs = 0;
    await assert.rejects(
      once.do(() => ++runs, { signal: AbortSignal.abort('no') }),
      (error) => error === 'no',
    );
    assert.equal(runs, 0);
    assert.equal(once.started, false);
    assert.equal(await once.do(() => ++runs), 1);
  });

  it('rejects a non-function with a TypeError and starts nothing', async () => {
    const once = new Once();
    await assert.rejects(once.do(null as unknown as () => void), {
      name: 'TypeError',
      message: /`null` \(null\)/,
    });
    assert.equal(once.started, false);
  });

  it('delivers to waiting callers with signals and removes their listeners', async () => {
    const once = new Once<number>();
    const g = gate<number>();
    const controller = new AbortController();
    const waits = [1, 2, 3].map(() => once.do(() => g.promise, { signal: controller.signal }));
    assert.equal(listeners(controller.signal), 3);
    g.open(5);
    assert.deepEqual(await Promise.all(waits), [5, 5, 5]);
    assert.equal(listeners(controller.signal), 0);
  });

  it('leaves no listener behind after 100,000 aborted callers', async () => {
    const once = new Once<number>();
    const g = gate<number>();
    let rejected = 0;
    for (let round = 0; round < 100; round++) {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < 1_000; i++)
        waits.push(once.do(() => g.promise, { signal: controller.signal }).catch(() => rejected++));
      controller.abort();
      assert.equal(listeners(controller.signal), 0);
      await Promise.all(waits);
    }
    assert.equal(rejected, 100_000);
    g.open(1);
    assert.equal(await once.do(() => 2), 1);
  });

  it('runs fn exactly once under any interleaving of callers and settlement', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 8 }),
        fc.boolean(),
        async (s, callers, fails) => {
          const once = new Once<number>();
          let runs = 0;
          const fn = (): Promise<number> => {
            runs++;
            return s.schedule(fails ? Promise.reject(new Error('x')) : Promise.resolve(7), 'settle');
          };
          const outcomes: string[] = [];
          const calls = Array.from({ length: callers }, (_, i) =>
            s.schedule(Promise.resolve(i), `call ${i}`).then(() =>
              once.do(fn).then(
                (v) => void outcomes.push(`ok ${v}`),
                (e: Error) => void outcomes.push(`err ${e.message}`),
              ),
            ),
          );
          await s.waitFor(Promise.all(calls));
          assert.equal(runs, 1);
          assert.deepEqual(
            outcomes,
            Array.from({ length: callers }, () => (fails ? 'err x' : 'ok 7')),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
