/**
 * @module Section 1, the CPU-bound half of "what batch size?": the same hashing job on 1 thread and on
 * `pool.threads` threads (goscale `WorkerPool` under `map`), measured; its table and conclusion.
 */
import os from 'node:os';
import { map } from 'goscale';
import { WorkerPool } from 'goscale/worker';
import { fmtMs, fmtX } from '../lib/format.js';
import type { Conclusion, Table } from './types.js';

/** What the CPU-bound run measured. */
export interface CpuBound1 {
  jobs: number;
  /** Hash rounds per job (a fixed amount of work, not a time). */
  rounds: number;
  cores: number;
  threads: number;
  oneThreadMs: number;
  poolMs: number;
}

const task = new URL('./s1-hash.mjs', import.meta.url);

async function timeOn(threads: number, jobs: number, rounds: number): Promise<number> {
  await using pool = new WorkerPool(task, { threads });
  // Start-up is not the job: every thread runs one task before the clock starts.
  await map(
    Array.from({ length: threads }, () => 1),
    (x, _i, signal) => pool.run(x, { signal }),
    { concurrency: threads },
  );
  const start = performance.now();
  await map(
    Array.from({ length: jobs }, () => rounds),
    (x, _i, signal) => pool.run(x, { signal }),
    { concurrency: pool.threads },
  );
  return performance.now() - start;
}

/**
 * Runs the hashing job `jobs` times on a one-thread pool, then on a pool of `os.availableParallelism()` threads.
 * @param quick - fewer jobs.
 * @returns the measurements.
 * @example
 * ```ts
 * const cpu = await measureCpuBound(true);
 * ```
 */
export async function measureCpuBound(quick: boolean): Promise<CpuBound1> {
  const jobs = quick ? 24 : 120;
  const rounds = 3000;
  const cores = os.availableParallelism();
  const oneThreadMs = await timeOn(1, jobs, rounds);
  const poolMs = await timeOn(cores, jobs, rounds);
  return { jobs, rounds, cores, threads: cores, oneThreadMs, poolMs };
}

/**
 * @param c - the measurements.
 * @returns the table.
 * @example
 * ```ts
 * cpuTable1(cpu).rows.length // 2
 * ```
 */
export function cpuTable1(c: CpuBound1): Table {
  return {
    title: `CPU-bound: ${c.jobs} hashing jobs, 1 thread vs ${c.threads} (goscale WorkerPool, map at concurrency pool.threads)`,
    columns: ['threads', 'wall time', 'vs 1 thread'],
    rows: [
      ['1', fmtMs(c.oneThreadMs), '1.0x'],
      [String(c.threads), fmtMs(c.poolMs), fmtX(c.oneThreadMs / c.poolMs)],
    ],
  };
}

/**
 * The CPU-bound half of the batch-size answer, from the measurements alone.
 * @param c - the measurements.
 * @returns one conclusion: backed when `threads` threads gave at least 70% of a `threads`-fold speed-up.
 * @example
 * ```ts
 * concludeCpu1(cpu).text;
 * ```
 */
export function concludeCpu1(c: CpuBound1): Conclusion {
  const gain = c.oneThreadMs / c.poolMs;
  const ok = c.threads > 1 && gain >= 0.7 * c.threads;
  return {
    ok,
    claim: 'CPU-bound: number of cores',
    text: ok
      ? `Supported: the same CPU-bound job ran ${fmtX(gain)} faster on ${c.threads} threads than on 1 (${fmtMs(c.poolMs)} vs ${fmtMs(c.oneThreadMs)}; ${c.cores} cores): for CPU-bound work the concurrency is the number of cores, on worker threads — map alone would run every job on the main thread.`
      : `Not supported by this run: ${c.threads} threads ran the CPU-bound job ${fmtX(gain)} as fast as 1 (${fmtMs(c.poolMs)} vs ${fmtMs(c.oneThreadMs)}; ${c.cores} cores) — other load on the machine takes the cores the threads need.`,
  };
}
