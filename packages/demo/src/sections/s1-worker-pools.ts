/**
 * @module Section 1, worker pools: 1,000 deployments unbounded, in fixed batches and through goscale `map`.
 */
import { map } from 'goscale';
import { call } from '../lib/client.js';
import { errorCount, type Recorder, type Timeline } from '../lib/timeline.js';
import { startDeployApi, type DeployApi, type DeployApiStats } from '../services/deploy-api.js';
import { measureCpuBound } from './s1-cpu-bound.js';
import { measureStrategy } from '../lib/measure.js';
import {
  workerPoolConclusions,
  workerPoolTables,
  type WorkerPoolMeasurements,
  type WorkerPoolStrategy,
} from './s1-conclusions.js';
import type { RunOptions, SectionBody } from './types.js';

/** Triggers one deployment; the outcome is the HTTP status (0 for a network error). */
function deploy(api: DeployApi, id: number, signal?: AbortSignal): Promise<number> {
  return call(`${api.url}/deployments/${id}`, { method: 'POST', signal }).then((r) => r.status);
}

/**
 * The production bug: split N items over k workers by integer division. `Math.floor(n / k)` items each, so the
 * `n % k` items at the end belong to no worker and are never processed — silently.
 */
async function integerSplit(
  items: number[],
  k: number,
  work: (item: number) => Promise<unknown>,
): Promise<void> {
  const per = Math.floor(items.length / k);
  const workers: Promise<void>[] = [];
  for (let w = 0; w < k; w++) {
    const chunk = items.slice(w * per, (w + 1) * per);
    workers.push(
      (async () => {
        for (const item of chunk) await work(item);
      })(),
    );
  }
  await Promise.all(workers);
}

/** One strategy's row of the table, from its timeline and the API's counters. */
function strategyRow(name: string, timeline: Timeline, stats: DeployApiStats): WorkerPoolStrategy {
  return {
    name,
    wallMs: timeline.wallMs,
    ok: stats.accepted,
    failed: errorCount(timeline),
    errors: timeline.errors,
    servicePeakInFlight: stats.peakInFlight,
    heapPeakBytes: timeline.heapPeakBytes,
  };
}

/**
 * Runs section 1 against a fresh deployment API and returns its measurements, tables, timelines and conclusions.
 * @param opts - seed, quick, progress.
 * @returns the section's result.
 * @example
 * ```ts
 * const result = await runWorkerPools({ seed: 42, quick: true });
 * ```
 */
export async function runWorkerPools(opts: RunOptions): Promise<SectionBody<WorkerPoolMeasurements>> {
  const n = opts.quick ? 200 : 1000;
  const workers = 20;
  const maxQueue = opts.quick ? 40 : 100;
  const concurrency = workers;
  const api = await startDeployApi({ seed: opts.seed, workers, maxQueue, medianMs: opts.quick ? 10 : 20 });
  try {
    const ids = Array.from({ length: n }, (_, i) => i);
    const tracked = (rec: Recorder, id: number, signal?: AbortSignal): Promise<number> =>
      rec.track(
        () => deploy(api, id, signal),
        (s) => s,
      );
    const strategies: Array<[string, (rec: Recorder) => Promise<unknown>]> = [
      ['unbounded Promise.all', (rec) => Promise.all(ids.map((id) => tracked(rec, id)))],
      [
        `fixed batches of ${concurrency}`,
        async (rec) => {
          for (let i = 0; i < n; i += concurrency) {
            await Promise.all(ids.slice(i, i + concurrency).map((id) => tracked(rec, id)));
          }
        },
      ],
      [
        `goscale map (concurrency ${concurrency})`,
        (rec) => map(ids, (id, _index, signal) => tracked(rec, id, signal), { concurrency }),
      ],
    ];
    const results: Array<{ strategy: WorkerPoolStrategy; timeline: Timeline }> = [];
    for (const [name, run] of strategies) {
      const { timeline, stats } = await measureStrategy({ name, service: api, total: n }, opts, run);
      results.push({ timeline, strategy: strategyRow(name, timeline, stats) });
    }
    const service = ids.map((id) => api.baseServiceMs(id));
    const sumServiceMs = service.reduce((a, b) => a + b, 0);
    const maxServiceMs = Math.max(...service);

    // The split bug on its own sizes: k does not divide N, so N % k items are lost.
    const splitN = opts.quick ? 50 : 250;
    const k = 16;
    const splitItems = Array.from({ length: splitN }, (_, i) => n + i);
    api.resetStats();
    await integerSplit(splitItems, k, (id) => deploy(api, id));
    const handRolled = api.stats().accepted;
    api.resetStats();
    await map(splitItems, (id, _i, signal) => deploy(api, id, signal), { concurrency: k });
    const viaMap = api.stats().accepted;

    const measurements: WorkerPoolMeasurements = {
      deployments: n,
      concurrency,
      capacity: { workers, maxQueue },
      strategies: results.map((r) => r.strategy),
      ideal: { makespanMs: Math.max(sumServiceMs / concurrency, maxServiceMs), sumServiceMs, maxServiceMs },
      split: { items: splitN, workers: k, handRolledProcessed: handRolled, goscaleProcessed: viaMap },
      cpu: await measureCpuBound(opts.quick),
    };
    return {
      measurements,
      tables: workerPoolTables(measurements),
      timelines: results.map((r) => r.timeline),
      conclusions: workerPoolConclusions(measurements),
    };
  } finally {
    await api.close();
  }
}
