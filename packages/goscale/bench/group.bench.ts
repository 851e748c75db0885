/**
 * @module Bench for goscale/group: Group with a limit vs p-queue, Group without a limit vs Promise.all, the memory
 * of a queued task, merge throughput, and the cost of one fanOut call.
 */
import PQueue from 'p-queue';
import { fanOut, Group, merge } from '../src/group/index.js';
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
const CONCURRENCY = 100;
const noop = async (): Promise<void> => {};
/** "12 ns more" or "12 ns less", from a measured difference. */
const moreOrLess = (diff: number): string => `${fmtNs(Math.abs(diff))} ${diff >= 0 ? 'more' : 'less'}`;

// --- Group with a limit vs p-queue -------------------------------------------------------------------------------

async function groupLimitedFireAndForget(): Promise<void> {
  const group = new Group({ limit: CONCURRENCY });
  for (let i = 0; i < N; i++) void group.go(noop);
  await group.wait();
}

async function groupLimitedAwaited(): Promise<void> {
  const group = new Group({ limit: CONCURRENCY });
  for (let i = 0; i < N; i++) await group.go(noop);
  await group.wait();
}

async function pQueue(): Promise<void> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  for (let i = 0; i < N; i++) void queue.add(noop);
  await queue.onIdle();
}

/** Median of a list of numbers. */
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The machine is shared, so its load changes from second to second: Group and p-queue run in alternating rounds,
// each round once (a million tasks average well), and the ratio is the median of the per-pair ratios. Three pairs
// keep the file within about 90 s (p-queue is by far the slowest).
const PAIRS = 3;
await measure(groupLimitedFireAndForget, N, { rounds: 1, warmup: 0 });
const fireRounds: number[] = [];
const pqRounds: number[] = [];
// CPU time (user + system) of the same rounds: less sensitive than wall time to other processes on the machine.
const fireCpu: number[] = [];
const pqCpu: number[] = [];
const cpuNs = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return ((used.user + used.system) * 1000) / N;
};
for (let i = 0; i < PAIRS; i++) {
  let since = process.cpuUsage();
  fireRounds.push(await measure(groupLimitedFireAndForget, N, { rounds: 1, warmup: 0 }));
  fireCpu.push(cpuNs(since));
  since = process.cpuUsage();
  pqRounds.push(await measure(pQueue, N, { rounds: 1, warmup: 0 }));
  pqCpu.push(cpuNs(since));
}
const cpuRatio = median(pqCpu.map((p, i) => p / fireCpu[i]!));
const groupFire = median(fireRounds);
const pq = median(pqRounds);
const limitedRatio = median(pqRounds.map((p, i) => p / fireRounds[i]!));
const groupAwaited = await measure(groupLimitedAwaited, N, { rounds: 3 });

const limited: BenchSection = {
  title: 'Group with a limit vs p-queue',
  description: `${N.toLocaleString('en')} no-op async tasks at concurrency ${CONCURRENCY}: \`go()\` for each task then \`wait()\`, against p-queue 9 \`add()\` for each then \`onIdle()\`. Group and p-queue ran in 3 alternating pairs of rounds; the ratio is the median of the per-pair ratios.`,
  rows: [
    ['Implementation', 'per task', 'faster than p-queue'],
    ['p-queue 9 `add()` + `onIdle()`', fmtNs(pq), '1.0x'],
    ['goscale `Group({ limit: 100 })`, `go()` not awaited', fmtNs(groupFire), fmtRatio(limitedRatio)],
    [
      'goscale `Group({ limit: 100 })`, `await go()` (producer waits for a slot)',
      fmtNs(groupAwaited),
      fmtRatio(pq / groupAwaited),
    ],
  ],
  notes: [
    goal(
      limitedRatio >= 5,
      `Group with a limit at least 5x faster than p-queue, with all million go() calls queued at once: ${fmtRatio(limitedRatio)} faster (pairs: ${pqRounds.map((p, i) => fmtRatio(p / fireRounds[i]!)).join(', ')}). This form is bound by allocating and collecting a million pending promises.`,
    ),
    goal(
      cpuRatio >= 5,
      `the same in CPU time (user + system, which includes the garbage collector's helper threads): ${fmtRatio(cpuRatio)} faster (${fmtNs(median(fireCpu))} vs ${fmtNs(median(pqCpu))} per task; pairs: ${pqCpu.map((p, i) => fmtRatio(p / fireCpu[i]!)).join(', ')}).`,
    ),
    goal(
      pq / groupAwaited >= 5,
      `Group with a limit at least 5x faster than p-queue, with the producer awaiting each \`go()\` (its intended use: backpressure, at most one queued call): ${fmtRatio(pq / groupAwaited)} faster.`,
    ),
  ],
};

// --- Group without a limit vs Promise.all ------------------------------------------------------------------------

async function groupUnlimited(): Promise<void> {
  const group = new Group();
  for (let i = 0; i < N; i++) void group.go(noop);
  await group.wait();
}

async function promiseAll(): Promise<void> {
  const all: Promise<void>[] = [];
  for (let i = 0; i < N; i++) all.push(noop());
  await Promise.all(all);
}

const unlimitedGroup = await measure(groupUnlimited, N, { rounds: 3 });
const all = await measure(promiseAll, N, { rounds: 3 });

