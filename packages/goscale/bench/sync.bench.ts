/**
 * @module Benchmarks of the sync primitives against async-mutex and async-sema, side by side in one process.
 */
import { Mutex as AmMutex, Semaphore as AmSemaphore } from 'async-mutex';
import { Sema } from 'async-sema';
import { Mutex, Semaphore } from '../src/sync/index.js';
import {
  fmtBytes,
  fmtNs,
  fmtRatio,
  gc,
  goal,
  heapUsed,
  report,
  type BenchSection,
} from '../../../bench/harness.js';

const sections: BenchSection[] = [];
const began = Date.now();
const lap = (what: string): void =>
  void process.stderr.write(`sync.bench: ${what} at ${((Date.now() - began) / 1000).toFixed(1)} s\n`);
const count = (n: number): string => n.toLocaleString('en');
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The clock of this file: CPU time of this process (user + system, GC threads included) in nanoseconds. The bench
 * machine is shared (load average above 10 on 2 cores while it ran), so wall-clock windows of a millisecond or so
 * mostly measure the scheduler; CPU time counts only the work done here. harness.ts's `measure` is wall-clock, hence
 * this local `cpuMeasure` with the same contract.
 */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1_000;
}

/** Like harness `measure`, in CPU time: median ns per op of `rounds` runs of `fn` after `warmup` runs. */
async function cpuMeasure(fn: () => unknown, ops: number, { rounds = 5, warmup = 1 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    gc();
    const t0 = cpuNow();
    await fn();
    samples.push((cpuNow() - t0) / ops);
  }
  return median(samples);
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Hand-off cost against queue length.

/**
 * A lock with `n` waiters queued behind it, each of which releases as soon as it is granted. `start()` releases the
 * first hold and resolves once `k` waiters have been granted; `stop()` disposes of the rest (untimed).
 */
interface Queueable {
  name: string;
  queue(n: number, k: number): { start: () => Promise<void>; stop: () => Promise<void> };
}

function counted(k: number): { tick: () => void; done: Promise<void> } {
  let left = k;
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  return { tick: () => void (--left === 0 && resolve()), done };
}

const queueables: Queueable[] = [
  {
    name: 'goscale Mutex',
    queue(n, k) {
      const mu = new Mutex();
      const first = mu.tryLock()!;
      const { tick, done } = counted(k);
      const all = Array.from({ length: n }, () => mu.lock().then((release) => (release(), tick())));
      return {
        start: () => (first(), done),
        // Draining the rest is cheap here (O(1) per hand-off).
        stop: async () => void (await Promise.all(all)),
      };
    },
  },
  {
    name: 'async-mutex Mutex',
    queue(n, k) {
      const mu = new AmMutex();
      const held = mu.acquire();
      const { tick, done } = counted(k);
      let granted = 0;
      // The k-th waiter keeps the lock, so that `stop` can cancel the rest before any more are granted.
      const all = Array.from({ length: n }, () =>
        mu.acquire().then(
          (release) => (++granted < k ? release() : undefined, tick()),
          () => undefined,
        ),
      );
      return {
        start: async () => ((await held)(), await done),
        // Draining 200,000 waiters one by one would take async-mutex over a minute; cancel() rejects them in one pass.
        stop: async () => (mu.cancel(), void (await Promise.all(all))),
      };
    },
  },
];

/**
 * CPU nanoseconds per hand-off with `n` queued: `batches` locks get `n` waiters each (untimed), a full GC moves them
 * all to the old generation, then the clock runs while the first `k` waiters of each lock are granted, lock after
 * lock. Median of `rounds`.
 */
async function handOff(q: Queueable, n: number, k: number, batches: number, rounds: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const queued = Array.from({ length: batches }, () => q.queue(n, k));
    gc();
    const t0 = cpuNow();
    for (const { start } of queued) await start();
    samples.push((cpuNow() - t0) / (k * batches));
    for (const { stop } of queued) await stop();
  }
  return median(samples);
}

