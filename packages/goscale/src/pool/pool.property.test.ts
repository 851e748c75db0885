import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { batch } from './batch.js';
import { map } from './map.js';
import { stream } from './stream.js';

type Kind = 'array' | 'iterable' | 'async';

function input(kind: Kind, n: number): Iterable<number> | AsyncIterable<number> {
  const items = Array.from({ length: n }, (_, i) => i);
  if (kind === 'array') return items;
  if (kind === 'iterable') return new Set(items);
  return (async function* () {
    yield* items;
  })();
}

type Run = (
  source: Iterable<number> | AsyncIterable<number>,
  mapper: (x: number, i: number) => Promise<string>,
  k: number,
) => Promise<string[]>;

const runs: Record<'map' | 'batch' | 'stream', Run> = {
  map: (source, mapper, k) => map(source, mapper, { concurrency: k }),
  batch: (source, mapper, k) => batch(source, mapper, { size: k }),
  stream: async (source, mapper, k) => {
    const out: string[] = [];
    for await (const x of stream(source, mapper, { concurrency: k })) out.push(x);
    return out;
  },
};

/** Counts calls per index and tracks the peak number of mappers in flight. */
function probe(k: number, fixedBatches: boolean) {
  const calls = new Map<number, number>();
  const finished = new Set<number>();
  let inFlight = 0;
  let peak = 0;
  return {
    calls,
    get peak() {
      return peak;
    },
    enter(i: number): void {
      calls.set(i, (calls.get(i) ?? 0) + 1);
      peak = Math.max(peak, ++inFlight);
      if (fixedBatches) {
        // Every item of every earlier batch has finished before this one starts.
        for (let j = 0; j < i - (i % k); j++)
          assert.ok(finished.has(j), `item ${i} started before item ${j} ended`);
      }
    },
    leave(i: number): void {
      inFlight--;
      finished.add(i);
    },
  };
}

const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => `v${i}`);

for (const [name, run] of Object.entries(runs)) {
  describe(`${name}: every item exactly once, in order, within the limit`, () => {
    it('for every input size 0..20 and limit 1..6, with uneven durations', async () => {
      for (const kind of ['array', 'iterable', 'async'] as const) {
        for (let n = 0; n <= 20; n++) {
          for (let k = 1; k <= 6; k++) {
            const p = probe(k, name === 'batch');
            const out = await run(
              input(kind, n),
              async (x, i) => {
                assert.equal(x, i);
                p.enter(i);
                for (let t = 0; t <= (i * 5) % 7; t++) await Promise.resolve();
                p.leave(i);
                return `v${x}`;
              },
              k,
            );
            const where = `${kind} n=${n} k=${k}`;
            assert.deepEqual(out, expected(n), where);
            assert.equal(p.calls.size, n, where);
            for (const c of p.calls.values()) assert.equal(c, 1, where);
            assert.ok(p.peak <= k, `${where}: peak ${p.peak}`);
            if (kind !== 'async' && name !== 'stream') assert.equal(p.peak, Math.min(n, k), where);
          }
        }
      }
    });

    it('for any interleaving of completions (fast-check scheduler)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.scheduler(),
          fc.constantFrom<Kind>('array', 'iterable', 'async'),
          fc.integer({ min: 0, max: 30 }),
          fc.integer({ min: 1, max: 6 }),
          async (s, kind, n, k) => {
            const p = probe(k, name === 'batch');
            const done = run(
              input(kind, n),
              async (x, i) => {
                p.enter(i);
                await s.schedule(Promise.resolve(), `item ${i}`);
                p.leave(i);
                return `v${x}`;
              },
              k,
            );
            await s.waitFor(done);
            assert.deepEqual(await done, expected(n));
            assert.equal(p.calls.size, n);
            for (const c of p.calls.values()) assert.equal(c, 1);
            assert.ok(p.peak <= k);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
}

describe('stream: bounded read-ahead', () => {
  it('never starts more than `concurrency` items beyond the results the consumer asked for', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.constantFrom<Kind>('array', 'iterable', 'async'),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 6 }),
        async (s, kind, n, k) => {
          let started = 0;
          // A result is taken when a next() call gets it, so count the calls, not what the loop has seen so far.
          let asked = 0;
          const consume = async (): Promise<number[]> => {
            const out: number[] = [];
            const it = stream(
              input(kind, n),
              async (x) => {
                started++;
                assert.ok(started - asked <= k, `started ${started}, asked ${asked}, k ${k}`);
                await s.schedule(Promise.resolve(), `item ${x}`);
                return x;
              },
              { concurrency: k },
            );
            for (;;) {
              asked++;
              const r = await it.next();
              if (r.done === true) return out;
              out.push(r.value);
              await s.schedule(Promise.resolve(), `consumer after ${r.value}`);
            }
          };
          const done = consume();
          await s.waitFor(done);
          assert.deepEqual(
            await done,
            Array.from({ length: n }, (_, i) => i),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
