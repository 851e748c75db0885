/**
 * @module Section 1's measurements, tables and conclusions (pure functions of the measurements).
 */
import { percentFaster, plural, speedPhrase } from '../lib/conclude.js';
import { fmtBytes, fmtErrors, fmtMs } from '../lib/format.js';
import { concludeCpu1, cpuTable1, type CpuBound1 } from './s1-cpu-bound.js';
import type { Conclusion, Table } from './types.js';

/** One strategy's numbers. */
export interface WorkerPoolStrategy {
  name: string;
  wallMs: number;
  /** Deployments the API accepted (202). */
  ok: number;
  failed: number;
  errors: Record<string, number>;
  /** Most requests inside the service at once (running plus queued). */
  servicePeakInFlight: number;
  heapPeakBytes: number;
}

/** Everything section 1 measured. `strategies` is [unbounded, fixed batches, goscale map]. */
export interface WorkerPoolMeasurements {
  deployments: number;
  concurrency: number;
  capacity: { workers: number; maxQueue: number };
  strategies: WorkerPoolStrategy[];
  /** The makespan no scheduler can beat at this concurrency: max(sum of service times / concurrency, longest). */
  ideal: { makespanMs: number; sumServiceMs: number; maxServiceMs: number };
  split: { items: number; workers: number; handRolledProcessed: number; goscaleProcessed: number };
  /** The CPU-bound half of "what batch size?" (absent in measurements recorded before it existed). */
  cpu?: CpuBound1 | undefined;
}

/**
 * The section's tables, from the measurements alone (the terminal and the HTML report render the same tables).
 * @param m - the measurements.
 * @returns the tables, in print order.
 * @example
 * ```ts
 * workerPoolTables(result.measurements).map((t) => t.title);
 * ```
 */
export function workerPoolTables(m: WorkerPoolMeasurements): Table[] {
  return [
    {
      title: `${m.deployments} deployments against an API with ${m.capacity.workers} workers and a queue of ${m.capacity.maxQueue}`,
      columns: ['strategy', 'wall time', 'deployed', 'errors', 'peak in-flight (service)', 'peak heap'],
      rows: [
        ...m.strategies.map((s) => [
          s.name,
          fmtMs(s.wallMs),
          String(s.ok),
          fmtErrors(s.errors),
          String(s.servicePeakInFlight),
          fmtBytes(s.heapPeakBytes),
        ]),
        ['ideal makespan bound', fmtMs(m.ideal.makespanMs), '', '', String(m.concurrency), ''],
      ],
    },
    {
      title: `Splitting ${m.split.items} items over ${m.split.workers} workers`,
      columns: ['strategy', 'processed', 'lost'],
      rows: [
        [
          'integer division (n / k each)',
          String(m.split.handRolledProcessed),
          String(m.split.items - m.split.handRolledProcessed),
        ],
        ['goscale map', String(m.split.goscaleProcessed), String(m.split.items - m.split.goscaleProcessed)],
      ],
    },
    ...(m.cpu === undefined ? [] : [cpuTable1(m.cpu)]),
  ];
}

/**
 * Section 1's conclusions, from the measurements alone.
 * @param m - the measurements.
 * @returns the conclusions, in the order the talk makes its points.
 * @example
 * ```ts
 * for (const c of workerPoolConclusions(result.measurements)) console.log(c.text);
 * ```
 */
export function workerPoolConclusions(m: WorkerPoolMeasurements): Conclusion[] {
  const [unbounded, batches, pool] = m.strategies as [
    WorkerPoolStrategy,
    WorkerPoolStrategy,
    WorkerPoolStrategy,
  ];
  const out: Conclusion[] = [];
  out.push(
    unbounded.failed > 0
      ? {
          ok: true,
          text: `Unbounded Promise.all lost ${unbounded.failed} of ${m.deployments} deployments (${fmtErrors(unbounded.errors)}): the API saw ${unbounded.servicePeakInFlight} requests at once against ${m.capacity.workers} workers and a queue of ${m.capacity.maxQueue}.`,
        }
      : {
          ok: false,
          text: `Unbounded Promise.all did not fail this time (peak ${unbounded.servicePeakInFlight} in flight at the API).`,
        },
  );
  out.push({
    ok: pool.wallMs < batches.wallMs && pool.failed === 0,
    text: `goscale map was ${speedPhrase(pool.wallMs, batches.wallMs)} fixed batches at the same concurrency (${fmtMs(pool.wallMs)} vs ${fmtMs(batches.wallMs)}; ${percentFaster(pool.wallMs, batches.wallMs).toFixed(0)}% less time), with ${plural(pool.failed, 'error')}: each batch waits for its slowest deployment, the sliding window does not.`,
  });
  const overIdeal = pool.wallMs / m.ideal.makespanMs;
  const batchesOverIdeal = batches.wallMs / m.ideal.makespanMs;
  out.push({
    ok: overIdeal < batchesOverIdeal,
    text: `goscale map took ${overIdeal.toFixed(2)}x the ideal makespan bound (${fmtMs(m.ideal.makespanMs)} = max(sum of service times / ${m.concurrency}, longest one)), fixed batches ${batchesOverIdeal.toFixed(2)}x; what map loses to the bound is HTTP and event-loop overhead, what batches lose is waiting for stragglers.`,
  });
  out.push({
    ok: pool.servicePeakInFlight <= m.concurrency,
    text: `goscale map never had more than ${pool.servicePeakInFlight} deployments in flight at the API (limit ${m.concurrency}).`,
  });
  const crashToTwo = unbounded.failed > 0 && pool.failed === 0 && pool.wallMs <= 2000;
  out.push({
    ok: crashToTwo,
    claim: 'from crash to 2-second response',
    text: crashToTwo
      ? `Supported: from ${unbounded.failed} failed deployments to all ${m.deployments} deployed in ${fmtMs(pool.wallMs)}.`
      : `Not supported by this run: unbounded failed ${unbounded.failed}, goscale map failed ${pool.failed} and took ${fmtMs(pool.wallMs)}.`,
  });
  out.push({
    ok: pool.heapPeakBytes <= unbounded.heapPeakBytes,
    text: `Peak heap: goscale map ${fmtBytes(pool.heapPeakBytes)} vs unbounded ${fmtBytes(unbounded.heapPeakBytes)} (${pool.heapPeakBytes <= unbounded.heapPeakBytes ? 'less' : 'more'}: the window holds ${m.concurrency} requests, not ${m.deployments}).`,
  });
  const lost = m.split.items - m.split.handRolledProcessed;
  const lostMap = m.split.items - m.split.goscaleProcessed;
  out.push({
    ok: lostMap === 0 && lost === m.split.items % m.split.workers,
    text: `Integer-division split of ${m.split.items} items over ${m.split.workers} workers lost ${plural(lost, 'item')} (${m.split.items} mod ${m.split.workers} = ${m.split.items % m.split.workers}), silently; goscale map lost ${lostMap}.`,
  });
  // "What batch size?" — the I/O-bound half is the window above; the CPU-bound half is threads.
  if (m.cpu !== undefined) out.push(concludeCpu1(m.cpu));
  return out;
}
