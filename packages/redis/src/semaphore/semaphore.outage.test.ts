import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeaseLostError, RedisSemaphore } from '../index.js';
import { needsRedis, useRedisServer } from '../testing/server.js';

describe('RedisSemaphore when Redis restarts', { skip: needsRedis }, () => {
  const redis = useRedisServer();

  it('loses the holders’ leases, queues the waiters again, and leaks no permit', async () => {
    const sem = new RedisSemaphore(redis.client, { key: 'restart', size: 1, leaseMs: 600 });
    const held = await sem.acquire();
    const waiting = sem.acquire();
    const lost = new Promise((resolve) =>
      held.signal.addEventListener('abort', () => resolve(held.signal.reason)),
    );
    await redis.server.restart(); // empty: no persistence
    assert.ok((await lost) instanceof LeaseLostError);
    const lease = await waiting; // queued again by its refresh on the new server, and granted there
    assert.ok(lease.token > held.token, 'tokens keep increasing across a restart that lost the data');
    await held.release(); // changes nothing: the new server never heard of it
    const [, , entries, meta] = sem.keys as [string, string, string, string];
    assert.deepEqual(Object.values(await redis.client.hGetAll(entries)), [`1:${lease.token}`]);
    await lease.release();
    assert.equal(await redis.client.hLen(entries), 0);
    assert.equal(await redis.client.hGet(meta, 'used'), null);
    await sem.close();
  });

  it('keeps an acquire made while Redis is down waiting, and grants it when Redis is back', async () => {
    const sem = new RedisSemaphore(redis.client, { key: 'down', size: 1, leaseMs: 300 });
    await redis.server.stop();
    while (redis.client.isReady) await new Promise((r) => setTimeout(r, 5));
    const waiting = sem.acquire();
    await new Promise((r) => setTimeout(r, 300)); // a few refreshes fail meanwhile
    assert.ok(sem.stats.redisErrors > 0);
    await redis.server.restart();
    const lease = await waiting;
    await lease.release();
    await sem.close();
  });
});
