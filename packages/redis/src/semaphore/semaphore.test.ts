import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { RedisSemaphore, type Lease } from '../index.js';
import type { RedisClient } from '../internal/client.js';
import { needsRedis, RedisServer } from '../testing/server.js';

/** Resolves once `p` settled or `ms` passed: lets a test prove a waiter is still waiting after real hand-offs ran. */
async function settledWithin(p: Promise<unknown>, sem: RedisSemaphore, roundTrips: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  const want = sem.stats.roundTrips + roundTrips;
  while (sem.stats.roundTrips < want && !settled) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 20));
  return settled;
}

/** What Redis holds for the semaphore: entries (waiters and holders), and permits in use. */
async function inRedis(
  client: RedisClient,
  sem: RedisSemaphore,
): Promise<{ entries: number; used: number; keys: number }> {
  const [queue, leases, entries, meta] = sem.keys as [string, string, string, string];
  return {
    entries: Number(await client.hLen(entries)),
    used: Number((await client.hGet(meta, 'used')) ?? 0),
    keys: Number(await client.exists([queue, leases, entries])),
  };
}

describe('RedisSemaphore', { skip: needsRedis }, () => {
  let server: RedisServer;
  let a: RedisClient;
  let b: RedisClient;
  before(async () => {
    server = await RedisServer.start();
    a = await server.client();
    b = await server.client();
  });
  after(async () => {
    a.destroy();
    b.destroy();
    await server.stop();
  });

  it('does not let a small later acquire overtake a large earlier one, on another replica either', async () => {
    const one = new RedisSemaphore(a, { key: 'hol', size: 3 });
    const two = new RedisSemaphore(b, { key: 'hol', size: 3 });
    const first = await one.acquire(2);
    const large = two.acquire(2);
    assert.equal(await settledWithin(large, two, 1), false, 'acquire(2) granted with 1 permit free');
    const small = one.acquire(1);
    assert.equal(await settledWithin(small, one, 1), false, 'acquire(1) overtook the queued acquire(2)');
    assert.equal(await one.tryAcquire(1), undefined, 'tryAcquire succeeded while someone was queued');
    await first.release();
    const big = await large;
    const little = await small;
    assert.ok(
      first.token < big.token && big.token < little.token,
      `tokens ${first.token}, ${big.token}, ${little.token}`,
    );
    assert.ok(two.stats.wakeups + one.stats.wakeups >= 1, 'the hand-off came by pub/sub');
    assert.deepEqual(await inRedis(a, one), { entries: 2, used: 3, keys: 2 });
    await big.release();
    await little.release();
    assert.deepEqual(await inRedis(a, one), { entries: 0, used: 0, keys: 0 });
    await one.close();
    await two.close();
  });

  it('hands a release to a waiter on another replica by pub/sub, without a poll', async () => {
    const one = new RedisSemaphore(a, { key: 'wake', size: 1, leaseMs: 60_000 });
    const two = new RedisSemaphore(b, { key: 'wake', size: 1, leaseMs: 60_000 });
    const held = await one.acquire();
    const waiting = two.acquire();
    await settledWithin(waiting, two, 1);
    const trips = two.stats.roundTrips;
    await held.release();
    const lease = await waiting;
    assert.equal(two.stats.wakeups, 1);
    assert.equal(two.stats.roundTrips, trips, 'the woken replica needed no round trip to learn its grant');
    await lease.release();
    await one.close();
    await two.close();
  });

  it('releases with `await using`, once; a second release changes nothing', async () => {
    const sem = new RedisSemaphore(a, { key: 'using', size: 1 });
    let token = 0;
    {
      await using lease = await sem.acquire();
      token = lease.token;
      assert.equal((await inRedis(a, sem)).used, 1);
    }
    assert.equal((await inRedis(a, sem)).used, 0);
    const next = await sem.acquire();
    assert.ok(next.token > token);
    await next.release();
    await next.release();
    assert.deepEqual(await inRedis(a, sem), { entries: 0, used: 0, keys: 0 });
    await sem.close();
  });

  it('lets the waiters behind an aborted head in, and leaves no entry after an abort storm', async () => {
    const sem = new RedisSemaphore(a, { key: 'storm', size: 2 });
    const other = new RedisSemaphore(b, { key: 'storm', size: 2 });
    const held = await sem.acquire(1);
    const head = new AbortController();
    const big = sem.acquire(2, { signal: head.signal });
    await settledWithin(big, sem, 1);
    const behind = other.acquire(1);
    await settledWithin(behind, other, 1);
    head.abort(new Error('gave up'));
    await assert.rejects(big, /gave up/);
    const lease = await behind; // 1 free permit: the head's leaving lets it in
    const storm = new AbortController();
    setMaxListeners(0, storm.signal); // 30 waits on one signal is the point here, not a leak
    const waits: Promise<Lease>[] = [];
    for (let i = 0; i < 30; i++)
      waits.push((i % 2 ? sem : other).acquire(1 + (i % 2), { signal: storm.signal }));
    await settledWithin(Promise.race(waits), sem, 1);
    storm.abort(new Error('storm'));
    for (const w of waits) await assert.rejects(w, /storm/);
    await held.release();
    await lease.release();
    await sem.close();
    await other.close();
    assert.deepEqual(await inRedis(a, sem), { entries: 0, used: 0, keys: 0 });
  });

  it('rejects bad input naming the value, and n > size at once', async () => {
    const table: [object, RegExp][] = [
      [{ key: 's', size: 0 }, /`size` to be a safe integer from 1 and up, got `0` \(number\)/],
      [{ key: 's', size: 2 ** 60 }, /`size` to be a safe integer from 1 and up, got `1152921504606847000`/],
      [{ key: 's', size: 1, leaseMs: 50 }, /`leaseMs` to be a safe integer from 100 and up, got `50`/],
      [{ key: 's', size: 1, leaseMs: NaN }, /`leaseMs` to be a number, got `NaN`/],
      [{ key: '', size: 1 }, /`key` to be a non-empty string/],
    ];
    for (const [options, want] of table) assert.throws(() => new RedisSemaphore(a, options as never), want);
    const sem = new RedisSemaphore(a, { key: 'bad', size: 2 });
    await assert.rejects(sem.acquire(3), /RangeError|acquire\(3\) exceeds the size 2/);
    await assert.rejects(sem.acquire(0), /`n` to be a safe integer from 1 and up, got `0`/);
    await assert.rejects(sem.tryAcquire(1.5), /got `1.5`/);
    await assert.rejects(sem.acquire(1, { signal: 'x' as never }), /`signal` to be an AbortSignal/);
    await sem.close();
    await assert.rejects(sem.acquire(), /redis semaphore: closed/);
  });

  it('names the key that holds someone else’s data, instead of hanging', async () => {
    await a.set('goscale:semaphore:{taken}:queue', 'not a queue');
    const sem = new RedisSemaphore(a, { key: 'taken', size: 1 });
    await assert.rejects(
      sem.tryAcquire(),
      /redis semaphore: key goscale:semaphore:\{taken\}:queue holds a string, not this semaphore's zset/,
    );
    await sem.close();
  });
});
