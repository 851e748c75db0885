import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisLimiter } from '../index.js';
import type { RedisClient } from '../internal/client.js';
import { needsRedis, RedisServer } from '../testing/server.js';

describe('RedisLimiter', { skip: needsRedis }, () => {
  let server: RedisServer;
  let client: RedisClient;
  let other: RedisClient;
  before(async () => {
    server = await RedisServer.start();
    client = await server.client();
    other = await server.client();
  });
  after(async () => {
    client.destroy();
    other.destroy();
    await server.stop();
  });

  it('lets `burst` tokens through at once, then refuses; a refused allow writes nothing', async () => {
    const limiter = new RedisLimiter(client, { key: 'allow', rate: 1, burst: 3 });
    await client.scriptFlush();
    assert.equal(await limiter.allow(2), true);
    assert.equal(await limiter.allow(1), true);
    const before = await client.get(limiter.key);
    assert.equal(await limiter.allow(1), false);
    assert.equal(await limiter.allow(3), false);
    assert.equal(await client.get(limiter.key), before, 'a refused allow changed the state');
    assert.equal(await limiter.allow(4), false, 'n > burst');
    assert.equal(limiter.stats.roundTrips, 5, 'one each (+1 NOSCRIPT reload); n > burst costs none');
    await limiter.close();
  });

  it('serves reservations from two clients in the order they reached Redis', async () => {
    const a = new RedisLimiter(client, { key: 'fifo', rate: 100, burst: 1 });
    const b = new RedisLimiter(other, { key: 'fifo', rate: 100, burst: 1 });
    const first = await a.reserve(1); // the burst: now
    const big = await b.reserve(1);
    const small = await a.reserve(1);
    assert.equal(first.delayMs, 0);
    assert.ok(big.delayMs > 0 && big.delayMs <= 10, `big.delayMs = ${big.delayMs}; want (0, 10]`);
    assert.ok(small.delayMs > big.delayMs, `later reservation ${small.delayMs} ms; want > ${big.delayMs} ms`);
    // Exactly one interval apart: the arrival time moved by one token's cost, whatever the clocks of the replicas.
    assert.ok(
      Math.abs(small.delayMs - big.delayMs - 10) < 1,
      `spacing ${small.delayMs - big.delayMs} ms; want 10`,
    );
  });

  it('gives back every reservation of an abort storm, newest first, in one round trip', async () => {
    const limiter = new RedisLimiter(client, { key: 'storm', rate: 10, burst: 5 });
    await client.scriptFlush(); // so the count below is exact: each script costs EVALSHA + EVAL once
    assert.equal(await limiter.allow(5), true); // empty the bucket: every wait below must sleep
    const drained = await client.get(limiter.key);
    const controller = new AbortController();
    const waits = Array.from({ length: 40 }, () => limiter.wait(1, { signal: controller.signal }));
    // The waits are queued once every reservation has come back (each is one round trip, in order).
    while (limiter.stats.roundTrips < 42) await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.notEqual(await client.get(limiter.key), drained);
    const reason = new Error('storm');
    controller.abort(reason);
    for (const w of waits) await assert.rejects(w, (e) => e === reason);
    await limiter.close();
    assert.equal(limiter.stats.givenBack, 40);
    assert.equal(
      limiter.stats.roundTrips,
      44,
      'the allow, 40 reservations, one give-back batch, 2 NOSCRIPT reloads',
    );
    assert.equal(await client.get(limiter.key), drained, 'the bucket is back where the storm found it');
  });

  it('gives back a cancelled reservation only when no later one depends on it', async () => {
    const limiter = new RedisLimiter(client, { key: 'cas', rate: 10, burst: 1 });
    await limiter.wait(1);
    const r1 = await limiter.reserve(1);
    const r2 = await limiter.reserve(1);
    await r1.cancel(); // r2 depends on it: nothing to give back
    assert.equal(limiter.stats.givenBack, 0);
    await r2.cancel();
    await r1.cancel(); // idempotent
    assert.equal(limiter.stats.givenBack, 1);
  });

  it('rejects n > burst at once with a RangeError, and bad options naming the value', async () => {
    const limiter = new RedisLimiter(client, { key: 'bad', rate: 5, burst: 2 });
    await assert.rejects(limiter.wait(3), /RangeError|exceeds the burst 2/);
    await assert.rejects(limiter.wait(1.5), /`n` to be a safe integer from 0 and up, got `1.5`/);
    const table: [object, RegExp][] = [
      [{ key: 'k', rate: 0, burst: 1 }, /`rate` to be a finite number above 0, got `0` \(number\)/],
      [{ key: 'k', rate: Infinity, burst: 1 }, /got `Infinity`/],
      [{ key: 'k', rate: '5', burst: 1 }, /`rate` to be a number, got `"5"` \(string\)/],
      [{ key: 'k', rate: 5, burst: 0 }, /`burst` to be a safe integer from 1 and up, got `0`/],
      [{ key: 'k', rate: 5, burst: 2 ** 60 }, /got `1152921504606847000`/],
      [{ key: '{k}', rate: 5, burst: 1 }, /`key` to be a non-empty string without \{ or \}, got `"\{k\}"`/],
      [{ key: 'k', rate: 5, burst: 1, onRedisError: 'fail' }, /got `"fail"`/],
      [{ key: 'k', rate: 5, burst: 1, onRedisError: 'local' }, /`replicas` to be a number, got `undefined`/],
    ];
    for (const [options, want] of table) {
      assert.throws(() => new RedisLimiter(client, options as never), want, JSON.stringify(options));
    }
    assert.throws(
      () => new RedisLimiter({} as never, { key: 'k', rate: 1, burst: 1 }),
      /expected a node-redis client/,
    );
  });

  it('names the key when it holds someone else’s data, instead of hanging', async () => {
    await client.hSet('goscale:limiter:{hash}', 'a', '1');
    await client.set('goscale:limiter:{text}', 'hello');
    const hash = new RedisLimiter(client, { key: 'hash', rate: 5, burst: 2, onRedisError: 'allow' });
    const text = new RedisLimiter(client, { key: 'text', rate: 5, burst: 2, onRedisError: 'allow' });
    await assert.rejects(
      hash.wait(),
      /TypeError: redis limiter: one of the keys goscale:limiter:\{hash\} holds a value of another type/,
    );
    await assert.rejects(
      text.allow(),
      /redis limiter: key goscale:limiter:\{text\} holds "hello", not a limiter state/,
    );
    assert.equal(hash.stats.allowedOnError, 0, 'a wrong type is not an outage: the policy does not apply');
  });
});
