/**
 * @module Benchmarks the `Limiter` against bottleneck and p-throttle: achieved rate over real time, overhead per call
 * when no waiting is needed, and memory per queued call.
 */
import { setMaxListeners } from 'node:events';
import Bottleneck from 'bottleneck';
import pThrottle from 'p-throttle';
import { Limiter } from '../src/rate/index.js';
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

/**
 * p-throttle's types say a throttled function returns what the function returns; at run time it returns a promise
 * of it. This states the run-time truth for a no-op, without wrapping it in an async function (an extra promise).
 */
function throttle(options: Parameters<typeof pThrottle>[0]): () => Promise<undefined> {
  return pThrottle(options)(() => undefined) as unknown as () => Promise<undefined>;
}

const RATE = 1_000;
const BURST = 10;
const WINDOW_MS = 5_000;
/** Callers waiting at once, so the limiter is never short of demand. */
const CALLERS = 32;

interface Achieved {
  name: string;
  config: string;
  grants: number;
}

/**
 * Runs CALLERS loops that each call `acquire(signal)` and count a grant, for WINDOW_MS of real time, then aborts.
 * Grants observed after the window are not counted.
 */
async function achieved(name: string, config: string, make: (signal: AbortSignal) => () => Promise<unknown>) {
  const ac = new AbortController();
  // Every caller's wait listens on this one signal.
  setMaxListeners(CALLERS + 10, ac.signal);
  const acquire = make(ac.signal);
  let grants = 0;
  const start = performance.now();
  const end = start + WINDOW_MS;
  const loops = Array.from({ length: CALLERS }, async () => {
    while (!ac.signal.aborted) {
      try {
        await acquire();
      } catch {
        return;
      }
      if (performance.now() <= end) grants++;
    }
  });
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  ac.abort();
  await Promise.all(loops);
  return { name, config, grants } satisfies Achieved;
}

async function rateSection(): Promise<BenchSection> {
  const results: Achieved[] = [];
  results.push(
    await achieved('goscale `Limiter.wait`', `rate ${RATE}/s, burst ${BURST}`, (signal) => {
      const lim = new Limiter({ rate: RATE, burst: BURST });
      return () => lim.wait(1, { signal });
    }),
  );
  results.push(
    await achieved('bottleneck `schedule`', 'minTime 1 ms', (signal) => {
      const b = new Bottleneck({ minTime: 1 });
      signal.addEventListener('abort', () => void b.stop({ dropWaitingJobs: true }), { once: true });
      return () => b.schedule(async () => undefined);
    }),
  );
  results.push(
    await achieved('p-throttle', 'limit 10, interval 10 ms', (signal) => {
      const throttled = throttle({ limit: 10, interval: 10, signal });
      return () => throttled();
    }),
  );
  const rows = [
    ['library', 'settings (1,000/s)', `grants in ${WINDOW_MS / 1000} s`, 'achieved', 'vs target'],
  ];
  for (const r of results) {
    const perSecond = r.grants / (WINDOW_MS / 1000);
    const off = (perSecond - RATE) / RATE;
    rows.push([
      r.name,
      r.config,
      String(r.grants),
      `${perSecond.toFixed(1)}/s`,
      `${(off * 100).toFixed(2)}%`,
    ]);
  }
  const ours = results[0]!.grants / (WINDOW_MS / 1000);
  const steady = (results[0]!.grants - BURST) / (WINDOW_MS / 1000);
  const notes = [
    goal(
      Math.abs(ours - RATE) / RATE <= 0.01,
      `goscale achieved ${ours.toFixed(1)}/s against a target of ${RATE}/s (within 1% wanted; ` +
        `${steady.toFixed(1)}/s without the initial burst of ${BURST}).`,
    ),
  ];
  for (const r of results.slice(1)) {
    const perSecond = r.grants / (WINDOW_MS / 1000);
    notes.push(
      `${r.name} achieved ${perSecond.toFixed(1)}/s (${fmtRatio(ours / perSecond)} less than goscale).`,
    );
  }
  return {
    title: 'Limiter: achieved rate',
    description:
      `${CALLERS} callers wait in loops for ${WINDOW_MS / 1000} s of real time; grants inside the window are counted. ` +
      'goscale keeps one timer and accounts for late timers lazily, so lateness does not lose tokens.',
    rows,
    notes,
  };
}

/** One contender of the overhead table: a call that finds nothing to wait for. */
interface Contender {
  name: string;
  call: () => Promise<unknown>;
  /** Calls per round: bottleneck waits for a timer per call even when nothing limits it, so it gets fewer. */
  n: number;
  /** Calls per round when issued together. */
  together: number;
}

