import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SingleFlight } from './singleflight.js';
import { abortListeners as listeners, flush, gate } from '../testing/helpers.js';

describe('SingleFlight', () => {
  it('shares one execution among concurrent callers with the same key', async () => {
    const flights = new SingleFlight<string, number>();
    const g = gate<number>();
    let runs = 0;
    const fn = (): Promise<number> => (runs++, g.promise);
    const a = flights.do('k', fn);
    const b = flights.do('k', fn);
    assert.equal(runs, 1);
    assert.equal(flights.size, 1);
    g.open(3);
    assert.deepEqual(await Promise.all([a, b]), [3, 3]);
    assert.equal(flights.size, 0);
  });

  it('runs separately for different keys', async () => {
    const flights = new SingleFlight<string, string>();
    const [a, b] = await Promise.all([flights.do('a', async () => 'A'), flights.do('b', async () => 'B')]);
    assert.deepEqual([a, b], ['A', 'B']);
  });

  it('runs fn again for a call made after the previous run settled', async () => {
    const flights = new SingleFlight();
    let runs = 0;
    await flights.do('k', async () => ++runs);
    assert.equal(await flights.do('k', async () => ++runs), 2);
  });

  it('shares a failure with every joined caller, then frees the key', async () => {
    const flights = new SingleFlight();
    const g = gate<never>();
    const a = flights.do('k', () => g.promise);
    const b = flights.do('k', () => g.promise);
    const boom = new Error('boom');
    g.fail(boom);
    await assert.rejects(a, (error) => error === boom);
    await assert.rejects(b, (error) => error === boom);
    assert.equal(await flights.do('k', () => 'fresh'), 'fresh');
    await assert.rejects(
      flights.do('k', () => {
        throw boom;
      }),
      (error) => error === boom,
    );
    assert.equal(flights.size, 0);
  });

  it('runs fn anew after forget(key), even while the old run is in flight', async () => {
    const flights = new SingleFlight<string, string>();
    const old = gate<string>();
    const fresh = gate<string>();
    const a = flights.do('k', () => old.promise);
    flights.forget('k');
    const b = flights.do('k', () => fresh.promise);
    const c = flights.do('k', () => Promise.resolve('unused'));
    old.open('old');
    assert.equal(await a, 'old');
    // The old run settling must not drop the newer run's entry.
    assert.equal(flights.size, 1);
    fresh.open('new');
    assert.deepEqual(await Promise.all([b, c]), ['new', 'new']);
    assert.equal(flights.size, 0);
  });

  it('lets an aborted caller stop waiting while the run goes on for the others', async () => {
    const flights = new SingleFlight<string, number>();
    const g = gate<number>();
    const controller = new AbortController();
    const quitter = flights.do('k', () => g.promise, { signal: controller.signal });
    const stayer = flights.do('k', () => g.promise);
    controller.abort('bye');
    await assert.rejects(quitter, (error) => error === 'bye');
    assert.equal(listeners(controller.signal), 0);
    assert.equal(flights.size, 1);
    g.open(9);
    assert.equal(await stayer, 9);
  });

  it('rejects an already-aborted signal at once and starts nothing', async () => {
    const flights = new SingleFlight();
    let runs = 0;
    await assert.rejects(
      flights.do('k', () => ++runs, { signal: AbortSignal.abort('x') }),
      (error) => error === 'x',
    );
    assert.equal(runs, 0);
    assert.equal(flights.size, 0);
    await assert.rejects(flights.do('k', 'no' as unknown as () => void), {
      name: 'TypeError',
      message: /`"no"`/,
    });
  });

  it('does not report an unhandled rejection when every caller aborted before the run failed', async () => {
    const flights = new SingleFlight();
    const g = gate<never>();
    const controller = new AbortController();
    const quitter = flights.do('k', () => g.promise, { signal: controller.signal });
    controller.abort();
    await assert.rejects(quitter, { name: 'AbortError' });
    let unhandled = 0;
    const onUnhandled = (): void => void unhandled++;
    process.on('unhandledRejection', onUnhandled);
    g.fail(new Error('nobody listens'));
    await flush();
    process.off('unhandledRejection', onUnhandled);
    assert.equal(unhandled, 0);
  });

  it('leaves no listener behind after 100,000 aborted callers', async () => {
    const flights = new SingleFlight<number, number>();
    const g = gate<number>();
    let rejected = 0;
    for (let round = 0; round < 100; round++) {
      const controller = new AbortController();
      setMaxListeners(0, controller.signal);
      const waits: Promise<unknown>[] = [];
      for (let i = 0; i < 1_000; i++) {
        waits.push(
          flights.do(i % 10, () => g.promise, { signal: controller.signal }).catch(() => rejected++),
        );
      }
      controller.abort();
      assert.equal(listeners(controller.signal), 0);
      await Promise.all(waits);
    }
    assert.equal(rejected, 100_000);
    g.open(1);
    await flush();
    assert.equal(flights.size, 0);
  });

  it('runs fn once per key and settlement under any interleaving, as a model predicts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.record({ key: fc.constantFrom('a', 'b'), forget: fc.boolean() }), {
          minLength: 1,
          maxLength: 10,
        }),
        async (s, plan) => {
          const flights = new SingleFlight<string, number>();
          // Model: a key is in flight from the call that runs fn until that run settles or is forgotten.
          const inFlight = new Map<string, number>();
          let runs = 0;
          const results: Promise<void>[] = [];
          for (const [i, step] of plan.entries()) {
            results.push(
              s
                .schedule(Promise.resolve(), `call ${i} ${step.key}${step.forget ? ' forget' : ''}`)
                .then(async () => {
                  if (step.forget) {
                    flights.forget(step.key);
                    inFlight.delete(step.key);
                  }
                  const joined = inFlight.get(step.key);
                  const before = runs;
                  const pending = flights.do(step.key, () => {
                    const run = ++runs;
                    inFlight.set(step.key, run);
                    return s.schedule(Promise.resolve(run), `settle run ${run}`).then((v) => {
                      if (inFlight.get(step.key) === run) inFlight.delete(step.key);
                      return v;
                    });
                  });
                  // A caller that found a run in flight joins it; otherwise its own fn runs, synchronously.
                  assert.equal(runs, joined === undefined ? before + 1 : before);
                  assert.equal(await pending, joined ?? before + 1);
                }),
            );
          }
          await s.waitFor(Promise.all(results));
          assert.equal(flights.size, 0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