{
  const small = 1_000;
  const large = 200_000;
  const cost: Record<string, [number, number]> = {};
  for (const q of queueables) await handOff(q, small, small, 10, 1); // warm-up
  for (const q of queueables) {
    // 50,000 timed hand-offs per round in both cases (fewer for async-mutex at 200,000, where each takes ~0.1-1 ms).
    const k = q.name.startsWith('goscale') ? 50_000 : 1_000;
    cost[q.name] = [await handOff(q, small, small, 50, 5), await handOff(q, large, k, 1, 3)];
  }
  const rows = [['lock/unlock, per hand-off', `${count(small)} queued`, `${count(large)} queued`, 'growth']];
  for (const [name, [a, b]] of Object.entries(cost)) rows.push([name, fmtNs(a), fmtNs(b), fmtRatio(b / a)]);
  const [ga, gb] = cost['goscale Mutex']!;
  const [aa, ab] = cost['async-mutex Mutex']!;
  sections.push({
    title: 'Mutex: lock/unlock cost against queue length',
    description: `N waiters queue behind a held lock (untimed), each releasing as soon as it is granted; then CPU time per hand-off while waiters are granted: all of them on 50 locks in a row for N = ${count(small)}, the first 50,000 (async-mutex: 1,000) for N = ${count(large)}, so that queue stays at least 150,000 long. Median of rounds.`,
    rows,
    notes: [
      goal(
        gb / ga <= 2,
        `goscale with ${count(large)} waiters costs ${fmtRatio(gb / ga)} what it costs with ${count(small)} (goal: within 2x).`,
      ),
      `async-mutex grows ${fmtRatio(ab / aa)} over the same range; at ${count(large)} waiters goscale is ${fmtRatio(ab / gb)} faster.`,
    ],
  });
}

lap('hand-off');

// ---------------------------------------------------------------------------------------------------------------
// 2. Contended throughput: W workers loop over a critical section that holds the lock across one await.

const OPS = 50_000;
/** Runs `ops` operations in all (a multiple of `w`) on `w` concurrent async loops. */
async function workers(w: number, op: () => Promise<unknown>, ops = OPS): Promise<void> {
  const per = ops / w;
  await Promise.all(
    Array.from({ length: w }, async () => {
      for (let i = 0; i < per; i++) await op();
    }),
  );
}
const work = async (): Promise<number> => 1;

/** CPU ns per op of each contender, one sample per round, interleaved so load from other processes hits them alike. */
async function interleavedSamples(
  contenders: Record<string, () => Promise<unknown>>,
  { ops = OPS, rounds = 5 } = {},
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(contenders)) samples[name] = [];
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders))
      samples[name]!.push(await cpuMeasure(fn, ops, { rounds: 1, warmup: r === 0 ? 1 : 0 }));
  }
  return samples;
}

const medians = (samples: Record<string, number[]>): Record<string, number> =>
  Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));

/** Medians of {@link interleavedSamples}. */
async function interleaved(
  contenders: Record<string, () => Promise<unknown>>,
  options: { ops?: number; rounds?: number } = {},
): Promise<Record<string, number>> {
  return medians(await interleavedSamples(contenders, options));
}

/**
 * How far `ours` is from the floor: the median of the per-round ratios (each round ran both, back to back, so a
 * round's load hits both alike) and their spread, stated against `max` by goal().
 */
function floorGoal(ours: number[], floor: number[], max: number, what: string): string {
  const ratios = ours.map((t, i) => t / floor[i]!).sort((a, b) => a - b);
  const x = (r: number): string => `${r.toFixed(2)}x`;
  const m = median(ratios);
  return goal(
    m <= max,
    `${what} takes ${x(m)} the bare FIFO floor's time (goal: within ${x(max)}; median of ${ratios.length} rounds, spread ${x(ratios[0]!)} to ${x(ratios.at(-1)!)}).`,
  );
}

