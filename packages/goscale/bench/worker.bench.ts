/**
 * @module Bench: goscale/worker's WorkerPool against piscina 5, one thread (the main thread) and a hand-written
 * one-message-per-task worker (the message-passing floor), all in one process.
 *
 * The pool is measured from the built package (dist), as users run it: from source every thread would first load
 * tsx, which is start-up and memory of the test setup, not of the pool. The bench builds goscale first.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { fmtBytes, fmtNs, fmtRatio, gc, goal, report, type BenchSection } from '../../../bench/harness.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));
execFileSync(
  process.execPath,
  [createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
  {
    cwd: pkg,
    stdio: 'inherit',
  },
);
// Through a computed specifier: type-checking must not depend on a build; the types are the source's.
const distEntry = new URL('../dist/worker/index.js', import.meta.url).href;
const { WorkerPool } = (await import(distEntry)) as typeof import('../src/worker/index.js');

const taskFile = new URL('./worker-task.mjs', import.meta.url);
const { hash } = (await import(taskFile.href)) as { hash: (rounds: number) => number };
const THREADS = 2;
const ROUNDS = 5;
/** The CPU-bound goal is read from a median: more rounds there, as each is under half a second. */
const CPU_ROUNDS = 9;
const hashRounds = hash;

const now = () => performance.now();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[], f: (x: number) => string) => `${f(Math.min(...xs))} – ${f(Math.max(...xs))}`;
const ms = (x: number) => `${x.toFixed(1)} ms`;
/** Two decimals: the CPU-bound goal (1.8x) sits within a rounding step of what this machine can give. */
const x2 = (r: number) => `${r.toFixed(2)}x`;
/** Each round's main-thread time over the same round's pool time: the spread of the ratio itself. */
const perRound = (main: number[], other: number[]) =>
  spread(
    main.map((m, i) => m / other[i]!),
    x2,
  );

function piscina(threads = THREADS): Piscina {
  return new Piscina({
    filename: taskFile.href,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: 60_000,
  });
}

/** Every thread has loaded the task module and run a task: start-up is over. */
async function warm(run: (i: number) => Promise<unknown>, n = 200): Promise<void> {
  await Promise.all(Array.from({ length: n }, (_, i) => run(i)));
}

// --- CPU-bound: 100 tasks of ~8 ms ------------------------------------------------------------------------------
// Calibrate a fixed amount of work (not a time: a timed burn would take 8 ms of wall time however busy the cores).
// Warm first: a cold call runs in the interpreter and would make the calibrated task far too small once JIT-compiled.
for (let i = 0; i < 200; i++) hashRounds(64);
let rounds = 64;
/** The fastest of 3 calls: preemption on a shared machine only ever adds time. */
const fastest = (n: number) => {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = now();
    hashRounds(n);
    best = Math.min(best, now() - t);
  }
  return best;
};
for (let took = fastest(rounds); ; took = fastest(rounds)) {
  if (took >= 2 || rounds > 1 << 24) {
    rounds = Math.max(1, Math.round((rounds * 8) / took));
    break;
  }
  rounds *= 2;
}
const taskMs = fastest(rounds);

const CPU_TASKS = 100;
const ours = new WorkerPool(taskFile, { threads: THREADS });
const theirs = piscina();
await warm((i) => ours.run(i, { name: 'echo' }));
await warm((i) => theirs.run(i, { name: 'echo' }));
const cpu = { main: [] as number[], ours: [] as number[], piscina: [] as number[] };
for (let r = 0; r < CPU_ROUNDS; r++) {
  let t = now();
  for (let i = 0; i < CPU_TASKS; i++) hashRounds(rounds);
  cpu.main.push(now() - t);
  t = now();
  await Promise.all(Array.from({ length: CPU_TASKS }, () => ours.run(rounds, { name: 'hash' })));
  cpu.ours.push(now() - t);
  t = now();
  await Promise.all(Array.from({ length: CPU_TASKS }, () => theirs.run(rounds, { name: 'hash' })));
  cpu.piscina.push(now() - t);
}
const cpuSpeedup = median(cpu.main) / median(cpu.ours);

