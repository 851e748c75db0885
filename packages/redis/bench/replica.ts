/**
 * @module A replica process for the benchmarks: runs one library's limiter or semaphore loop and reports timings to
 * the bench over IPC. Args: kind lib port callers durationMs rate burst (limiter) | kind lib port workers cycles holdMs
 * (semaphore).
 */
import { setMaxListeners } from 'node:events';
import Bottleneck from 'bottleneck';
import { Limiter } from 'goscale/rate';
import { Redis } from 'ioredis';
import { RateLimiterQueue, RateLimiterRedis } from 'rate-limiter-flexible';
import { createClient } from 'redis';
import { Semaphore } from 'redis-semaphore';
import { RedisLimiter, RedisSemaphore } from '../src/index.js';
import { hear, tell } from '../src/testing/replica.js';

const [kind, lib, portArg, ...rest] = process.argv.slice(2) as [string, string, string, ...string[]];
const port = Number(portArg);
const client = createClient({ url: `redis://127.0.0.1:${port}` });
await client.connect();
const io = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
const now = (): number => performance.timeOrigin + performance.now();

if (kind === 'limiter') {
  const [callers, durationMs, RATE, BURST] = rest.map(Number) as [number, number, number, number];
  let wait: (signal: AbortSignal) => Promise<unknown>;
  let close = async (): Promise<void> => {};
  let roundTrips = (): number => NaN;
  if (lib === 'goscale') {
    const limiter = new RedisLimiter(client, { key: 'bench', rate: RATE, burst: BURST });
    wait = (signal) => limiter.wait(1, { signal });
    close = () => limiter.close();
    roundTrips = () => limiter.stats.roundTrips;
  } else if (lib === 'local') {
    const limiter = new Limiter({ rate: RATE, burst: BURST });
    wait = (signal) => limiter.wait(1, { signal });
  } else if (lib === 'rate-limiter-flexible') {
    const store = new RateLimiterRedis({
      storeClient: client,
      useRedisPackage: true,
      points: RATE,
      duration: 1,
    });
    const queue = new RateLimiterQueue(store, { maxQueueSize: 1e6 });
    wait = () => queue.removeTokens(1);
  } else {
    const b = new Bottleneck({
      id: 'bench',
      datastore: 'ioredis',
      clientOptions: { host: '127.0.0.1', port },
      minTime: 1000 / RATE,
    });
    await b.ready();
    wait = () => b.schedule(() => Promise.resolve());
    close = () => b.disconnect();
  }
  tell({ type: 'ready' });
  const { startAt } = (await hear('go')) as unknown as { startAt: number };
  await new Promise((r) => setTimeout(r, startAt - now()));
  const end = startAt + durationMs;
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // every caller's wait listens on it
  const timer = setTimeout(() => stop.abort(), end - now());
  const grants: number[] = [];
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (!stop.signal.aborted) {
        try {
          await wait(stop.signal);
        } catch {
          return;
        }
        const t = now();
        if (t <= end) grants.push(t);
      }
    }),
  );
  clearTimeout(timer);
  // Peers without a signal may still have calls queued: do not wait long for them.
  await Promise.race([close(), new Promise((r) => setTimeout(r, 500))]);
  tell({ type: 'done', grants, roundTrips: roundTrips() });
} else {
  const [workers, cycles, holdMs] = rest.map(Number) as [number, number, number];
  let acquire: () => Promise<() => Promise<unknown>>;
  let close = async (): Promise<void> => {};
  if (lib === 'goscale') {
    const sem = new RedisSemaphore(client, { key: 'bench', size: 4, leaseMs: 10_000 });
    acquire = async () => {
      const lease = await sem.acquire();
      return () => lease.release();
    };
    close = () => sem.close();
  } else {
    await io.connect();
    acquire = async () => {
      // redis-semaphore: one Semaphore object per acquisition (it holds one identifier); defaults: 10 ms retry.
      const s = new Semaphore(io, 'bench', 4, { acquireTimeout: 60_000, lockTimeout: 10_000 });
      await s.acquire();
      return () => s.release();
    };
  }
  tell({ type: 'ready' });
  await hear('go');
  const waits: number[] = [];
  const start = now();
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = 0; i < cycles; i++) {
        const t0 = now();
        const release = await acquire();
        waits.push(now() - t0);
        await new Promise((r) => setTimeout(r, holdMs));
        await release();
      }
    }),
  );
  tell({ type: 'done', waits, elapsedMs: now() - start });
  await close();
}
io.disconnect();
client.destroy();
process.disconnect();
