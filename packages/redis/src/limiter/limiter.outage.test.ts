import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RedisLimiter, RedisOfflineError } from '../index.js';
import type { RedisClient } from '../internal/client.js';
import { needsRedis, useRedisServer } from '../testing/server.js';

async function ready(client: RedisClient): Promise<void> {
  while (!client.isReady) await new Promise((r) => setTimeout(r, 10));
}

describe('RedisLimiter when Redis goes away', { skip: needsRedis }, () => {
  const redis = useRedisServer();

  it('applies onRedisError at once while down, counts it, and recovers when the server restarts', async () => {
    const opts = { key: 'outage', rate: 1, burst: 2 };
    const reject = new RedisLimiter(redis.client, opts);
    const allow = new RedisLimiter(redis.client, { ...opts, onRedisError: 'allow' });
    const local = new RedisLimiter(redis.client, { ...opts, onRedisError: 'local', replicas: 2 });
    assert.equal(await reject.allow(), true);
    await redis.server.stop();
    while (redis.client.isReady) await new Promise((r) => setTimeout(r, 5));

    await assert.rejects(reject.wait(), RedisOfflineError);
    await assert.rejects(reject.allow(), /the Redis client is not connected/);
    assert.deepEqual([await allow.allow(2), await allow.allow(2)], [true, true]);
    await allow.wait(2);
    // The local limiter: rate 1/2 per second, burst 2, in this process only.
    assert.deepEqual([await local.allow(2), await local.allow(1)], [true, false]);
    const r = await local.reserve(1);
    assert.ok(r.ok && r.delayMs > 1000, `local reservation delayMs ${r.delayMs}; want ~2000`);
    await r.cancel();
    assert.equal(reject.stats.rejectedOnError, 2);
    assert.equal(allow.stats.allowedOnError, 3);
    assert.equal(local.stats.local, 3);
    assert.equal(local.stats.redisErrors, 3);

    await redis.server.restart(); // empty, and without the scripts: EVALSHA gets NOSCRIPT once
    await ready(redis.client);
    const before = reject.stats.roundTrips;
    assert.equal(await reject.allow(2), true, 'the bucket starts full after a restart without persistence');
    assert.equal(reject.stats.roundTrips - before, 2);
    assert.equal(await local.allow(2), false, 'back on the shared bucket, which the allow above emptied');
  });
});