async function overheadSection(): Promise<BenchSection> {
  const unlimited = new Limiter({ rate: Infinity, burst: 0 });
  const huge = new Limiter({ rate: 1e12, burst: 1_000_000_000 });
  const bottleneck = new Bottleneck();
  const throttled = throttle({ limit: Number.MAX_SAFE_INTEGER, interval: 1_000 });
  const contenders: Contender[] = [
    { name: 'goscale `wait()`, rate Infinity', call: () => unlimited.wait(), n: 50_000, together: 20_000 },
    {
      name: 'goscale `wait()`, rate 1e12/s (takes a token)',
      call: () => huge.wait(),
      n: 50_000,
      together: 20_000,
    },
    {
      name: 'bottleneck `schedule()`, no limits',
      call: () => bottleneck.schedule(async () => undefined),
      n: 100,
      together: 200,
    },
    { name: 'p-throttle call, limit never reached', call: () => throttled(), n: 50_000, together: 20_000 },
  ];
  const sequential: number[] = [];
  const together: number[] = [];
  for (const { call, n, together: m } of contenders) {
    sequential.push(
      await measure(
        async () => {
          for (let i = 0; i < n; i++) await call();
        },
        n,
        { rounds: 3 },
      ),
    );
    together.push(
      await measure(
        async () => {
          const all: Promise<unknown>[] = [];
          for (let i = 0; i < m; i++) all.push(call());
          await Promise.all(all);
        },
        m,
        { rounds: 3 },
      ),
    );
  }
  const syncAllow = await measure(
    () => {
      for (let i = 0; i < 1_000_000; i++) huge.allow();
    },
    1_000_000,
    { rounds: 3 },
  );
  const table = [
    ['call', 'sequential `await`, per call', 'vs goscale', 'issued together, per call', 'vs goscale'],
  ];
  contenders.forEach((c, i) => {
    table.push([
      c.name,
      fmtNs(sequential[i]!),
      fmtRatio(sequential[i]! / sequential[0]!),
      fmtNs(together[i]!),
      fmtRatio(together[i]! / together[0]!),
    ]);
  });
  table.push(['goscale `allow()` (synchronous)', fmtNs(syncAllow), '', '', '']);
  const notes = contenders
    .slice(2)
    .map(
      (c, j) =>
        `${c.name}: ${fmtRatio(sequential[j + 2]! / sequential[0]!)} the cost of goscale's \`wait()\` at rate ` +
        `Infinity awaited one by one (${fmtRatio(sequential[j + 2]! / sequential[1]!)} the one that takes a token), ` +
        `${fmtRatio(together[j + 2]! / together[0]!)} when issued together.`,
    );
  return {
    title: 'Limiter: overhead per call when no waiting is needed',
    description:
      'Each call finds its token (or no limit) at once. "Sequential" awaits each call before the next (latency); ' +
      '"issued together" starts them all, then awaits them all (throughput). Median of 3 rounds. ' +
      'bottleneck runs every job through a timer, so it gets 100 (200) calls a round.',
    rows: table,
    notes,
  };
}

async function memorySection(): Promise<BenchSection> {
  /** Heap per call of `n` calls queued by `queue`, which returns their (already caught) promises. */
  const perCall = (
    n: number,
    queue: (n: number) => Promise<unknown>[],
  ): { bytes: number; pending: unknown[] } => {
    const before = heapUsed();
    const pending = queue(n);
    return { bytes: (heapUsed() - before) / n, pending };
  };
  const N = 50_000;
  const lim = new Limiter({ rate: 0.001, burst: 1 });
  lim.allow();
  const ac = new AbortController();
  const goscale = perCall(N, (n) => Array.from({ length: n }, () => lim.wait().catch(() => undefined)));
  // Each queued p-throttle call waits one more interval; 40 s keeps the last timer below setTimeout's 2^31 ms cap.
  const throttled = throttle({ limit: 1, interval: 40_000, signal: ac.signal });
  throttled().catch(() => undefined);
  const pthrottle = perCall(N, (n) => Array.from({ length: n }, () => throttled().catch(() => undefined)));
  // bottleneck needs ~0.1 ms to queue a job and far longer to drop them, so it gets fewer; with an empty reservoir
  // it holds no timer for them and they are simply left behind when the bench exits.
  const BN = 5_000;
  const b = new Bottleneck({ reservoir: 0 });
  const bottleneck = perCall(BN, (n) => Array.from({ length: n }, () => b.schedule(async () => undefined)));
  ac.abort();
  lim.setRate(Infinity);
  await Promise.all([...goscale.pending, ...pthrottle.pending]);
  const rows = [
    ['library', 'heap per queued call', 'vs goscale'],
    ['goscale `wait()`', fmtBytes(goscale.bytes), '1.0x'],
    ['bottleneck `schedule()`', fmtBytes(bottleneck.bytes), fmtRatio(bottleneck.bytes / goscale.bytes)],
    ['p-throttle call (a timer each)', fmtBytes(pthrottle.bytes), fmtRatio(pthrottle.bytes / goscale.bytes)],
  ];
  return {
    title: 'Limiter: memory per queued call',
    description:
      `${N.toLocaleString('en')} calls (bottleneck ${BN.toLocaleString('en')}) queued behind an empty bucket; heap ` +
      'growth after a full GC, per call, the caller-side promise included.',
    rows,
    notes: [
      `goscale holds ${fmtBytes(goscale.bytes)} per queued wait and one timer in all; bottleneck ` +
        `${fmtBytes(bottleneck.bytes)}; p-throttle ${fmtBytes(pthrottle.bytes)} and a timer per call.`,
    ],
  };
}

const progress = (what: string): void =>
  void process.stderr.write(`rate.bench: ${what} at ${performance.now().toFixed(0)} ms\n`);
progress('rate');
const rate = await rateSection();
progress('overhead');
const overhead = await overheadSection();
progress('memory');
const sections = [rate, overhead, await memorySection()];
report('rate.bench.ts', sections);
