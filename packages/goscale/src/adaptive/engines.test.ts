import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Group } from '../group/index.js';
import { forEach, limit, map, stream } from '../pool/index.js';
import { flush, gate, type Gate } from '../testing/helpers.js';
import { adaptive, type AdaptiveLimit } from './adaptive.js';
import { kneeServer, meanLimit } from './testing/model.js';
import { scripted } from './testing/scripted.js';
import { VirtualServer } from './testing/virtual.js';

type Engine = (limit: AdaptiveLimit, fn: (i: number) => Promise<void>, count: number) => Promise<unknown>;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

const engines: Record<string, Engine> = {
  map: (lim, fn, n) => map(range(n), fn, { concurrency: lim }),
  forEach: (lim, fn, n) => forEach(range(n), fn, { concurrency: lim }),
  stream: async (lim, fn, n) => {
    for await (const _ of stream(range(n), fn, { concurrency: lim })) void _;
  },
  limit: (lim, fn, n) => {
    const l = limit(lim);
    return Promise.all(range(n).map((i) => l(fn, i)));
  },
  Group: (lim, fn, n) => {
    const group = new Group({ limit: lim });
    for (const i of range(n)) void group.go(() => fn(i));
    return group.wait();
  },
};

/** Mappers held on gates; each start checks the limit in force and records what ran. */
function gated(lim: () => AdaptiveLimit, n: number) {
  const gates: Gate[] = range(n).map(() => gate());
  const started: number[] = [];
  let running = 0;
  let violations = 0;
  const fn = async (i: number): Promise<void> => {
    running++;
    if (running > lim().current) violations++;
    started.push(i);
    try {
      await gates[i]!.promise;
    } finally {
      running--;
    }
  };
  return { gates, started, fn, running: () => running, violations: () => violations };
}