function ratioRows(header: string, ns: Record<string, number>, base: string): string[][] {
  const rows = [[header, 'per op', `time vs ${base}`]];
  for (const [name, v] of Object.entries(ns))
    rows.push([name, fmtNs(v), name === base ? '1x' : fmtRatio(v / ns[base]!)]);
  return rows;
}

/** How goscale compares with the peers: reported, not a goal (the goals are against the floor). */
function peers(vsAsyncMutex: number, vsAsyncSema: number): string {
  return `Against the peers: goscale is ${fmtRatio(vsAsyncMutex)} as fast as async-mutex and ${fmtRatio(vsAsyncSema)} as fast as async-sema.`;
}

/**
 * How goscale and the first goals (issue 2: 10x async-mutex, 2x async-sema) compare with the bare-queue floor. Issue 8
 * replaced those goals with goals against the floor, since a target below the floor cannot be met by any semaphore
 * that makes and awaits a promise per waiter.
 */
function floorNote(ours: number, floor: number, tenthOfAsyncMutex: number, halfOfAsyncSema: number): string {
  const below = (target: number): string => (target < floor ? 'below' : 'above');
  return (
    `A bare promise queue (no weights, aborts or checks) takes ${fmtNs(floor)} per op, goscale ${fmtRatio(ours / floor)} that. ` +
    `The first goals, replaced by the floor's, asked for ${fmtNs(tenthOfAsyncMutex)} (10x async-mutex, ${below(tenthOfAsyncMutex)} the floor) and ${fmtNs(halfOfAsyncSema)} (2x async-sema, ${below(halfOfAsyncSema)} the floor).`
  );
}

/**
 * The floor for any promise-based semaphore: an array of resolve functions and nothing else (no weights, no abort, no
 * validation). It shows how much of a contended acquire/release is the promise machinery every library pays.
 */
class FloorSemaphore {
  free: number;
  queue: (() => void)[] = [];
  head = 0;
  constructor(size: number) {
    this.free = size;
  }
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }
  release(): void {
    // A head index rather than shift(): shift() on an array of a million is O(n) and would make the floor quadratic.
    if (this.head === this.queue.length) {
      this.free++;
      return;
    }
    const next = this.queue[this.head]!;
    this.queue[this.head++] = undefined!;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    next();
  }
}

// 10,000 workers: a queue deep enough for async-mutex's O(n) queue to show (the issue measured 11 µs per lock at 20,000).
for (const [w, ops, rounds] of [
  [16, OPS, 5],
  [10_000, OPS, 3],
] as const) {
  const mu = new Mutex();
  const am = new AmMutex();
  const sema = new Sema(1);
  const floor = new FloorSemaphore(1);
  const ns = await interleaved(
    {
      'goscale Mutex.withLock': () => workers(w, () => mu.withLock(work), ops),
      'async-mutex Mutex.runExclusive': () => workers(w, () => am.runExclusive(work), ops),
      'async-sema Sema(1) acquire/release': () =>
        workers(
          w,
          async () => {
            await sema.acquire();
            try {
              return await work();
            } finally {
              sema.release();
            }
          },
          ops,
        ),
      'floor: bare promise queue': () =>
        workers(
          w,
          async () => {
            await floor.acquire();
            try {
              return await work();
            } finally {
              floor.release();
            }
          },
          ops,
        ),
    },
    { ops, rounds },
  );
  const g = ns['goscale Mutex.withLock']!;
  const bare = ns['floor: bare promise queue']!;
  const vsAm = ns['async-mutex Mutex.runExclusive']! / g;
  const vsSema = ns['async-sema Sema(1) acquire/release']! / g;
  sections.push({
    title: `Mutex: contended withLock, ${count(w)} workers`,
    description: `${count(w)} async workers run ${count(ops)} critical sections in all on one lock; each section awaits one promise while holding it. Interleaved rounds, median.`,
    rows: ratioRows('critical section', ns, 'goscale Mutex.withLock'),
    notes: [
      peers(vsAm, vsSema),
      floorNote(
        g,
        bare,
        ns['async-mutex Mutex.runExclusive']! / 10,
        ns['async-sema Sema(1) acquire/release']! / 2,
      ),
    ],
  });
}

