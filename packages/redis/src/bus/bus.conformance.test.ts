import { describe } from 'node:test';
import { testBrokerBus } from 'goscale/http/testing';
import { redisBus, type RedisBus } from '../index.js';
import type { RedisClient } from '../internal/client.js';
import { needsRedis, useRedisServer } from '../testing/server.js';

describe('redisBus', { skip: needsRedis }, () => {
  const redis = useRedisServer();

  // Each simulated replica has a client of its own, as replicas do; each test a stream of its own.
  let run = 0;
  let open: { buses: RedisBus[]; clients: RedisClient[] } | undefined;
  testBrokerBus('redisBus', {
    trimAfter: 100,
    async open(replicas) {
      const stream = `conformance-${++run}`;
      const clients = await Promise.all(Array.from({ length: replicas }, () => redis.server.client()));
      const buses = clients.map((c) => redisBus(c, { stream, maxLen: 100 }));
      open = { buses, clients };
      return buses;
    },
    async close() {
      if (open === undefined) return;
      await Promise.all(open.buses.map((b) => b.close()));
      for (const c of open.clients) c.destroy();
      await redis.client.del(open.buses[0]!.key);
      open = undefined;
    },
  });
});