describe('engines with an adaptive limit', () => {
  for (const [name, engine] of Object.entries(engines)) {
    it(`${name}: admits only while fewer than current run, re-reading it after each sample`, async () => {
      let clock = 0;
      // After the 1st sample: 4; the 2nd: 1; the 5th: 10.
      const { factory, samples } = scripted((_s, i) => ({ 0: 4, 1: 1, 4: 10 })[i]);
      const lim = adaptive({ initial: 2, algorithm: factory, now: () => clock });
      const t = gated(() => lim, 10);
      const done = engine(lim, t.fn, 10);
      await flush();
      assert.deepEqual(t.started, [0, 1]);
      clock = 10;
      t.gates[0]!.open();
      await flush();
      assert.equal(lim.current, 4);
      assert.deepEqual(t.started, [0, 1, 2, 3, 4], 'a raised limit admits at once');
      t.gates[1]!.open();
      t.gates[2]!.open();
      t.gates[3]!.open();
      await flush();
      assert.equal(lim.current, 1);
      assert.deepEqual(t.started, [0, 1, 2, 3, 4], 'a cut admits nothing until fewer than the limit run');
      assert.equal(t.running(), 1);
      t.gates[4]!.open();
      await flush();
      assert.equal(lim.current, 10);
      assert.deepEqual(t.started, range(10));
      for (const g of t.gates) g.open();
      await done;
      assert.equal(t.violations(), 0);
      // limit() admits a call at once and starts it a microtask later: its samples count every admitted call.
      const load = name === 'limit' ? [2, 2, 4, 4, 4] : [1, 2, 2, 3, 4];
      assert.deepEqual(
        samples.slice(0, 5).map((s) => [s.start, s.inFlight]),
        [0, 0, 10, 10, 10].map((start, k) => [start, load[k]]),
      );
      assert.equal(samples.length, 10);
      assert.ok(samples.every((s) => !s.overload));
    });
  }

  it('map: tasks still running when the run stops (failure, abort) are not samples', async () => {
    const { factory, samples } = scripted();
    const lim = adaptive({ initial: 3, algorithm: factory, now: () => 0 });
    const t = gated(() => lim, 3);
    const done = map(
      range(3),
      async (i, _index, signal) => {
        if (i === 0) {
          await flush();
          throw Object.assign(new Error('busy'), { status: 503 });
        }
        await t.fn(i);
        if (signal.aborted) throw signal.reason;
      },
      { concurrency: lim },
    );
    await assert.rejects(done, /busy/);
    t.gates[1]!.open();
    t.gates[2]!.fail(new Error('late'));
    await flush();
    assert.deepEqual(
      samples.map((s) => s.overload),
      [true],
      'only the overload that stopped the run',
    );
    // The run released the limit: a new one may take it, starting from what it learned.
    await map([1], async () => {}, { concurrency: lim });
  });

  it('map: a caller abort stops the run, and the aborted mappers are not samples', async () => {
    const { factory, samples } = scripted();
    const lim = adaptive({ initial: 2, algorithm: factory });
    const controller = new AbortController();
    const t = gated(() => lim, 4);
    const done = map(range(4), (i) => t.fn(i), { concurrency: lim, signal: controller.signal });
    await flush();
    controller.abort(new Error('caller left'));
    await assert.rejects(done, /caller left/);
    t.gates[0]!.open();
    t.gates[1]!.fail(new DOMException('aborted', 'AbortError'));
    await flush();
    assert.equal(samples.length, 0);
  });

  it('Group: tasks settling after the group was cancelled are not samples', async () => {
    const { factory, samples } = scripted();
    const lim = adaptive({ initial: 4, algorithm: factory });
    const group = new Group({ limit: lim });
    const t = gated(() => lim, 3);
    for (const i of range(3)) void group.go(() => t.fn(i));
    await flush();
    t.gates[0]!.fail(new Error('bug'));
    await flush();
    t.gates[1]!.open();
    t.gates[2]!.fail(group.signal.reason);
    await assert.rejects(group.wait(), /bug/);
    assert.equal(samples.length, 0, 'a plain failure is no sample either');
  });

  it('one limit serves one engine at a time; limit() keeps it until its concurrency is set to a number', async () => {
    const lim = adaptive();
    const hold = gate();
    const first = map([0], () => hold.promise, { concurrency: lim });
    await assert.rejects(
      map([0], async () => {}, { concurrency: lim }),
      {
        name: 'TypeError',
        message: /map: this adaptive\(\) limit is in use by map/,
      },
    );
    assert.throws(() => new Group({ limit: lim }), /Group: this adaptive\(\) limit is in use by map/);
    assert.throws(() => stream([0], async () => {}, { concurrency: lim }), /in use by map/);
    hold.open();
    await first;
    const l = limit(lim);
    assert.equal(l.concurrency, lim.current);
    await assert.rejects(
      forEach([0], async () => {}, { concurrency: lim }),
      /forEach: this adaptive\(\) limit is in use by limit/,
    );
    l.concurrency = 3;
    assert.equal(l.concurrency, 3);
    const group = new Group({ limit: lim });
    await group.wait();
    await map([0], async () => {}, { concurrency: lim });
  });

  it('map with gradient2 finds the knee of a server it is not told about (virtual time, real promises)', async () => {
    const server = new VirtualServer(kneeServer({ knee: 16, baseMs: 10, seed: 4 }));
    const limits: [number, number][] = [[0, 1]];
    const lim = adaptive({
      initial: 1,
      now: () => server.now,
      onChange: (c) => limits.push([c.at, c.limit]),
    });
    let running = 0;
    let violations = 0;
    await server.drive(
      forEach(
        range(3000),
        async () => {
          if (++running > lim.current) violations++;
          try {
            await server.request();
          } finally {
            running--;
          }
        },
        { concurrency: lim },
      ),
    );
    assert.equal(violations, 0);
    const settled = meanLimit(limits, server.now / 2, server.now);
    assert.ok(settled >= 14 && settled <= 21, `mean limit over the second half = ${settled.toFixed(1)}`);
  });

  it('limit() and map with gradient2 cut at once on 503s from a full queue (virtual time)', async () => {
    for (const engine of ['limit', 'map'] as const) {
      // 20 workers, then a queue of 10, then 503s.
      const server = new VirtualServer((n) =>
        n > 30 ? { ms: 1, overload: true } : { ms: 10 * Math.max(1, n / 20) },
      );
      const lim = adaptive({ initial: 100, now: () => server.now });
      let failed = 0;
      const task = (): Promise<void> =>
        server.request().catch((error: unknown) => {
          failed++;
          throw error;
        });
      if (engine === 'limit') {
        const l = limit(lim);
        await server.drive(Promise.all(range(2000).map(() => l(task).catch(() => undefined))));
      } else {
        const done = map(range(2000), task, { concurrency: lim, stopOnError: false });
        await assert.rejects(server.drive(done), AggregateError);
      }
      assert.ok(lim.current <= 30, `${engine}: limit = ${lim.current}`);
      assert.ok(failed < 100, `${engine}: ${failed} of 2000 failed`);
    }
  });
});