const unlimited: BenchSection = {
  title: 'Group without a limit vs Promise.all',
  description: `${N.toLocaleString('en')} no-op async tasks started at once: \`go()\` for each then \`wait()\`, against pushing each promise into an array for \`Promise.all\`.`,
  rows: [
    ['Implementation', 'per task', 'vs Promise.all'],
    ['`Promise.all`', fmtNs(all), '1.0x'],
    ['goscale `Group()`', fmtNs(unlimitedGroup), fmtRatio(unlimitedGroup / all)],
  ],
  notes: [
    `Group costs ${moreOrLess(unlimitedGroup - all)} per task than Promise.all (${fmtRatio(unlimitedGroup / all)} its time), and adds a shared signal, the first error and no unhandled rejection.`,
  ],
};

// --- Memory per queued task --------------------------------------------------------------------------------------

const QUEUED = 200_000;

async function queuedBytes(enqueue: (release: Promise<void>) => () => Promise<void>): Promise<number> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const before = heapUsed();
  const done = enqueue(gate);
  const after = heapUsed();
  open();
  await done();
  return (after - before) / QUEUED;
}

const groupBytes = await queuedBytes((gate) => {
  const group = new Group({ limit: 1 });
  void group.go(() => gate);
  for (let i = 0; i < QUEUED; i++) void group.go(noop);
  return () => group.wait();
});
const pqBytes = await queuedBytes((gate) => {
  const queue = new PQueue({ concurrency: 1 });
  void queue.add(() => gate);
  for (let i = 0; i < QUEUED; i++) void queue.add(noop);
  return () => queue.onIdle();
});

const memory: BenchSection = {
  title: 'Memory per queued task: Group vs p-queue',
  description: `Heap growth (after full GC) while ${QUEUED.toLocaleString('en')} tasks wait behind one held slot, divided by the count.`,
  rows: [
    ['Implementation', 'bytes per queued task'],
    ['goscale `Group({ limit: 1 })`', fmtBytes(groupBytes)],
    ['p-queue 9 (concurrency 1)', fmtBytes(pqBytes)],
  ],
  notes: [`A queued go() takes ${fmtRatio(groupBytes / pqBytes)} the memory of a queued p-queue add().`],
};

// --- merge and fanOut ----------------------------------------------------------------------------------------------

const SOURCES = 4;
const PER_SOURCE = 100_000;

async function* count(n: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) yield i;
}

async function mergeAll(): Promise<void> {
  let seen = 0;
  const sources = Array.from({ length: SOURCES }, () => count(PER_SOURCE));
  for await (const _ of merge(...sources)) seen++;
  if (seen !== SOURCES * PER_SOURCE) throw new Error(`merge bench: saw ${seen} values`);
}

async function sequentialAll(): Promise<void> {
  let seen = 0;
  for (let s = 0; s < SOURCES; s++) for await (const _ of count(PER_SOURCE)) seen++;
  if (seen !== SOURCES * PER_SOURCE) throw new Error(`merge bench: saw ${seen} values`);
}

const VALUES = SOURCES * PER_SOURCE;
const merged = await measure(mergeAll, VALUES, { rounds: 3 });
const sequential = await measure(sequentialAll, VALUES, { rounds: 3 });

const CALLS = 2_000;
const five = {
  ci: async (_signal: AbortSignal) => 'green',
  cd: async (_signal: AbortSignal) => 'deployed',
  git: async (_signal: AbortSignal) => 'abc123',
  scan: async (_signal: AbortSignal) => 0,
  deploy: async (_signal: AbortSignal) => 'ok',
};

async function fanOutCalls(): Promise<void> {
  for (let i = 0; i < CALLS; i++) await fanOut(five, { timeout: 2_000 });
}

async function allSettledCalls(): Promise<void> {
  const sources = Object.values(five);
  for (let i = 0; i < CALLS; i++) {
    const signal = AbortSignal.timeout(2_000);
    await Promise.allSettled(sources.map((source) => source(signal)));
  }
}

const fanOutNs = await measure(fanOutCalls, CALLS, { rounds: 3 });
const allSettledNs = await measure(allSettledCalls, CALLS, { rounds: 3 });

const fanInOut: BenchSection = {
  title: 'merge and fanOut',
  description: `merge: ${SOURCES} async generators of ${PER_SOURCE.toLocaleString('en')} numbers each, per value, against reading them one after the other. fanOut: one call over 5 sources that resolve at once (deadline 2 s), against \`Promise.allSettled\` with \`AbortSignal.timeout\` (which does not stop at the deadline).`,
  rows: [
    ['Operation', 'time', 'vs baseline'],
    ['`for await` over each generator in turn (baseline)', `${fmtNs(sequential)} per value`, '1.0x'],
    [`goscale \`merge\` of ${SOURCES}`, `${fmtNs(merged)} per value`, fmtRatio(merged / sequential)],
    ['`Promise.allSettled` + `AbortSignal.timeout` (baseline)', `${fmtNs(allSettledNs)} per call`, '1.0x'],
    ['goscale `fanOut` of 5', `${fmtNs(fanOutNs)} per call`, fmtRatio(fanOutNs / allSettledNs)],
  ],
  notes: [
    `merge costs ${moreOrLess(merged - sequential)} per value than reading the sources in turn.`,
    `fanOut costs ${moreOrLess(fanOutNs - allSettledNs)} per call than Promise.allSettled, for a deadline that really returns, keyed results, no leftover timer and a signal aborted when done (two abort dispatches, the bulk of the cost).`,
  ],
};

report('group.bench.ts', [limited, unlimited, memory, fanInOut]);