for (const w of [16, 1_000]) {
  const size = 4;
  const sem = new Semaphore(size);
  const ams = new AmSemaphore(size);
  const sema = new Sema(size);
  const floor = new FloorSemaphore(size);
  const samples = await interleavedSamples({
    'goscale Semaphore': () =>
      workers(w, async () => {
        await sem.acquire();
        await work();
        sem.release();
      }),
    'async-mutex Semaphore': () =>
      workers(w, async () => {
        const [, release] = await ams.acquire();
        await work();
        release();
      }),
    'async-sema Sema': () =>
      workers(w, async () => {
        await sema.acquire();
        await work();
        sema.release();
      }),
    'floor: bare promise queue': () =>
      workers(w, async () => {
        await floor.acquire();
        await work();
        floor.release();
      }),
  });
  const ns = medians(samples);
  const g = ns['goscale Semaphore']!;
  const vsAm = ns['async-mutex Semaphore']! / g;
  const vsSema = ns['async-sema Sema']! / g;
  sections.push({
    title: `Semaphore(${size}): contended acquire/release, ${count(w)} workers`,
    description: `${count(w)} async workers do ${count(OPS)} acquire / await one promise / release cycles in all. Interleaved rounds, median.`,
    rows: ratioRows('acquire/release', ns, 'goscale Semaphore'),
    notes: [
      peers(vsAm, vsSema),
      floorNote(
        g,
        ns['floor: bare promise queue']!,
        ns['async-mutex Semaphore']! / 10,
        ns['async-sema Sema']! / 2,
      ),
      ...(w === 16
        ? [floorGoal(samples['goscale Semaphore']!, samples['floor: bare promise queue']!, 1.15, 'goscale')]
        : []),
    ],
  });
}

lap('contended');

// ---------------------------------------------------------------------------------------------------------------
// 3. Everything at once (the issue's shape): N tasks start together and all queue on one lock, then drain.

/** Starts `n` tasks at once, each running `op`, and resolves when all have finished. */
const atOnce = (n: number, op: () => Promise<unknown>): Promise<unknown> =>
  Promise.all(Array.from({ length: n }, op));

/** A no-op critical section through acquire/release, as async-sema's and the floor's callers write it. */
const through = (s: { acquire(): Promise<unknown>; release(): void }) => async (): Promise<number> => {
  await s.acquire();
  try {
    return await work();
  } finally {
    s.release();
  }
};

/**
 * CPU ns per task of `atOnce(n, make())`, `rounds` rounds interleaved across contenders (a fresh lock each run), after
 * a 10,000-task warm-up of each. Each contender has its own `n`: async-mutex's queue is O(n) per operation (44 µs per
 * task at 100,000 at once), so a million would take it about an hour; it runs a smaller `n`, which flatters it.
 */
async function atOnceMeasure(
  contenders: Record<string, [n: number, make: () => () => Promise<unknown>]>,
  rounds: number,
): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  for (const [, make] of Object.values(contenders)) await atOnce(10_000, make());
  for (let r = 0; r < rounds; r++) {
    for (const [name, [n, make]] of Object.entries(contenders)) {
      const op = make();
      gc();
      const t0 = cpuNow();
      await atOnce(n, op);
      (samples[name] ??= []).push((cpuNow() - t0) / n);
    }
  }
  return samples;
}

