/**
 * @module Benchmarks `RedisLimiter` across 3 replica processes against per-process `Limiter`s,
 * rate-limiter-flexible (RateLimiterRedis behind its RateLimiterQueue) and bottleneck's Redis clustering; then the
 * cost of one call side by side on the same server, with the commands each call sends.
 */
import { RateLimiterRedis } from 'rate-limiter-flexible';
import Bottleneck from 'bottleneck';
import { fmtNs, fmtRatio, goal, measure, report, type BenchSection } from '../../../bench/harness.js';
import { RedisLimiter } from '../src/index.js';
import type { RedisClient } from '../src/internal/client.js';
import { Replica } from '../src/testing/replica.js';
import { needsRedis, RedisServer } from '../src/testing/server.js';

const FILE = 'packages/redis/bench/limiter.bench.ts';
const RATE = 500;
const BURST = 20;
const REPLICAS = 3;
const CALLERS = 32;
const DURATION_MS = 10_000;
const REPLICA = new URL('./replica.ts', import.meta.url);

/**
 * Counts the commands clients send (round trips, pipelined or not) while `fn` runs, from Redis' MONITOR feed; the
 * commands scripts run inside Redis (`[0 lua]`) are not round trips and are left out.
 */
async function roundTrips(server: RedisServer, fn: () => Promise<unknown>): Promise<number> {
  const monitor = await server.client();
  let count = 0;
  await monitor.monitor((line) => {
    if (!String(line).includes(' lua]')) count++;
  });
  try {
    await fn();
    await new Promise((r) => setTimeout(r, 100)); // the feed lags the replies a little
    return count;
  } finally {
    monitor.destroy();
  }
}

