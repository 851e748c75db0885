/**
 * @module Benchmarks `RedisSemaphore` against redis-semaphore's `Semaphore` across 3 replica processes: cycles per
 * second, the spread of wait times (fairness), and the Redis commands each cycle costs.
 */
import { goal, report, type BenchSection } from '../../../bench/harness.js';
import type { RedisClient } from '../src/internal/client.js';
import { Replica } from '../src/testing/replica.js';
import { needsRedis, RedisServer } from '../src/testing/server.js';

const FILE = 'packages/redis/bench/semaphore.bench.ts';
const REPLICAS = 3;
const WORKERS = 16;
const SIZE = 4;
const CYCLES = 20;
const HOLD_MS = 5;
const ROUNDS = 3;
const REPLICA = new URL('./replica.ts', import.meta.url);

/** Script calls clients made (EVALSHA + EVAL): both libraries do each step in a script. */
async function scriptCalls(client: RedisClient): Promise<number> {
  const info = await client.sendCommand<string>(['INFO', 'commandstats']);
  let calls = 0;
  for (const m of info.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)) calls += Number(m[1]);
  return calls;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function round(server: RedisServer, client: RedisClient, lib: string) {
  await client.flushAll();
  const replicas = Array.from(
    { length: REPLICAS },
    () =>
      new Replica(REPLICA, [
        'semaphore',
        lib,
        String(server.port),
        String(WORKERS),
        String(CYCLES),
        String(HOLD_MS),
      ]),
  );
  try {
    await Promise.all(replicas.map((r) => r.next('ready')));
    const before = await scriptCalls(client);
    for (const r of replicas) r.send({ type: 'go' });
    const done = await Promise.all(replicas.map((r) => r.next('done')));
    const sent = (await scriptCalls(client)) - before;
    const waits = done.flatMap((d) => d.waits as number[]).sort((a, b) => a - b);
    const elapsed = Math.max(...done.map((d) => d.elapsedMs as number));
    const p50 = quantile(waits, 0.5);
    const p99 = quantile(waits, 0.99);
    return {
      rate: waits.length / (elapsed / 1000),
      p50,
      p99,
      spread: p99 / p50,
      perCycle: sent / waits.length,
    };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<BenchSection[]> {
  const server = await RedisServer.start();
  const client = await server.client();
  try {
    const libs = ['goscale', 'redis-semaphore'];
    const results: Record<string, Awaited<ReturnType<typeof round>>[]> = {
      goscale: [],
      'redis-semaphore': [],
    };
    // Alternate the libraries round by round so machine noise falls on both alike.
    for (let i = 0; i < ROUNDS; i++)
      for (const lib of libs) results[lib]!.push(await round(server, client, lib));
    const row = (lib: string, name: string) => {
      const rs = results[lib]!;
      const m = (f: (r: (typeof rs)[number]) => number) => median(rs.map(f));
      const rates = rs.map((r) => r.rate).sort((a, b) => a - b);
      return {
        cells: [
          name,
          `${m((r) => r.rate).toFixed(0)}/s (${rates[0]!.toFixed(0)}–${rates.at(-1)!.toFixed(0)})`,
          `${m((r) => r.p50).toFixed(1)} ms`,
          `${m((r) => r.p99).toFixed(1)} ms`,
          `${m((r) => r.spread).toFixed(1)}`,
          m((r) => r.perCycle).toFixed(1),
        ],
        rate: m((r) => r.rate),
        spread: m((r) => r.spread),
      };
    };
    const ours = row('goscale', '`RedisSemaphore` (FIFO queue, pub/sub hand-off)');
    const peer = row('redis-semaphore', 'redis-semaphore `Semaphore` (10 ms retry poll)');
    const ideal = (SIZE / HOLD_MS) * 1000;
    return [
      {
        title: 'RedisSemaphore: 3 replicas × 16 workers, size 4',
        description: `${REPLICAS} processes × ${WORKERS} workers, each acquiring 1 of ${SIZE} permits ${CYCLES} times and holding it ${HOLD_MS} ms (ideal: ${ideal}/s). Wait = acquire call to grant; medians of ${ROUNDS} rounds (range of the rate in brackets); script calls (EVALSHA/EVAL) counted by the server.`,
        rows: [
          ['semaphore', 'cycles per second', 'wait p50', 'wait p99', 'p99 / p50', 'script calls per cycle'],
          ours.cells,
          peer.cells,
        ],
        notes: [
          `RedisSemaphore reaches ${((ours.rate / ideal) * 100).toFixed(0)}% of the ideal rate, redis-semaphore ${((peer.rate / ideal) * 100).toFixed(0)}%.`,
          goal(
            ours.spread < peer.spread,
            `fairer waits than redis-semaphore (p99/p50 ${ours.spread.toFixed(1)} vs ${peer.spread.toFixed(1)})`,
          ),
          `Throughput ratio ${(ours.rate / peer.rate).toFixed(2)} (RedisSemaphore / redis-semaphore): FIFO hands each permit to the longest waiter, usually in another process (a pub/sub hop), where redis-semaphore's releasing worker often takes it straight back; that unfairness is what its p99/p50 shows.`,
        ],
      },
    ];
  } finally {
    client.destroy();
    await server.stop();
  }
}

if (needsRedis) {
  process.stderr.write(`${needsRedis}\n`);
  report(FILE, [{ title: 'RedisSemaphore', description: needsRedis, rows: [], notes: [] }]);
} else {
  report(FILE, await main());
}