const MANY = 1_000_000;
const AM_MANY = 20_000;
for (const [kind, n, size] of [
  ['Semaphore', MANY, 100],
  ['Mutex', 300_000, 1],
] as const) {
  const ours = kind === 'Semaphore' ? `goscale Semaphore(${size})` : 'goscale Mutex.withLock';
  const am =
    kind === 'Semaphore' ? `async-mutex Semaphore(${size}).runExclusive` : 'async-mutex Mutex.runExclusive';
  const sema = `async-sema Sema(${size})`;
  const ns = medians(
    await atOnceMeasure(
      {
        [ours]: [
          n,
          () => {
            if (kind === 'Semaphore') return through(new Semaphore(size));
            const mu = new Mutex();
            return () => mu.withLock(work);
          },
        ],
        [am]: [
          AM_MANY,
          () => {
            const lock = kind === 'Semaphore' ? new AmSemaphore(size) : new AmMutex();
            return () => lock.runExclusive(work);
          },
        ],
        [sema]: [n, () => through(new Sema(size))],
        'floor: bare promise queue': [n, () => through(new FloorSemaphore(size))],
      },
      3,
    ),
  );
  const g = ns[ours]!;
  const vsAm = ns[am]! / g;
  const vsSema = ns[sema]! / g;
  const rows = [['task', 'tasks at once', 'CPU per task', `time vs ${ours}`]];
  for (const [name, v] of Object.entries(ns))
    rows.push([name, count(name === am ? AM_MANY : n), fmtNs(v), name === ours ? '1x' : fmtRatio(v / g)]);
  sections.push({
    title: `${kind}${kind === 'Semaphore' ? `(${size})` : ''}: ${count(n)} no-op tasks started at once`,
    description: `${count(n)} tasks start in one go and all queue on one ${kind === 'Semaphore' ? `Semaphore(${size})` : 'lock'}; each awaits one promise inside. CPU time (GC included) per task until all have finished; 3 interleaved rounds, median. async-mutex runs ${count(AM_MANY)} at once: its queue is O(n) per operation, so a million would take it far past this bench's budget (its cost per task only grows with n, so its ratio here is a lower bound).`,
    rows,
    notes: [peers(vsAm, vsSema), floorNote(g, ns['floor: bare promise queue']!, ns[am]! / 10, ns[sema]! / 2)],
  });
  lap(`${kind} at once`);
}

// The issue's shape, against the floor: 200,000 acquire()s at once through Semaphore(100), each an async function that
// awaits acquire, awaits a no-op and releases. The floor keeps FIFO order and nothing else (no weights, no aborts, no
// checks), so the distance to it is the whole price of goscale's guarantees.
{
  const n = 200_000;
  const size = 100;
  // 15 rounds: on a loaded machine single rounds swing by a third either way (0.8x to 1.3x seen), and 7 left the
  // median of the ratio moving by 0.1x between runs.
  const rounds = 15;
  const plain = (s: { acquire(): Promise<unknown>; release(): void }) => async (): Promise<void> => {
    await s.acquire();
    await work();
    s.release();
  };
  const ours = `goscale Semaphore(${size})`;
  const am = `async-mutex Semaphore(${size})`;
  const sema = `async-sema Sema(${size})`;
  const floorName = 'floor: bare FIFO semaphore';
  const samples = await atOnceMeasure(
    {
      [ours]: [n, () => plain(new Semaphore(size))],
      [sema]: [n, () => plain(new Sema(size))],
      [am]: [
        AM_MANY,
        () => {
          const s = new AmSemaphore(size);
          return async () => {
            const [, release] = await s.acquire();
            await work();
            release();
          };
        },
      ],
      [floorName]: [n, () => plain(new FloorSemaphore(size))],
    },
    rounds,
  );
  const ns = medians(samples);
  const floor = ns[floorName]!;
  const rows = [['task', 'tasks at once', 'CPU per task', 'time vs the floor']];
  for (const [name, v] of Object.entries(ns))
    rows.push([name, count(name === am ? AM_MANY : n), fmtNs(v), `${(v / floor).toFixed(2)}x`]);
  sections.push({
    title: `Semaphore(${size}): ${count(n)} acquire() at once, against a bare FIFO floor`,
    description: `${count(n)} async functions start in one go; each awaits \`acquire()\` on one Semaphore(${size}), awaits a no-op and releases. CPU time (GC included) per task until all have finished; ${rounds} interleaved rounds, median. The floor is an array of resolve functions with a head index: FIFO, one permit per call, no aborts, no checks. async-mutex runs ${count(AM_MANY)} at once (its queue is O(n) per operation), which flatters it.`,
    rows,
    notes: [
      floorGoal(
        samples[ours]!,
        samples[floorName]!,
        1.15,
        `goscale, keeping weights, FIFO, abort and checks,`,
      ),
      `async-sema takes ${(ns[sema]! / floor).toFixed(2)}x the floor's time, goscale ${(ns[ours]! / ns[sema]!).toFixed(2)}x async-sema's.`,
    ],
  });
  lap('Semaphore floor');
}

