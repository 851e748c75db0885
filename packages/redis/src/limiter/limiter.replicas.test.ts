import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RedisClient } from '../internal/client.js';
import { Replica } from '../testing/replica.js';
import { needsRedis, useRedisServer } from '../testing/server.js';

const REPLICA = new URL('./testing/replica.ts', import.meta.url);

async function redisMicros(client: RedisClient): Promise<number> {
  const [s, us] = await client.sendCommand<[string, string]>(['TIME']);
  return Number(s) * 1e6 + Number(us);
}

describe('RedisLimiter across replica processes', { skip: needsRedis }, () => {
  const redis = useRedisServer();

  it('holds one global rate for 3 replicas x 4 callers (Redis clock), one round trip per wait', async () => {
    const rate = 200;
    const burst = 5;
    const callers = 4;
    const waits = 15;
    const replicas = Array.from(
      { length: 3 },
      () =>
        new Replica(REPLICA, [
          redis.server.url,
          'global',
          String(rate),
          String(burst),
          String(callers),
          String(waits),
        ]),
    );
    try {
      await Promise.all(replicas.map((r) => r.next('ready')));
      const t0 = await redisMicros(redis.client);
      for (const r of replicas) r.send({ type: 'go' });
      const done = await Promise.all(replicas.map((r) => r.next('done')));
      const t1 = await redisMicros(redis.client);
      const tokens = done.reduce((sum, d) => sum + (d.granted as number), 0);
      assert.equal(tokens, 3 * callers * waits);
      // Each replica on its own at `rate` would take a third of this; together they must take the whole of it.
      const minUs = ((tokens - burst) / rate) * 1e6;
      assert.ok(
        t1 - t0 >= minUs,
        `${tokens} tokens in ${(t1 - t0) / 1e3} ms of Redis time; want >= ${minUs / 1e3} ms`,
      );
      for (const d of done) {
        // One EVALSHA per wait, plus one EVAL for each call that met NOSCRIPT (the first, concurrent, on a fresh server).
        assert.ok(
          (d.roundTrips as number) <= callers * waits + callers,
          `round trips ${String(d.roundTrips)}`,
        );
      }
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
});
