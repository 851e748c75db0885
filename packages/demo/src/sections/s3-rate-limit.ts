/**
 * @module Section 3, rate limiting: 1,000 queries unthrottled, through a `Limiter`, under a concurrency cap; and
 * an `adaptive()` limit that finds the knee; and the read-modify-write race across an `await`, fixed by `Mutex`.
 */
import { Limiter, Mutex, adaptive, limit, map } from 'goscale';
import { call } from '../lib/client.js';
import { measureStrategy } from '../lib/measure.js';
import { errorCount, type Recorder, type Timeline } from '../lib/timeline.js';
import { startDatabase, type Database } from '../services/database.js';
import {
  rateLimitConclusions,
  rateLimitTables,
  type RateLimitMeasurements,
  type RateLimitStrategy,
} from './s3-conclusions.js';
import type { RunOptions, SectionBody } from './types.js';

/** Runs one strategy; `run` sends its queries through `query`, which records each one as a bar. */
async function measureQueries(
  db: Database,
  name: string,
  opts: RunOptions,
  n: number,
  run: (query: (id: number) => Promise<number>, rec: Recorder) => Promise<unknown>,
): Promise<{ strategy: RateLimitStrategy; timeline: Timeline }> {
  const { timeline, stats } = await measureStrategy({ name, service: db, total: n }, opts, (rec) =>
    run(
      (id) =>
        rec.track(
          () => call(`${db.url}/query/${id}`, { method: 'POST' }).then((r) => r.status),
          (s) => s,
        ),
      rec,
    ),
  );
  return {
    timeline,
    strategy: {
      name,
      wallMs: timeline.wallMs,
      ok: stats.ok,
      failed: errorCount(timeline),
      errors: timeline.errors,
      servicePeakInFlight: stats.peakInFlight,
      ...(timeline.limits ? { finalLimit: timeline.limits[timeline.limits.length - 1]!.limit } : {}),
    },
  };
}

/** One increment of a counter kept in the database: read, then write back plus one — two awaits apart. */
async function increment(db: Database, key: string): Promise<void> {
  const { body } = await call<{ value: number }>(`${db.url}/kv/${key}`);
  // Between this read and the write below, every other increment in flight reads the same value: lost updates.
  await call(`${db.url}/kv/${key}`, { method: 'PUT', body: { value: (body?.value ?? 0) + 1 } });
}

/**
 * Runs section 3 against a fresh database.
 * @param opts - seed, quick, progress.
 * @returns the section's result.
 * @example
 * ```ts
 * const result = await runRateLimit({ seed: 42, quick: true });
 * ```
 */
export async function runRateLimit(opts: RunOptions): Promise<SectionBody<RateLimitMeasurements>> {
  const n = opts.quick ? 300 : 1000;
  const knee = 16;
  const medianMs = 10;
  const statementTimeoutMs = opts.quick ? 600 : 2000;
  const db = await startDatabase({ seed: opts.seed, knee, medianMs, statementTimeoutMs });
  // 40% of the database's nominal capacity (`knee` queries at a time, each about `medianMs` long). A rate limiter
  // is open-loop: if a stall bunches arrivals far enough past the knee, throughput falls below the arrival rate and
  // the collapse feeds itself. At 40% that takes about 7x the knee in flight at once; at 80% it takes 1.6x.
  const rate = Math.round(((knee * 1000) / medianMs) * 0.4);
  try {
    const ids = Array.from({ length: n }, (_, i) => i);
    const results = [
      await measureQueries(db, 'unthrottled Promise.all', opts, n, (query) => Promise.all(ids.map(query))),
      await measureQueries(db, `goscale Limiter (${rate}/s, burst ${knee})`, opts, n, (query) => {
        const limiter = new Limiter({ rate, burst: knee });
        return Promise.all(ids.map(async (id) => (await limiter.wait(), query(id))));
      }),
      await measureQueries(db, `goscale limit(${knee}) concurrency cap`, opts, n, (query) => {
        const cap = limit(knee);
        return Promise.all(ids.map((id) => cap(() => query(id))));
      }),
      await measureQueries(db, 'goscale adaptive', opts, n, async (query, rec) => {
        // Told nothing about the knee. A 503 (statement timeout) is thrown so that the limit sees the overload.
        const found = adaptive({ onChange: (c) => rec.limit(c.limit) });
        rec.limit(found.current);
        const overloadOn503 = async (id: number): Promise<void> => {
          const status = await query(id);
          if (status === 503) throw Object.assign(new Error('statement timeout'), { status });
        };
        await map(ids, overloadOn503, { concurrency: found, stopOnError: false }).catch(() => undefined);
      }),
    ];

    const increments = opts.quick ? 30 : 100;
    await Promise.all(Array.from({ length: increments }, () => increment(db, 'racy')));
    const mu = new Mutex();
    await Promise.all(Array.from({ length: increments }, () => mu.withLock(() => increment(db, 'locked'))));

    const measurements: RateLimitMeasurements = {
      queries: n,
      model: { knee, medianMs, statementTimeoutMs },
      strategies: results.map((r) => r.strategy),
      race: { increments, racyFinal: db.value('racy'), mutexFinal: db.value('locked') },
    };
    return {
      measurements,
      tables: rateLimitTables(measurements),
      timelines: results.map((r) => r.timeline),
      conclusions: rateLimitConclusions(measurements),
    };
  } finally {
    await db.close();
  }
}