/**
 * The machine's ceiling: the same work split by hand over THREADS plain worker threads (no pool, no messages per
 * task), so the pool's ratio can be read against what this machine gives at all (shared vCPUs give less than 2x).
 */
async function ceilingRound(): Promise<number> {
  const code = `const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.file).then(({ hash }) => parentPort.on('message', () => {
      for (let i = 0; i < workerData.n; i++) hash(workerData.rounds);
      parentPort.postMessage(0);
    }));`;
  const workers = Array.from(
    { length: THREADS },
    () =>
      new Worker(code, { eval: true, workerData: { file: taskFile.href, n: CPU_TASKS / THREADS, rounds } }),
  );
  // One warm-up pass each, then the timed pass.
  const pass = () =>
    Promise.all(workers.map((w) => new Promise((resolve) => (w.once('message', resolve), w.postMessage(0)))));
  await pass();
  const t = now();
  await pass();
  const took = now() - t;
  await Promise.all(workers.map((w) => w.terminate()));
  return took;
}
const ceiling: number[] = [];
for (let r = 0; r < 3; r++) ceiling.push(await ceilingRound());
const ceilingSpeedup = median(cpu.main) / median(ceiling);
const mainTaskMs = median(cpu.main) / CPU_TASKS;

// --- Tiny tasks: 20,000 that return their argument ---------------------------------------------------------------
const TINY = 20_000;