// ---------------------------------------------------------------------------------------------------------------
// 4. Memory: heap bytes per pending waiter (its promise included, plus the 8-byte array slot that keeps it).

{
  const N = 50_000;
  const cases: [string, () => { hold: unknown[]; drop: () => Promise<void> }][] = [
    [
      'goscale Mutex.lock',
      () => {
        const mu = new Mutex();
        const first = mu.tryLock()!;
        const hold = Array.from({ length: N }, () => mu.lock().then((r) => r()));
        return { hold, drop: async () => (first(), void (await Promise.all(hold))) };
      },
    ],
    [
      'goscale Semaphore.acquire',
      () => {
        const sem = new Semaphore(1);
        sem.tryAcquire();
        const hold = Array.from({ length: N }, () => sem.acquire().then(() => sem.release()));
        return { hold, drop: async () => (sem.release(), void (await Promise.all(hold))) };
      },
    ],
    [
      'async-mutex Mutex.acquire',
      () => {
        const mu = new AmMutex();
        void mu.acquire();
        const hold = Array.from({ length: N }, () => mu.acquire().catch(() => undefined));
        return { hold, drop: async () => (mu.cancel(), void (await Promise.all(hold))) };
      },
    ],
    [
      'async-mutex Semaphore.acquire',
      () => {
        const sem = new AmSemaphore(1);
        void sem.acquire();
        const hold = Array.from({ length: N }, () => sem.acquire().catch(() => undefined));
        return { hold, drop: async () => (sem.cancel(), void (await Promise.all(hold))) };
      },
    ],
    [
      'async-sema Sema.acquire',
      () => {
        const sema = new Sema(1);
        void sema.acquire();
        const hold = Array.from({ length: N }, () => sema.acquire().then(() => sema.release()));
        return { hold, drop: async () => (sema.release(), void (await Promise.all(hold))) };
      },
    ],
  ];
  const rows = [['pending waiter', 'bytes each']];
  const bytes: Record<string, number> = {};
  for (const [name, make] of cases) {
    const samples: number[] = [];
    for (let r = 0; r < 3; r++) {
      const before = heapUsed();
      const { hold, drop } = make();
      samples.push((heapUsed() - before) / hold.length);
      await drop();
    }
    bytes[name] = median(samples);
    rows.push([name, fmtBytes(bytes[name])]);
  }
  const ours = Math.max(bytes['goscale Mutex.lock']!, bytes['goscale Semaphore.acquire']!);
  const peers = Math.min(
    ...Object.entries(bytes).flatMap(([name, b]) => (name.startsWith('goscale') ? [] : [b])),
  );
  sections.push({
    title: 'Bytes per pending waiter',
    description: `heapUsed (after GC) before and after queuing ${count(N)} waiters behind a held lock, divided by ${count(N)}. Each includes the caller's promise (and, for goscale, the \`.then\` the bench hangs on it).`,
    rows,
    notes: [
      `goscale's waiters take at most ${fmtBytes(ours)} each; the leanest peer takes ${fmtBytes(peers)} (${fmtRatio(ours / peers)}).`,
    ],
  });
}

lap('memory');
report('sync.bench.ts', sections);