/** The most grants in any one-second window [t, t + 1 s). */
function maxWindow(sorted: number[]): number {
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

async function globalRate(server: RedisServer, client: RedisClient, lib: string) {
  await client.flushAll();
  const replicas = Array.from(
    { length: REPLICAS },
    () =>
      new Replica(REPLICA, [
        'limiter',
        lib,
        String(server.port),
        String(CALLERS),
        String(DURATION_MS),
        String(RATE),
        String(BURST),
      ]),
  );
  try {
    await Promise.all(replicas.map((r) => r.next('ready')));
    const startAt = performance.timeOrigin + performance.now() + 300;
    for (const r of replicas) r.send({ type: 'go', startAt });
    const done = await Promise.all(replicas.map((r) => r.next('done')));
    const sent = done.reduce((sum, d) => sum + (d.roundTrips as number), 0);
    const grants = done.flatMap((d) => d.grants as number[]).sort((a, b) => a - b);
    return {
      lib,
      rate: grants.length / (DURATION_MS / 1000),
      window: maxWindow(grants),
      perGrant: sent / grants.length,
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
  }
}

async function main(): Promise<BenchSection[]> {
  const server = await RedisServer.start();
  const client = await server.client();
  try {
    const runs = [];
    for (const lib of ['goscale', 'local', 'rate-limiter-flexible', 'bottleneck'])
      runs.push(await globalRate(server, client, lib));
    const names: Record<string, string> = {
      goscale: '`RedisLimiter` (GCRA reservation)',
      local: '3 × in-process `Limiter` (no Redis)',
      'rate-limiter-flexible': 'rate-limiter-flexible RateLimiterRedis + RateLimiterQueue (1-s window)',
      bottleneck: 'bottleneck clustering (ioredis, minTime 2 ms)',
    };
    const ours = runs[0]!;
    const rateSection: BenchSection = {
      title: 'RedisLimiter: one global rate for 3 replicas',
      description: `${REPLICAS} replica processes × ${CALLERS} callers waiting in a loop for ${DURATION_MS / 1000} s, target ${RATE}/s, burst ${BURST}; grants timestamped in each process when \`wait\` resolved (one machine, one clock), so the window includes each replica's event-loop delays; round trips of RedisLimiter from its stats (the peers' are in the next table).`,
      rows: [
        ['limiter', 'achieved rate', 'vs target', 'max grants in a 1-s window'],
        ...runs.map((r) => [
          names[r.lib]!,
          `${r.rate.toFixed(1)}/s`,
          `${(((r.rate - RATE) / RATE) * 100).toFixed(2)}%`,
          String(r.window),
        ]),
      ],
      notes: [
        goal(
          Math.abs(ours.rate - RATE) / RATE <= 0.01,
          `RedisLimiter's global rate within 1% of ${RATE}/s (${ours.rate.toFixed(1)}/s)`,
        ),
        goal(
          ours.window <= BURST + RATE,
          `no 1-s window above burst + rate = ${BURST + RATE} (max ${ours.window})`,
        ),
        `Round trips per wait: ${ours.perGrant.toFixed(3)} per granted wait (the waits aborted at the end, their give-back and the NOSCRIPT reloads included).`,
        'The window is measured downstream, where a replica whose event loop stalls releases the grants planned during the stall together; on the Redis clock GCRA never exceeds burst + rate.',
        `Per-process limiters let ${fmtRatio(runs[1]!.rate / RATE)} the quota through.`,
      ],
    };

    // Overhead per call: sequential calls that never wait (limits far above the load), same server, same process.
    const CALLS = 1000;
    const big = new RedisLimiter(client, { key: 'overhead', rate: 1e6, burst: 1e6 });
    const rlf = new RateLimiterRedis({
      storeClient: client,
      useRedisPackage: true,
      points: 1e9,
      duration: 60,
      keyPrefix: 'rlf',
    });
    const bn = new Bottleneck({
      id: 'overhead',
      datastore: 'ioredis',
      clearDatastore: true,
      clientOptions: { host: '127.0.0.1', port: server.port },
    });
    await bn.ready();
    const floorSha = await client.sendCommand<string>(['SCRIPT', 'LOAD', 'return 1']);
    const cases: [string, () => Promise<unknown>][] = [
      ['floor: one EVALSHA of `return 1` (node-redis)', () => client.sendCommand(['EVALSHA', floorSha, '0'])],
      ['`RedisLimiter.allow()`', () => big.allow()],
      ['`RedisLimiter.wait()` (no sleep)', () => big.wait()],
      ['rate-limiter-flexible `consume()`', () => rlf.consume('k', 1)],
      ['bottleneck clustering `schedule()`', () => bn.schedule(() => Promise.resolve())],
    ];
    const rows: string[][] = [
      ['call', 'median per call (5 rounds)', 'spread (min–max)', 'vs floor', 'round trips per call'],
    ];
    const samples: number[][] = cases.map(() => []);
    // Rounds alternate between the libraries so that machine noise falls on all of them alike.
    for (let round = 0; round < 5; round++) {
      for (const [i, [, call]] of cases.entries()) {
        const run = async (): Promise<void> => {
          for (let k = 0; k < CALLS; k++) await call();
        };
        samples[i]!.push(await measure(run, CALLS, { rounds: 1, warmup: round === 0 ? 1 : 0 }));
      }
    }
    const sorted = samples.map((xs) => [...xs].sort((x, y) => x - y));
    const floor = sorted[0]![2]!;
    for (const [i, [name, call]] of cases.entries()) {
      const xs = sorted[i]!;
      const perCall =
        (await roundTrips(server, async () => {
          for (let k = 0; k < 100; k++) await call();
        })) / 100;
      rows.push([
        name,
        fmtNs(xs[2]!),
        `${fmtNs(xs[0]!)}–${fmtNs(xs[4]!)}`,
        fmtRatio(xs[2]! / floor),
        perCall.toFixed(2),
      ]);
    }
    await bn.disconnect();
    const overhead: BenchSection = {
      title: 'RedisLimiter: cost of one call, side by side on one server',
      description: `${CALLS} sequential calls per round from one process, limits far above the load (nothing waits); median of 5 rounds. Round trips counted by the server over 100 more calls (MONITOR, commands inside scripts left out; bottleneck's run on its own ioredis connection).`,
      rows,
      notes: [],
    };
    return [rateSection, overhead];
  } finally {
    client.destroy();
    await server.stop();
  }
}

if (needsRedis) {
  process.stderr.write(`${needsRedis}\n`);
  report(FILE, [{ title: 'RedisLimiter', description: needsRedis, rows: [], notes: [] }]);
} else {
  report(FILE, await main());
}
