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

/**
 * The floor for `limit`: a limiter as one writes it by hand, an array queue with a head index and an active count,
 * with none of limit's guarantees (no abort, no argument checks, no clearQueue, no changing the concurrency).
 */
function bareLimit(concurrency: number) {
  let active = 0;
  let head = 0;
  const queue: (() => void)[] = [];
  const next = (): void => {
    active--;
    if (head < queue.length) {
      const start = queue[head]!;
      queue[head++] = undefined as never;
      start();
    }
  };
  // A call that starts at once returns its own promise; a queued one gets a promise that adopts it once started.
  const run = <A, R>(fn: (a: A) => Promise<R>, a: A): Promise<R> => {
    active++;
    const p = fn(a);
    p.then(next, next);
    return p;
  };
  return <A, R>(fn: (a: A) => Promise<R>, a: A): Promise<R> =>
    active < concurrency ? run(fn, a) : new Promise<R>((resolve) => queue.push(() => resolve(run(fn, a))));
}
const bareRound = (): Promise<number[]> => {
  const l = bareLimit(C);
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
await measure(bareRound, N, { rounds: 1, warmup: 0 });
const oursWall: number[] = [];
const peerWall: number[] = [];
const bareWall: number[] = [];
const oursCpu: number[] = [];
const peerCpu: number[] = [];
const LIMIT_ROUNDS = 5;
for (let i = 0; i < LIMIT_ROUNDS; i++) {
  let since = process.cpuUsage();
  oursWall.push(await measure(limitRound, N, { rounds: 1, warmup: 0 }));
  oursCpu.push(cpuNs(since));
  since = process.cpuUsage();
  peerWall.push(await measure(pLimitRound, N, { rounds: 1, warmup: 0 }));
  peerCpu.push(cpuNs(since));
  bareWall.push(await measure(bareRound, N, { rounds: 1, warmup: 0 }));
}
const oursLimit = median(oursWall);
const peerLimit = median(peerWall);
const bareLimitNs = median(bareWall);
const vsBare = oursWall.map((o, i) => o / bareWall[i]!).sort((a, b) => a - b);
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
      'Median ns per call over 5 alternating rounds of limit, p-limit and a bare hand-written limiter. Memory: heap retained per call waiting behind a limiter of 1 whose first call is held, ' +
      'measured with 200,000 waiting calls after a full GC (the caller keeps each returned promise).',
    rows: [
      ['implementation', 'per call', 'bytes per queued call'],
      ['no limiter (calls made directly: the floor)', fmtNs(direct), '-'],
      ['floor: a bare hand-written limiter', fmtNs(bareLimitNs), '-'],
      ['goscale `limit`', fmtNs(oursLimit), fmtBytes(memOurs)],
      ['p-limit 7', fmtNs(peerLimit), fmtBytes(memPeer)],
    ],
    notes: [
      goal(
        median(vsBare) <= 1.2,
        `limit within 1.2x of the bare limiter's time: ${median(vsBare).toFixed(2)}x (median of ${LIMIT_ROUNDS} alternating rounds, spread ${vsBare[0]!.toFixed(2)}x to ${vsBare.at(-1)!.toFixed(2)}x)`,
      ),
      `Against p-limit: ${fmtRatio(limitRatio)} faster in wall time (pairs: ${peerWall.map((p, i) => fmtRatio(p / oursWall[i]!)).join(', ')}), ` +
        `${fmtRatio(limitCpuRatio)} in CPU time (user + system, garbage collector threads included; ${fmtNs(median(oursCpu))} vs ${fmtNs(median(peerCpu))} per call). ` +
        `The older goal of 5x p-limit was replaced by this floor goal (issue 8): here it would mean ${(peerLimit / bareLimitNs / 5).toFixed(2)}x the bare limiter's time.`,
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
