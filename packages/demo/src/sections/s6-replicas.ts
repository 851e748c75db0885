/**
 * @module Section 6, many replicas: three replica processes behind one API quota and one SSE topic. Each with its own
 * `Limiter` they send three times the quota; with one `RedisLimiter` (from `@goscale/redis`) they hold it. An event
 * published on one replica reaches the SSE clients of all three (a `Broker` on `redisBus`); kill -9 one, and its
 * clients get what they missed from another. Needs Redis: its own `redis-server` when one is on the PATH, or
 * `REDIS_URL`.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { measureStrategy } from '../lib/measure.js';
import type { Timeline } from '../lib/timeline.js';
import { startQuotaApi, type QuotaApi } from '../services/quota-api.js';
import { startRedis } from '../services/redis-server.js';
import type { LoadReport, LoadSpec } from '../services/replica.js';
import { ReplicaProcess, type FromReplica } from '../services/replica-process.js';
import { measureBroadcast } from './s6-sse.js';
import {
  replicasConclusions,
  replicasTables,
  type ReplicaLimiterRun,
  type ReplicasMeasurements,
} from './s6-conclusions.js';
import type { RunOptions, SectionBody } from './types.js';

/** Runs one limiter strategy on every replica at once; each call a replica makes is a bar. */
async function measureLimiter(
  api: QuotaApi,
  replicas: readonly ReplicaProcess[],
  name: string,
  spec: LoadSpec,
  opts: RunOptions,
): Promise<{ run: ReplicaLimiterRun; timeline: Timeline }> {
  const { timeline, stats, value } = await measureStrategy({ name, service: api }, opts, async (rec) => {
    const tracked: Promise<unknown>[] = [];
    const reports = await Promise.all(
      replicas.map(async (replica) => {
        const ends = new Map<number, (status: number) => void>();
        const off = replica.listen((m) => {
          if (m.type !== 'call') return;
          const id = m.id as number;
          if (m.status === undefined) {
            const ended = new Promise<number>((resolve) => ends.set(id, resolve));
            tracked.push(
              rec.track(
                () => ended,
                (status) => status,
              ),
            );
          } else {
            ends.get(id)?.(m.status as number);
            ends.delete(id);
          }
        });
        try {
          const done = replica.next('load-done');
          replica.send({ type: 'load', spec });
          return (await done).report as LoadReport;
        } finally {
          off();
        }
      }),
    );
    await Promise.all(tracked);
    return reports;
  });
  return {
    timeline,
    run: {
      name,
      perReplica: value.map((r) => r.sent),
      sent: value.reduce((a, r) => a + r.sent, 0),
      accepted: stats.accepted,
      rejected: stats.rejected,
      peakPerSecond: stats.peakPerSecond,
      spanMs: stats.spanMs,
      redisRoundTrips: value.reduce((a, r) => a + r.redisRoundTrips, 0),
    },
  };
}

/**
 * Runs section 6: starts Redis (or uses `REDIS_URL`), the quota API and three replica processes, then measures each
 * limiter strategy against the same quota.
 * @param opts - seed, quick, progress.
 * @returns the section's result; rejects with the one-line hint of `redisMissing()` when there is no Redis.
 * @example
 * ```ts
 * const result = await runReplicas({ seed: 42, quick: true });
 * ```
 */
export async function runReplicas(opts: RunOptions): Promise<SectionBody<ReplicasMeasurements>> {
  const count = 3;
  const callersPerReplica = 8;
  const quota = opts.quick ? { rate: 50, burst: 10 } : { rate: 100, burst: 20 };
  // The limiters keep half the API's burst in reserve: calls granted a few ms apart can reach the API bunched up
  // (a busy event loop, a slow socket), and the API's spare tokens absorb that.
  const limiter = { rate: quota.rate, burst: quota.burst / 2 };
  const durationMs = opts.quick ? 1000 : 4000;
  const redis = await startRedis();
  const replicas: ReplicaProcess[] = [];
  let api: QuotaApi | undefined;
  // A fresh bucket and stream per run, so a second run (or another demo on the same REDIS_URL) starts clean.
  const run = randomUUID();
  const key = `goscale-demo:quota:${run}`;
  const client = createClient({ url: redis.url });
  client.on('error', () => {});
  let streamKey: string | undefined;
  try {
    await client.connect();
    opts.progress?.(`starting ${redis.own ? 'redis-server and ' : ''}${count} replica processes`);
    api = await startQuotaApi(quota);
    const started = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        ReplicaProcess.start(`r${i + 1}`, {
          REDIS_URL: redis.url,
          BUS_STREAM: `goscale-demo-${run}`,
          REPLICA_NAME: `r${i + 1}`,
        }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') replicas.push(s.value.replica);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const ready = started.map((s) => (s as PromiseFulfilledResult<{ ready: FromReplica }>).value.ready);
    streamKey = String(ready[0]!.key);

    const base = { ...limiter, durationMs, apiUrl: api.url, callers: callersPerReplica };
    const results = [
      await measureLimiter(
        api,
        replicas,
        `${count} × own Limiter (${limiter.rate}/s each)`,
        { ...base, limiter: 'local', key },
        opts,
      ),
      await measureLimiter(
        api,
        replicas,
        `one RedisLimiter (${limiter.rate}/s for all)`,
        { ...base, limiter: 'redis', key },
        opts,
      ),
    ];
    const broadcast = await measureBroadcast(
      replicas.map((replica, i) => ({ replica, url: `http://127.0.0.1:${String(ready[i]!.port)}` })),
      opts,
      async () => ((await client.xRange(streamKey!, '-', '+')) ?? []).map((e) => e.id),
    );
    const measurements: ReplicasMeasurements = {
      replicas: count,
      callersPerReplica,
      durationMs,
      quota,
      limiter,
      limiters: results.map((r) => r.run),
      broadcast: broadcast.measurements,
    };
    return {
      measurements,
      tables: replicasTables(measurements),
      timelines: [...results.map((r) => r.timeline), broadcast.timeline],
      conclusions: replicasConclusions(measurements),
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await api?.close();
    if (streamKey !== undefined && client.isReady) await client.del(streamKey);
    client.destroy();
    await redis.close();
  }
}
