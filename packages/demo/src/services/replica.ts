/**
 * @module One replica of the "Many replicas" app: callers of a rate-limited third-party API, each waiting on the
 * replica's limiter first — its own in-process `Limiter` (before) or the `RedisLimiter` every replica shares (after).
 */
import { RedisLimiter, type RedisClient } from '@goscale/redis';
import { Limiter } from 'goscale';
import { call } from '../lib/client.js';

/** What the parent asks a replica to do for one strategy. */
export interface LoadSpec {
  /** `'local'`: one `Limiter` per replica; `'redis'`: one `RedisLimiter` bucket under `key` for all of them. */
  limiter: 'local' | 'redis';
  /** The limiter's rate and burst (each replica's own with `'local'`; the global one with `'redis'`). */
  rate: number;
  burst: number;
  /** The Redis key of the shared bucket (`'redis'` only). */
  key: string;
  /** Callers in this replica, each in a loop: wait on the limiter, call the API. */
  callers: number;
  /** How long the callers go on; a wait still pending at the end is aborted (and its reservation given back). */
  durationMs: number;
  /** `POST <apiUrl>/call` is the third-party API. */
  apiUrl: string;
}

/** What one replica counted for a strategy. */
export interface LoadReport {
  sent: number;
  /** Replies by status, e.g. `{ '200': 80, '429': 160 }`. */
  statuses: Record<string, number>;
  /** Round trips to Redis (0 with `'local'`). */
  redisRoundTrips: number;
}

/** A limiter as the callers see it: both kinds wait the same way. */
interface Waiter {
  wait(n: number, options: { signal: AbortSignal }): Promise<void>;
  close(): Promise<void> | void;
  readonly roundTrips: number;
}

function limiterFor(spec: LoadSpec, client: RedisClient | undefined): Waiter {
  if (spec.limiter === 'local') {
    const local = new Limiter({ rate: spec.rate, burst: spec.burst });
    return { wait: (n, o) => local.wait(n, o), close: () => {}, roundTrips: 0 };
  }
  if (client === undefined) throw new Error('replica: a RedisLimiter needs REDIS_URL');
  const shared = new RedisLimiter(client, { key: spec.key, rate: spec.rate, burst: spec.burst });
  return {
    wait: (n, o) => shared.wait(n, o),
    close: () => shared.close(),
    get roundTrips() {
      return shared.stats.roundTrips;
    },
  };
}

/**
 * Runs `spec.callers` callers for `spec.durationMs`, each waiting on the limiter before every call.
 * @param spec - the strategy.
 * @param client - a connected node-redis client (needed for `'redis'`).
 * @param onCall - told as each call starts (`end` undefined) and ends (its status; 0 for a network error).
 * @returns what this replica sent and got back.
 * @example
 * ```ts
 * const report = await runLoad(spec, client, () => {});
 * ```
 */
export async function runLoad(
  spec: LoadSpec,
  client: RedisClient | undefined,
  onCall: (id: number, status?: number) => void,
): Promise<LoadReport> {
  const limiter = limiterFor(spec, client);
  const deadline = AbortSignal.timeout(spec.durationMs);
  const statuses: Record<string, number> = {};
  let sent = 0;
  const caller = async (): Promise<void> => {
    while (!deadline.aborted) {
      try {
        await limiter.wait(1, { signal: deadline });
      } catch (error) {
        if (deadline.aborted) return;
        throw error;
      }
      const id = sent++;
      onCall(id);
      const reply = await call(`${spec.apiUrl}/call`, { method: 'POST' });
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      onCall(id, reply.status);
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.callers }, caller));
  } finally {
    await limiter.close();
  }
  return { sent, statuses, redisRoundTrips: limiter.roundTrips };
}
