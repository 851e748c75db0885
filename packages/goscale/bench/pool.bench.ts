/**
 * @module Bench: bounded map and limit against a hand-written worker loop, p-map 7, p-limit 7 and async-sema.
 */
import pLimit from 'p-limit';
import pMap from 'p-map';
import { Sema } from 'async-sema';
import { limit, map } from '../src/pool/index.js';
import {
  fmtBytes,
  fmtNs,
  fmtRatio,
  goal,
  heapUsed,
  measure,
  report,
  type BenchSection,
} from '../../../bench/harness.js';

const N = 1_000_000;
const C = 100;
const items = Array.from({ length: N }, (_, i) => i);
const noop = async (x: number): Promise<number> => x;
const syncNoop = (x: number): number => x;

/** The floor: `C` async workers sharing an index, as one would write it by hand. */
async function workerLoop(input: readonly number[], fn: (x: number) => Promise<number>, c: number) {
  const results = new Array<number>(input.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < input.length) {
      const i = next++;
      results[i] = await fn(input[i]!);
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
  return results;
}

async function semaLoop(input: readonly number[], fn: (x: number) => Promise<number>, c: number) {
  const sema = new Sema(c);
  return Promise.all(
    input.map(async (x) => {
      await sema.acquire();
      try {
        return await fn(x);
      } finally {
        sema.release();
      }
    }),
  );
}

// Few rounds: the peers take seconds per round, and the file must finish in about 90 s on a shared machine.
const fast = { rounds: 3, warmup: 1 };
const slow = { rounds: 3, warmup: 0 };
const worker = await measure(() => workerLoop(items, noop, C), N, fast);
const ours = await measure(() => map(items, noop, { concurrency: C }), N, fast);
const oursSync = await measure(() => map(items, syncNoop, { concurrency: C }), N, fast);
const peerMap = await measure(() => pMap(items, noop, { concurrency: C }), N, slow);
// One round only: async-sema takes over ten seconds per round on a loaded machine.
const sema = await measure(() => semaLoop(items, noop, C), N, { rounds: 1, warmup: 0 });
// The floor for the limit table: the same 1,000,000 calls and Promise.all with no limiter at all.
const direct = await measure(() => Promise.all(items.map((x) => noop(x))), N, fast);
const limitRound = (): Promise<number[]> => {
  const l = limit(C);
  return Promise.all(items.map((x) => l(noop, x)));
};
const pLimitRound = (): Promise<number[]> => {
  const l = pLimit(C);
  return Promise.all(items.map((x) => l(noop, x)));
};
/** CPU time (user + system) per call since `since`: less sensitive than wall time to other processes. */
const cpuNs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return ((used.user + used.system) * 1000) / N;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// The machine is shared and its load changes from second to second, so limit and p-limit run in alternating rounds
// and each ratio is the median of the per-pair ratios, in wall time and in CPU time.
await measure(limitRound, N, { rounds: 1, warmup: 0 });
await measure(pLimitRound, N, { rounds: 1, warmup: 0 });
const oursWall: number[] = [];
const peerWall: number[] = [];
const oursCpu: number[] = [];
const peerCpu: number[] = [];
for (let i = 0; i < 3; i++) {
  let since = process.cpuUsage();
  oursWall.push(await measure(limitRound, N, { rounds: 1, warmup: 0 }));
  oursCpu.push(cpuNs(since));
  since = process.cpuUsage();
  peerWall.push(await measure(pLimitRound, N, { rounds: 1, warmup: 0 }));
  peerCpu.push(cpuNs(since));
}
const oursLimit = median(oursWall);
const peerLimit = median(peerWall);
const limitRatio = median(peerWall.map((p, i) => p / oursWall[i]!));
const limitCpuRatio = median(peerCpu.map((p, i) => p / oursCpu[i]!));

/** Bytes retained per call queued behind a blocked limiter (promise kept by the caller included). */
async function bytesPerQueued(make: () => (fn: () => Promise<void>) => Promise<void>): Promise<number> {
  const M = 200_000;
  const l = make();
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const first = l(() => gate);
  const before = heapUsed();
  const pending: Promise<void>[] = new Array<Promise<void>>(M);
  const done = async (): Promise<void> => {};
  for (let i = 0; i < M; i++) pending[i] = l(done);
  const after = heapUsed();
  open();
  await first;
  await Promise.all(pending);
  return (after - before) / M;
}
const memOurs = await bytesPerQueued(() => limit(1));
const memPeer = await bytesPerQueued(() => pLimit(1));

const sections: BenchSection[] = [
  {
    title: 'Bounded map: 1,000,000 no-op async items at concurrency 100',
    description:
      'Median ns per item over several rounds, all in one process. The worker loop is the floor: 100 async functions ' +
      'sharing an index. The async-sema row queues every item behind `acquire()`.',
    rows: [
      ['implementation', 'per item', 'vs worker loop'],
      ['hand-written worker loop', fmtNs(worker), '1.0x'],
      ['goscale `map`', fmtNs(ours), fmtRatio(ours / worker)],
      ['goscale `map`, synchronous mapper', fmtNs(oursSync), fmtRatio(oursSync / worker)],
      ['p-map 7', fmtNs(peerMap), fmtRatio(peerMap / worker)],
      ['async-sema loop', fmtNs(sema), fmtRatio(sema / worker)],
    ],
    notes: [
      goal(ours <= 3 * worker, `map within 3x of the worker loop (measured ${fmtRatio(ours / worker)})`),
      goal(peerMap >= 5 * ours, `map at least 5x faster than p-map (measured ${fmtRatio(peerMap / ours)})`),
    ],
  },
  {
    title: 'limit vs p-limit: 1,000,000 calls queued at once, then Promise.all, concurrency 100',
    description:
      'Median ns per call over 3 rounds of limit and p-limit, alternating. Memory: heap retained per call waiting behind a limiter of 1 whose first call is held, ' +
      'measured with 200,000 waiting calls after a full GC (the caller keeps each returned promise).',
    rows: [
      ['implementation', 'per call', 'bytes per queued call'],
      ['no limiter (calls made directly: the floor)', fmtNs(direct), '-'],
      ['goscale `limit`', fmtNs(oursLimit), fmtBytes(memOurs)],
      ['p-limit 7', fmtNs(peerLimit), fmtBytes(memPeer)],
    ],
    notes: [
      goal(
        limitRatio >= 5,
        `limit at least 5x faster than p-limit in wall time: ${fmtRatio(limitRatio)} (median of 3 alternating pairs: ${peerWall.map((p, i) => fmtRatio(p / oursWall[i]!)).join(', ')})`,
      ),
      goal(
        limitCpuRatio >= 5,
        `the same in CPU time (user + system, garbage collector threads included): ${fmtRatio(limitCpuRatio)} (${fmtNs(median(oursCpu))} vs ${fmtNs(median(peerCpu))} per call; pairs: ${peerCpu.map((p, i) => fmtRatio(p / oursCpu[i]!)).join(', ')})`,
      ),
      `Ceiling: a limiter that cost nothing would be ${fmtRatio(peerLimit / direct)} faster than p-limit here, since ` +
        'every call still makes and awaits its promise (the floor row).',
      `Above the floor, limit adds ${fmtNs(oursLimit - direct)} per call and p-limit ${fmtNs(peerLimit - direct)} ` +
        `(${fmtRatio((peerLimit - direct) / Math.max(1, oursLimit - direct))} less).`,
      goal(
        memOurs <= memPeer,
        `memory per queued call not above p-limit's (${fmtBytes(memOurs)} vs ${fmtBytes(memPeer)})`,
      ),
    ],
  },
];
report('pool.bench.ts', sections);