/** The floor: one postMessage per task each way, to a worker that echoes, as one would write it by hand. */
function floorWorkers(threads: number) {
  const workers = Array.from(
    { length: threads },
    () =>
      new Worker(
        `const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));`,
        { eval: true },
      ),
  );
  const waiting = new Map<number, (v: unknown) => void>();
  for (const w of workers) w.on('message', ([id, v]: [number, unknown]) => waiting.get(id)!(v));
  let next = 0;
  return {
    run(x: unknown): Promise<unknown> {
      const id = next++;
      return new Promise((resolve) => {
        waiting.set(id, (v) => {
          waiting.delete(id);
          resolve(v);
        });
        workers[id % threads]!.postMessage([id, x]);
      });
    },
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}
const floor = floorWorkers(THREADS);
await warm((i) => floor.run(i));
const tiny = { ours: [] as number[], piscina: [] as number[], floor: [] as number[] };
const burst = (run: (i: number) => Promise<unknown>) =>
  Promise.all(Array.from({ length: TINY }, (_, i) => run(i)));
for (let r = 0; r < ROUNDS; r++) {
  gc();
  let t = now();
  await burst((i) => ours.run(i));
  tiny.ours.push(now() - t);
  gc();
  t = now();
  await burst((i) => theirs.run(i));
  tiny.piscina.push(now() - t);
  gc();
  t = now();
  await burst((i) => floor.run(i));
  tiny.floor.push(now() - t);
}
await floor.close();
const perSec = (total: number) => TINY / (total / 1000);
const tinyRatio = median(tiny.piscina) / median(tiny.ours);
await ours.close();
await theirs.close();

// --- Abort of a running infinite loop, on one thread (the next task needs the replacement thread) -----------------
async function abortRound(
  make: () => {
    run(x: unknown, o: { name: string; signal?: AbortSignal }): Promise<unknown>;
    close(): Promise<void>;
  },
) {
  const pool = make();
  await pool.run(1, { name: 'echo' });
  const controller = new AbortController();
  const spin = pool.run(0, { name: 'spin', signal: controller.signal });
  // The loop must be running, not queued: give the thread time to take it (a clock is fine in a bench).
  await new Promise((resolve) => setTimeout(resolve, 50));
  const t = now();
  controller.abort();
  await spin.catch(() => undefined);
  const rejected = now() - t;
  const served = await pool.run('next', { name: 'echo' });
  const next = now() - t;
  await pool.close();
  return { rejected, next, ok: served === 'next' };
}
type AbortSample = { rejected: number; next: number; ok: boolean };
const aborts = { ours: [] as AbortSample[], piscina: [] as AbortSample[] };
for (let r = 0; r < ROUNDS; r++) {
  aborts.ours.push(await abortRound(() => new WorkerPool(taskFile, { threads: 1 })));
  aborts.piscina.push(await abortRound(() => piscina(1)));
}
const oursRejected = median(aborts.ours.map((a) => a.rejected));
const oursNext = median(aborts.ours.map((a) => a.next));

// --- Start-up and memory per idle thread -------------------------------------------------------------------------
const MEM_THREADS = 4;
async function startup(make: () => { run(x: unknown): Promise<unknown>; close(): Promise<void> }) {
  gc();
  const rss0 = process.memoryUsage().rss;
  const t = now();
  const pool = make();
  // One task per thread at once: done when every thread has started and loaded the module.
  await Promise.all(Array.from({ length: MEM_THREADS }, (_, i) => pool.run(i)));
  const cold = now() - t;
  const t2 = now();
  await Promise.all(Array.from({ length: MEM_THREADS }, (_, i) => pool.run(i)));
  const warmMs = now() - t2;
  gc();
  const rss = (process.memoryUsage().rss - rss0) / MEM_THREADS;
  await pool.close();
  return { startup: cold - warmMs, rss };
}
const starts = {
  ours: [] as { startup: number; rss: number }[],
  piscina: [] as { startup: number; rss: number }[],
};
for (let r = 0; r < ROUNDS; r++) {
  starts.ours.push(await startup(() => new WorkerPool(taskFile, { threads: MEM_THREADS })));
  starts.piscina.push(await startup(() => piscina(MEM_THREADS)));
}

// --- Report -------------------------------------------------------------------------------------------------------
const sections: BenchSection[] = [
  {
    title: `WorkerPool, CPU-bound: ${CPU_TASKS} tasks of ~${Math.round(taskMs)} ms on ${THREADS} threads`,
    description:
      `A fixed JavaScript hash (${rounds} rounds: ${ms(taskMs)} alone, ${ms(mainTaskMs)} per task in the main-thread loop), run ${CPU_TASKS} times: in a loop on the main thread, ` +
      `and as ${CPU_TASKS} tasks queued at once on ${THREADS}-thread pools. Median of ${CPU_ROUNDS} alternating rounds, spread min – max; ` +
      `machine: ${os.availableParallelism()} cores, shared.`,
    rows: [
      ['implementation', 'median', 'spread', 'vs main thread', 'per round'],
      ['main thread (one thread)', ms(median(cpu.main)), spread(cpu.main, ms), '1.00x', ''],
      [
        'goscale `WorkerPool`',
        ms(median(cpu.ours)),
        spread(cpu.ours, ms),
        x2(cpuSpeedup),
        perRound(cpu.main, cpu.ours),
      ],
      [
        'piscina 5',
        ms(median(cpu.piscina)),
        spread(cpu.piscina, ms),
        x2(median(cpu.main) / median(cpu.piscina)),
        perRound(cpu.main, cpu.piscina),
      ],
      [
        'ceiling: 2 plain threads, work split by hand',
        ms(median(ceiling)),
        spread(ceiling, ms),
        x2(ceilingSpeedup),
        '',
      ],
    ],
    notes: [
      `Ceiling on this machine: ${THREADS} plain worker threads splitting the work by hand are ${x2(ceilingSpeedup)} faster than the main thread ` +
        `(median of 3, ${spread(ceiling, ms)}); the pool reaches ${((cpuSpeedup / ceilingSpeedup) * 100).toFixed(0)}% of it. ` +
        `Load average at the end: ${os.loadavg()[0]!.toFixed(1)}.`,
      goal(
        cpuSpeedup >= 1.8,
        `${THREADS} threads at least 1.8x faster than the main thread (measured ${x2(cpuSpeedup)}, the median of the main thread's rounds over the median of the pool's)`,
      ),
    ],
  },
  {
    title: `WorkerPool, tiny tasks: ${TINY.toLocaleString('en-US')} tasks that return their argument, ${THREADS} threads`,
    description:
      `All ${TINY.toLocaleString('en-US')} run() calls at once, then Promise.all. The floor posts one message per task each way to an echoing worker ` +
      `(what message passing costs when nothing else is done); goscale batches: one message per batch of tasks each way. ` +
      `Median of ${ROUNDS} alternating rounds.`,
    rows: [
      ['implementation', 'tasks/s', 'per task', 'spread (total)', 'vs piscina'],
      [
        'goscale `WorkerPool`',
        Math.round(perSec(median(tiny.ours))).toLocaleString('en-US'),
        fmtNs((median(tiny.ours) * 1e6) / TINY),
        spread(tiny.ours, ms),
        fmtRatio(tinyRatio),
      ],
      [
        'piscina 5',
        Math.round(perSec(median(tiny.piscina))).toLocaleString('en-US'),
        fmtNs((median(tiny.piscina) * 1e6) / TINY),
        spread(tiny.piscina, ms),
        '1.0x',
      ],
      [
        'floor: one postMessage per task',
        Math.round(perSec(median(tiny.floor))).toLocaleString('en-US'),
        fmtNs((median(tiny.floor) * 1e6) / TINY),
        spread(tiny.floor, ms),
        fmtRatio(median(tiny.piscina) / median(tiny.floor)),
      ],
    ],
    notes: [
      goal(tinyRatio >= 1.5, `at least 1.5x piscina's throughput (measured ${fmtRatio(tinyRatio)})`),
      `Batching against one message per task: ${fmtRatio(median(tiny.floor) / median(tiny.ours))} faster than the floor, so the message, not the clone, was the cost.`,
    ],
  },
  {
    title: 'WorkerPool, abort of a running infinite loop (1 thread)',
    description:
      `A task that never yields is aborted; times from abort() to the rejection, and to the result of the next task, which needs a ` +
      `fresh thread (goscale: after the 100 ms grace period; piscina ends the thread at once). Median of ${ROUNDS} rounds.`,
    rows: [
      ['implementation', 'abort → rejected', 'abort → next task served', 'spread (next)'],
      [
        'goscale `WorkerPool`',
        ms(oursRejected),
        ms(oursNext),
        spread(
          aborts.ours.map((a) => a.next),
          ms,
        ),
      ],
      [
        'piscina 5',
        ms(median(aborts.piscina.map((a) => a.rejected))),
        ms(median(aborts.piscina.map((a) => a.next))),
        spread(
          aborts.piscina.map((a) => a.next),
          ms,
        ),
      ],
    ],
    notes: [
      goal(
        oursRejected <= 200 && aborts.ours.every((a) => a.ok),
        `rejects within 200 ms (measured ${ms(oursRejected)}) and the pool serves the next task (every round; ${ms(oursNext)} after the abort)`,
      ),
    ],
  },
  {
    title: `WorkerPool, start-up and memory per idle thread (${MEM_THREADS} threads)`,
    description:
      `Start-up: time from the constructor until ${MEM_THREADS} tasks (one per thread) have run, minus the time the same ${MEM_THREADS} tasks take warm. ` +
      `Memory: growth of the process RSS per thread after a GC, threads idle. Median of ${ROUNDS} rounds.`,
    rows: [
      ['implementation', 'start-up', 'spread', 'RSS per idle thread'],
      [
        'goscale `WorkerPool`',
        ms(median(starts.ours.map((s) => s.startup))),
        spread(
          starts.ours.map((s) => s.startup),
          ms,
        ),
        fmtBytes(median(starts.ours.map((s) => s.rss))),
      ],
      [
        'piscina 5',
        ms(median(starts.piscina.map((s) => s.startup))),
        spread(
          starts.piscina.map((s) => s.startup),
          ms,
        ),
        fmtBytes(median(starts.piscina.map((s) => s.rss))),
      ],
    ],
    notes: [
      `Start-up is a cost once per thread (and per replacement after an abort or a crash), not per task.`,
    ],
  },
];
report('worker.bench.ts', sections);
