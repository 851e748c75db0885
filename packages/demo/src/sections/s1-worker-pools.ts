/**
 * @module Section 1, worker pools: 1,000 deployments unbounded, in fixed batches and through goscale `map`.
 */
import { map } from 'goscale';
import { call } from '../lib/client.js';
import { Recorder, errorCount, type Timeline } from '../lib/timeline.js';
import { startDeployApi, type DeployApi } from '../services/deploy-api.js';
import { conclude1, tables1, type Section1, type Strategy1 } from './s1-conclusions.js';
import { measureCpuBound } from './s1-cpu-bound.js';
import type { RunOptions, SectionResult } from './types.js';

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

async function measureStrategy(
  api: DeployApi,
  name: string,
  opts: RunOptions,
  n: number,
  run: (rec: Recorder) => Promise<unknown>,
): Promise<{ strategy: Strategy1; timeline: Timeline }> {
  api.resetStats();
  const rec = new Recorder(name, (done) => opts.progress?.(`1 worker pools · ${name} · ${done}/${n}`));
  await run(rec);
  const timeline = rec.finish();
  const stats = api.stats();
  return {
    timeline,
    strategy: {
      name,
      wallMs: timeline.wallMs,
      ok: stats.accepted,
      failed: errorCount(timeline),
      errors: timeline.errors,
      servicePeakInFlight: stats.peakInFlight,
      heapPeakBytes: timeline.heapPeakBytes,
    },
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
export async function runWorkerPools(opts: RunOptions): Promise<SectionResult<Section1>> {
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
    const results = [
      await measureStrategy(api, 'unbounded Promise.all', opts, n, (rec) =>
        Promise.all(ids.map((id) => tracked(rec, id))),
      ),
      await measureStrategy(api, `fixed batches of ${concurrency}`, opts, n, async (rec) => {
        for (let i = 0; i < n; i += concurrency) {
          await Promise.all(ids.slice(i, i + concurrency).map((id) => tracked(rec, id)));
        }
      }),
      await measureStrategy(api, `goscale map (concurrency ${concurrency})`, opts, n, (rec) =>
        map(ids, (id, _index, signal) => tracked(rec, id, signal), { concurrency }),
      ),
    ];
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

    const measurements: Section1 = {
      deployments: n,
      concurrency,
      capacity: { workers, maxQueue },
      strategies: results.map((r) => r.strategy),
      ideal: { makespanMs: Math.max(sumServiceMs / concurrency, maxServiceMs), sumServiceMs, maxServiceMs },
      split: { items: splitN, workers: k, handRolledProcessed: handRolled, goscaleProcessed: viaMap },
      cpu: await measureCpuBound(opts.quick),
    };
    return {
      section: 1,
      title: 'Worker pools',
      measurements,
      tables: tables1(measurements),
      timelines: results.map((r) => r.timeline),
      conclusions: conclude1(measurements),
    };
  } finally {
    await api.close();
  }
}
